package transfer

import (
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
)

func TestRentreeAt(t *testing.T) {
	cases := []struct {
		now      time.Time
		year     string
		begun    bool
		errorHas string
	}{
		{time.Date(2027, 5, 31, 18, 0, 0, 0, frtext.Brussels), "", false, "la rentrée 2027-2028 se prépare à partir du 01/06/2027"},
		{time.Date(2027, 6, 1, 8, 0, 0, 0, frtext.Brussels), "2027-2028", false, ""},
		{time.Date(2027, 7, 2, 18, 0, 0, 0, frtext.Brussels), "2027-2028", false, ""},
		{time.Date(2027, 7, 3, 9, 0, 0, 0, frtext.Brussels), "2027-2028", true, ""},
		{time.Date(2027, 8, 29, 9, 0, 0, 0, frtext.Brussels), "2027-2028", true, ""},
		{time.Date(2027, 8, 30, 9, 0, 0, 0, frtext.Brussels), "", false, "la rentrée 2028-2029 se prépare à partir du 01/06/2028"},
	}
	for _, c := range cases {
		rt, err := RentreeAt(c.now, fwb.MonthDay{})
		if c.errorHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errorHas) {
				t.Errorf("%s: err = %v", c.now, err)
			}
			continue
		}
		if err != nil || rt.Year.String() != c.year || rt.Begun != c.begun || !rt.FirstDay.Equal(date(2027, 8, 30)) {
			t.Errorf("%s: %+v, %v", c.now, rt, err)
		}
	}
	// The network sets its own day.
	if _, err := RentreeAt(time.Date(2027, 5, 20, 9, 0, 0, 0, frtext.Brussels), fwb.MonthDay{Month: time.May, Day: 15}); err != nil {
		t.Errorf("from 15/05: %v", err)
	}
}

// TestPrepareRentree: in June, the school sends 2027-2028 as on its first
// day (a newcomer whose situation starts then, a teacher who retires at the
// end of June); the current year's transfer keeps sending 2026-2027; the
// newcomer's access opens the night after the last day, the retiree's ends.
func TestPrepareRentree(t *testing.T) {
	rows := smallSchool()
	e := newEnv(t, rows[:3], nil) // Dupont, Martin, Lambert
	if _, err := e.run(Options{}); err != nil {
		t.Fatal(err)
	}
	e.night()

	e.clock.Set(time.Date(2027, 6, 10, 18, 0, 0, 0, frtext.Brussels))
	martin := e.row("Martin")
	martin.Situation.End = date(2027, 6, 30)
	newcomer := member("Noël", "Inès", "1998-09-09", "", "ines.noel@sjoseph.be", "IP", fwb.RoleEnseignant)
	newcomer.Situation.Start = date(2027, 8, 30)
	e.save(martin, newcomer)

	preview, err := e.run(Options{Rentree: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Information : Préparation de la rentrée 2027-2028 – le personnel tel qu'au premier jour, le 30/08/2027.",
		"Avertissement : Créé Rôle Jean Dupont – Enseignant",
		"Avertissement : Créé Rôle Luc Lambert – Directeur",
		"Avertissement : Créé Rôle Inès Noël – Enseignant",
		"Information : 2 accès renouvelés pour l'année scolaire 2027-2028 – ces personnes gardent leur accès, sans nouveau courriel.",
		"Aperçu : rien n'a été transféré.",
	}
	if !slices.Equal(preview.Messages, want) {
		t.Fatalf("preview:%s", lines(preview.Messages))
	}
	out, err := e.run(Options{Rentree: true})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want[:len(want)-1], closing1,
		"Attention ! Les accès de l'année scolaire 2027-2028 s'ouvriront la nuit qui suit le dernier jour de l'année en cours (02/07/2027) ; "+
			"ceux qui ne figurent pas dans cet envoi se terminent avec l'année. L'année en cours ne change pas.")
	if !slices.Equal(out.Messages, want) || out.Record.SchoolYear != "2027-2028" || !IsRentree(out.Record.Messages) {
		t.Fatalf("rentrée: %s, %+v", lines(out.Messages), out.Record)
	}

	// The current year goes on: Martin is still there in June, and the
	// newcomer is not sent for it.
	cur, err := e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cur.Record.SchoolYear != "2026-2027" || cur.Record.Counts.Unchanged != 3 || IsRentree(cur.Record.Messages) {
		t.Fatalf("current year in June: %+v %s", cur.Record, lines(cur.Messages))
	}

	// A summer transfer sends the staff of the first day: it keeps the
	// newcomer, whose situation starts then.
	e.clock.Set(time.Date(2027, 7, 12, 19, 0, 0, 0, frtext.Brussels))
	summer, err := e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if summer.Record.SchoolYear != "2027-2028" || summer.Record.Counts.Unchanged != 3 || summer.Record.Counts.Deactivated != 0 {
		t.Fatalf("summer transfer: %+v %s", summer.Record, lines(summer.Messages))
	}
	grants, err := e.svc.Grants(e.ctx, testFASE, "2027-2028")
	if err != nil || len(grants.Staff) != 3 {
		t.Fatalf("2027-2028 grants: %+v, %v", grants, err)
	}
}
