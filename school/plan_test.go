package school_test

import (
	"slices"
	"strings"
	"testing"

	"passerelle/fwb"
	"passerelle/school"
)

// stored gives rows IDs as a store would.
func stored(rows []school.Row, next *int64) []school.Row {
	out := slices.Clone(rows)
	for i := range out {
		if out[i].Member.ID == 0 {
			*next++
			out[i].Member.ID = *next
		}
		if out[i].Situation.ID == 0 {
			*next++
			out[i].Situation.ID = *next
		}
		out[i].Situation.MemberID = out[i].Member.ID
	}
	return out
}

// apply replaces or appends the planned rows, as SaveRows would.
func apply(existing, planned []school.Row) []school.Row {
	out := slices.Clone(existing)
	for _, p := range planned {
		i := slices.IndexFunc(out, func(r school.Row) bool { return r.Situation.ID == p.Situation.ID })
		if i >= 0 {
			out[i] = p
		} else {
			out = append(out, p)
		}
		for j := range out { // the member is shared by its situations
			if out[j].Member.ID == p.Member.ID {
				out[j].Member = p.Member
			}
		}
	}
	return out
}

const planHeader = "Nom;Prénom;Date de naissance;Numéro national;Matricule;E-mail école;Fonction principale;Actif;Date de début;Rôle extranet\n"

func TestPlanImport(t *testing.T) {
	first := parse(t, planHeader+
		"Ludo;Guy;19/03/1985;;18503190123;guy.ludo@ecole.be;IP;oui;01/09/2009;\n"+
		"Manfroid;Rose;;90102702360;;rose@ecole.be;IP;oui;01/09/2013;Enseignant\n"+
		"Vervandier;Gaëlle;25/07/1989;890725;;gaelle@ecole.be;IM;oui;26/08/2024;Enseignant\n")
	plan := school.PlanImport(nil, first, 5342)
	if plan.Created != 3 || plan.Updated != 0 || plan.Unchanged != 0 || len(plan.Rows) != 3 {
		t.Fatalf("first plan = %+v", plan)
	}
	for _, r := range plan.Rows {
		if r.Member.ID != 0 || r.Situation.ID != 0 || r.Situation.FASE != 5342 {
			t.Errorf("new row %+v", r)
		}
	}
	var next int64
	db := stored(plan.Rows, &next)

	// Re-importing the same file changes nothing.
	if again := school.PlanImport(db, first, 5342); again.Created != 0 || again.Updated != 0 || again.Unchanged != 3 || len(again.Rows) != 0 {
		t.Fatalf("re-import plan = %+v", again)
	}

	for _, test := range []struct {
		name                   string
		file                   string
		created, updated, same int
		check                  func(t *testing.T, rows []school.Row)
	}{
		{"matched by matricule despite a new name", planHeader +
			"Ludo-Martin;Guy;19/03/1985;;18503190123;guy.ludo@ecole.be;IP;oui;01/09/2009;\n", 0, 1, 0,
			func(t *testing.T, rows []school.Row) {
				if rows[0].Member.ID != db[0].Member.ID || rows[0].Situation.ID != db[0].Situation.ID || rows[0].Member.LastName != "Ludo-Martin" {
					t.Errorf("row %+v", rows[0])
				}
			}},
		{"matched by NISS", planHeader +
			"MANFROID;Rose-Marie;;90.10.27-023.60;29010270456;rose@ecole.be;IP;oui;01/09/2013;Enseignant\n", 0, 1, 0,
			func(t *testing.T, rows []school.Row) {
				if rows[0].Member.ID != db[1].Member.ID || rows[0].Member.Matricule != "29010270456" {
					t.Errorf("row %+v", rows[0])
				}
			}},
		{"matched by folded names and birth date", planHeader +
			"vervandier;GAELLE;25/07/1989;;;gaelle.v@ecole.be;IM;oui;26/08/2024;Enseignant\n", 0, 1, 0,
			func(t *testing.T, rows []school.Row) {
				if rows[0].Member.ID != db[2].Member.ID || rows[0].Member.SchoolEmail != "gaelle.v@ecole.be" {
					t.Errorf("row %+v", rows[0])
				}
			}},
		{"same names, other birth date is someone else", planHeader +
			"Vervandier;Gaëlle;25/07/1990;;;g2@ecole.be;IM;oui;;\n", 1, 0, 0, nil},
		{"columns left out keep their values", "Nom;Prénom;Matricule;Fonction principale\nLudo;Guy;18503190123;ME\n", 0, 1, 0,
			func(t *testing.T, rows []school.Row) {
				r := rows[0]
				if r.Situation.Function != "ME" || r.Member.SchoolEmail != "guy.ludo@ecole.be" || !r.Member.BirthDate.Equal(day(1985, 3, 19)) ||
					!r.Situation.Start.Equal(day(2009, 9, 1)) || !r.Situation.Active {
					t.Errorf("row %+v", r)
				}
			}},
		{"empty Actif and Début cells keep their values", planHeader +
			"Ludo;Guy;19/03/1985;;18503190123;guy.ludo@ecole.be;IP;;;\n", 0, 0, 1, nil},
		{"an empty e-mail cell clears it", planHeader +
			"Ludo;Guy;19/03/1985;;18503190123;;IP;oui;01/09/2009;\n", 0, 1, 0,
			func(t *testing.T, rows []school.Row) {
				if rows[0].Member.SchoolEmail != "" {
					t.Errorf("row %+v", rows[0])
				}
			}},
	} {
		t.Run(test.name, func(t *testing.T) {
			plan := school.PlanImport(db, parse(t, test.file), 5342)
			if plan.Created != test.created || plan.Updated != test.updated || plan.Unchanged != test.same {
				t.Fatalf("plan = %+v; want %d created, %d updated, %d unchanged", plan, test.created, test.updated, test.same)
			}
			if len(plan.Rows) != test.created+test.updated {
				t.Fatalf("%d rows planned", len(plan.Rows))
			}
			if test.check != nil {
				test.check(t, plan.Rows)
			}
			// Applying the plan then importing again is a no-op.
			after := apply(db, stored(plan.Rows, &next))
			if again := school.PlanImport(after, parse(t, test.file), 5342); again.Created+again.Updated != 0 {
				t.Errorf("after applying, plan = %+v", again)
			}
		})
	}
}

