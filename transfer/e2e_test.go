package transfer

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/fwb"
	"passerelle/school"
)

// smallSchool is a realistic small fundamental school.
func smallSchool() []school.Row {
	peeters := member("Peeters", "Anne", "1990-04-12", "", "anne.peeters@sjoseph.be", "PU", fwb.RoleNone)
	willems := member("Willems", "Paul", "1970-01-15", "", "paul.willems@sjoseph.be", "IP", fwb.RoleEnseignant)
	willems.Situation.End = date(2026, 6, 30) // left last school year
	willems.Situation.Active = false
	return []school.Row{
		member("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@sjoseph.be", "IP", fwb.RoleEnseignant),
		member("Martin", "Marie", "1985-02-03", "", "marie.martin@sjoseph.be", "IM", fwb.RoleNone),
		member("Lambert", "Luc", "1968-10-22", "", "luc.lambert@sjoseph.be", "D", fwb.RoleDirecteur),
		member("Écrivain", "Élodie", "1991-07-01", "", "elodie.ecrivain@sjoseph.be", "IP", fwb.RoleEnseignant),
		member("Janssens", "Tom", "1979-12-24", "", "", "IP", fwb.RoleEnseignant),
		member("Claes", "Sophie", "1983-03-09", "", "sophie.claes@sjoseph.be", "ME", fwb.RoleEnseignant),
		member("Bernard", "Zoé", "1994-06-18", "", "zoe.bernard@sjoseph.be", "MR", fwb.RoleEnseignant),
		peeters,
		willems,
	}
}

const (
	closing1 = "Le transfert est fait."
	closing2 = "Attention ! Les accès à l'extranet SeGEC ne sont pas immédiats. Il faut attendre une nuit avant d'avoir accès au portail."
)

