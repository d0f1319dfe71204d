package demodata_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/fwb"
	"passerelle/school"
	"passerelle/school/demodata"
	"passerelle/store/schoolstore"
)

func TestLoad(t *testing.T) {
	ctx := context.Background()
	st, err := schoolstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "school.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sc, err := demodata.Load(ctx, st, nil, today)
	if err != nil {
		t.Fatal(err)
	}
	if sc.FASE != 5342 || sc.Name != "École fondamentale Sainte-Marie, Namur" {
		t.Errorf("school = %+v", sc)
	}
	rows, err := st.Rows(ctx, demodata.FASE)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 20 {
		t.Fatalf("%d rows, want 20", len(rows))
	}

	// Loading again is a no-op.
	if _, err := demodata.Load(ctx, st, nil, today); err != nil {
		t.Fatal(err)
	}
	again, _ := st.Rows(ctx, demodata.FASE)
	if len(again) != 20 {
		t.Fatalf("second Load: %d rows", len(again))
	}

	byName := map[string]school.Row{}
	for _, r := range rows {
		byName[r.ListName()] = r
	}
	for _, test := range []struct {
		name, niss, matricule, resume string
		role                          fwb.Role
		email                         bool
	}{
		{"Brocar Pascale", "88407140254", "28407140254", "ME 8/24", fwb.RoleEnseignant, true},
		{"Edwin Isise", "", "27003020003", "IM 26/26", fwb.RoleEnseignant, true},
		{"Gensen Talia", "", "29202260756", "IM 13/26", fwb.RoleEnseignant, false},
		{"Ludo Guy", "", "18503190123", "IP 24/24", fwb.RoleNone, true},
		{"Meuran Clara", "81051825667", "28105180150", "IP 24/24, avec -24/24", fwb.RoleEnseignant, true},
		{"Milord Remy", "67031502481", "", "D 24/24", fwb.RoleDirecteur, true},
		{"Walter Olaf", "85082701546", "", "ME 2/24", fwb.RoleNone, true},
		{"Vervandier Gaëlle", "890725", "", "IM 13/26", fwb.RoleEnseignant, true},
		{"Coremans Michèle", "95082123522", "", "IP 28/24", fwb.RoleEnseignant, true},
	} {
		t.Run(test.name, func(t *testing.T) {
			r, ok := byName[test.name]
			if !ok {
				t.Fatal("missing")
			}
			if r.Member.NISS != test.niss || r.Member.Matricule != test.matricule || r.Situation.Resume() != test.resume ||
				r.Situation.Role != test.role || (r.Member.SchoolEmail != "") != test.email || !r.Situation.Active || !r.Situation.Present {
				t.Errorf("row = %+v", r)
			}
			if test.email && !strings.HasSuffix(r.Member.SchoolEmail, "@sainte-marie-namur.be") {
				t.Errorf("e-mail %q", r.Member.SchoolEmail)
			}
		})
	}
	if got := byName["Vervandier Gaëlle"].Member.BirthDate; !got.Equal(time.Date(1989, 7, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Vervandier birth date %v", got)
	}
	if got := byName["Coremans Michèle"].Situation.Status; got != "-" {
		t.Errorf("Coremans status %q", got)
	}

	// The checks show what the demo is for.
	var got []string
	for _, f := range school.Check(rows, today, nil) {
		got = append(got, f.Severity.String()+" "+f.Name+" "+f.Code)
	}
	want := []string{
		"bloquant Talia Gensen email-missing",
		"avertissement Pascale Brocar niss-check-digits",
		"avertissement Michèle Coremans charge-over-full-time",
		"avertissement Eve Daniel niss-check-digits",
		"avertissement Rose Manfroid niss-matricule-mismatch",
		"avertissement Gaëlle Vervandier niss-invalid",
		"information Guy Ludo role-completed",
		"information Olaf Walter role-completed",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