func TestPlanImportSituations(t *testing.T) {
	var next int64
	old := school.Row{Member: school.Member{LastName: "Ludo", FirstName: "Guy", Matricule: "18503190123"},
		Situation: school.Situation{FASE: 5342, Function: "IP", Start: day(2009, 9, 1), End: day(2015, 6, 30), Status: "D"}}
	db := stored([]school.Row{old}, &next)
	recent := school.Row{Member: db[0].Member, Situation: school.Situation{FASE: 5342, Function: "IP", Start: day(2020, 9, 1), Status: "D"}}
	other := school.Row{Member: school.Member{LastName: "Walter", FirstName: "Olaf", Matricule: "18508270154"},
		Situation: school.Situation{FASE: 17, Function: "ME", Start: day(2020, 9, 1)}}
	db = append(db, stored([]school.Row{recent, other}, &next)...)

	in := parse(t, "Nom;Prénom;Matricule;Fonction principale;Charge\nLudo;Guy;18503190123;IP;IP 12/24\nWalter;Olaf;18508270154;ME;\n")
	plan := school.PlanImport(db, in, 5342)
	if plan.Updated != 1 || plan.Created != 1 || len(plan.Rows) != 2 {
		t.Fatalf("plan = %+v", plan)
	}
	if got := plan.Rows[0]; got.Situation.ID != db[1].Situation.ID || fwb.FormatCharge(got.Situation.Charge) != "IP 12/24" {
		t.Errorf("the latest situation should be updated: %+v", got)
	}
	// Rows of another school are not this school's members.
	if got := plan.Rows[1]; got.Member.ID != 0 || got.Situation.FASE != 5342 {
		t.Errorf("other school's member reused: %+v", got)
	}
}

func TestPlanImportSamePersonTwice(t *testing.T) {
	// ParseCSV refuses such a file; PlanImport still makes one member of it.
	in := parse(t, "Nom;Prénom;Matricule;Fonction principale\nLudo;Guy;18503190123;IP\n")
	in2 := parse(t, "Nom;Prénom;Matricule;Fonction principale;E-mail école\nLUDO;Guy;18503190123;IP;guy@ecole.be\n")
	plan := school.PlanImport(nil, append(in, in2...), 5342)
	if plan.Created != 1 || len(plan.Rows) != 1 || plan.Rows[0].Member.SchoolEmail != "guy@ecole.be" || !strings.EqualFold(plan.Rows[0].Member.LastName, "ludo") {
		t.Errorf("plan = %+v", plan)
	}
}

func TestPlanImportPresentFollowsActive(t *testing.T) {
	var next int64
	db := stored(school.PlanImport(nil, parse(t, "Nom;Prénom;Matricule;Fonction principale;Présent;Actif\nLudo;Guy;18503190123;IP;oui;oui\n"), 5342).Rows, &next)
	for _, test := range []struct {
		name, file      string
		present, active bool
	}{
		{"empty Présent follows a given Actif", "Nom;Prénom;Matricule;Fonction principale;Présent;Actif\nLudo;Guy;18503190123;IP;;non\n", false, false},
		{"both empty keep the stored values", "Nom;Prénom;Matricule;Fonction principale;Présent;Actif\nLudo;Guy;18503190123;IP;;\n", true, true},
		{"Présent alone", "Nom;Prénom;Matricule;Fonction principale;Présent\nLudo;Guy;18503190123;IP;non\n", false, true},
	} {
		t.Run(test.name, func(t *testing.T) {
			after := apply(db, school.PlanImport(db, parse(t, test.file), 5342).Rows)
			if s := after[0].Situation; s.Present != test.present || s.Active != test.active {
				t.Errorf("present %v, active %v; want %v, %v", s.Present, s.Active, test.present, test.active)
			}
		})
	}
}