func TestEndToEnd(t *testing.T) {
	e := newEnv(t, smallSchool(), nil)

	// A dry run first: the same lines, nothing applied, no role completed.
	out, err := e.run(Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	first := []string{
		`Information : Complété Rôle Extranet "Enseignant" chez Marie Martin`,
		"Erreur : Non transféré Tom Janssens – adresse e-mail école manquante",
		"Avertissement : Créé Rôle Zoé Bernard – Enseignant",
		"Avertissement : Créé Rôle Sophie Claes – Enseignant",
		"Avertissement : Créé Rôle Jean Dupont – Enseignant",
		"Avertissement : Créé Rôle Élodie Écrivain – Enseignant",
		"Avertissement : Créé Rôle Luc Lambert – Directeur",
		"Avertissement : Créé Rôle Marie Martin – Enseignant",
	}
	if want := append(slices.Clone(first), "Aperçu : rien n'a été transféré."); !slices.Equal(out.Messages, want) {
		t.Fatalf("dry run:%s\nwant:%s", lines(out.Messages), lines(want))
	}
	if r := e.row("Martin"); r.Situation.Role != fwb.RoleNone {
		t.Fatalf("dry run completed a role: %q", r.Situation.Role)
	}

	out, err = e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := append(slices.Clone(first), closing1, closing2); !slices.Equal(out.Messages, want) {
		t.Fatalf("first transfer:%s\nwant:%s", lines(out.Messages), lines(want))
	}
	if r := e.row("Martin"); r.Situation.Role != fwb.RoleEnseignant {
		t.Fatalf("role not completed: %q", r.Situation.Role)
	}
	e.night()

	// The school's data change: a role changed, a member gone, a member
	// added, an e-mail changed.
	e.clock.Add(24 * time.Hour)
	claes := e.row("Claes")
	claes.Situation.Function, claes.Situation.Promotion, claes.Situation.Role = "DA", true, fwb.RoleDirecteur
	bernard := e.row("Bernard")
	bernard.Situation.End, bernard.Situation.Active = date(2026, 11, 20), false
	ecrivain := e.row("Écrivain")
	ecrivain.Member.SchoolEmail = "e.ecrivain@sjoseph.be"
	dubois := member("Dubois", "Hugo", "1996-01-30", "", "hugo.dubois@sjoseph.be", "IP", fwb.RoleNone)
	dubois.Situation.Start = date(2026, 11, 23)
	e.save(claes, bernard, ecrivain, dubois)

	out, err = e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`Information : Complété Rôle Extranet "Enseignant" chez Hugo Dubois`,
		"Erreur : Non transféré Tom Janssens – adresse e-mail école manquante",
		"Information : Modifié Rôle Sophie Claes – Directeur",
		"↳ rôle : Enseignant → Directeur",
		"Information : Modifié Rôle Élodie Écrivain – Enseignant",
		"↳ e-mail : elodie.ecrivain@sjoseph.be → e.ecrivain@sjoseph.be",
		"Avertissement : Créé Rôle Hugo Dubois – Enseignant",
		"Avertissement : Désactivé Rôle Zoé Bernard – Enseignant",
		closing1, closing2,
	}
	if !slices.Equal(out.Messages, want) {
		t.Fatalf("second transfer:%s\nwant:%s", lines(out.Messages), lines(want))
	}
	second := want

	// Sent again, the same data change nothing.
	out, err = e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"Erreur : Non transféré Tom Janssens – adresse e-mail école manquante",
		"Information : Aucun changement.",
		closing1, closing2,
	}
	if !slices.Equal(out.Messages, want) {
		t.Fatalf("third transfer:%s\nwant:%s", lines(out.Messages), lines(want))
	}
	// The same staff again: the extranet counts a re-sync, which changed
	// nothing.
	res, err := http.Get(e.ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), "passerelle_extranet_transfers_resent_total 1\n") {
		t.Errorf("the third transfer was not counted as a re-sync")
	}

	h := e.history()
	if len(h) != 4 {
		t.Fatalf("%d history entries, want 4", len(h))
	}
	wantOutcomes := []school.TransferOutcome{school.OutcomeDone, school.OutcomeDone, school.OutcomeDone, school.OutcomeNoChange}
	for i, rec := range h {
		if rec.Outcome != wantOutcomes[i] || rec.By != "Anne Direction" || rec.SchoolYear != "2026-2027" || rec.DryRun != (i == 0) {
			t.Errorf("history %d: %+v", i, rec)
		}
		if rec.IdempotencyKey == "" || (i > 0 && rec.IdempotencyKey == h[i-1].IdempotencyKey) {
			t.Errorf("history %d: key %q not fresh", i, rec.IdempotencyKey)
		}
	}
	if c := h[2].Counts; c != (school.TransferCounts{Completed: 1, Errors: 1, Created: 1, Modified: 2, Deactivated: 1, Unchanged: 3}) {
		t.Errorf("counts of the second transfer: %+v", c)
	}
	if !slices.Equal(h[2].Messages, second) {
		t.Errorf("messages not recorded: %q", h[2].Messages)
	}
	if h[3].ExtranetID == "" {
		t.Error("extranet transfer id not recorded")
	}
}

// TestUnreadableNameHoldsBackOnlyItsMember checks that a member whose name
// the extranet would refuse (stored before the rule for names, or by
// another program) is held back and named, while every other change of the
// school applies, and that their access stays as it was.
func TestUnreadableNameHoldsBackOnlyItsMember(t *testing.T) {
	e := newEnv(t, smallSchool(), nil)
	if _, err := e.run(Options{}); err != nil {
		t.Fatal(err)
	}
	e.night()
	e.clock.Add(24 * time.Hour)

	claes := e.row("Claes")
	claes.Situation.Function, claes.Situation.Promotion, claes.Situation.Role = "DA", true, fwb.RoleDirecteur
	lambert := e.row("Lambert")
	lambert.Member.LastName = "Lam\u202ebert"
	e.save(claes, lambert)

	out, err := e.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Erreur : Non transféré Tom Janssens – adresse e-mail école manquante",
		"Erreur : Non transféré Luc Lam\uFFFDbert – nom illisible (caractère de contrôle, invisible ou invalide) : retapez-le dans sa fiche",
		"Information : Modifié Rôle Sophie Claes – Directeur",
		"↳ rôle : Enseignant → Directeur",
		closing1, closing2,
	}
	if !slices.Equal(out.Messages, want) {
		t.Fatalf("messages:%s\nwant:%s", lines(out.Messages), lines(want))
	}
	g, err := e.svc.Grants(e.ctx, testFASE, "2026-2027")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range g.Staff {
		if s.LastName == "Lambert" && (s.State == "deactivated" || s.Role != "Directeur") {
			t.Errorf("Lambert's access changed: %+v", s)
		}
	}
}
