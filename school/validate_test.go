package school_test

import (
	"slices"
	"strings"
	"testing"

	"passerelle/fwb"
	"passerelle/school"
)

func validRow() school.Row {
	return school.Row{
		Member: school.Member{LastName: "Ludo", FirstName: "Guy", BirthDate: day(1985, 3, 19), NISS: "85031956589",
			Matricule: "18503190123", SchoolEmail: "guy.ludo@ecole.be"},
		Situation: school.Situation{Function: "IP", Status: "D", Active: true, Present: true, Start: day(2009, 9, 1),
			Charge: []fwb.ChargeLine{{Code: "IP", Periods: 24, FullTime: 24}}},
	}
}

func TestValidateRow(t *testing.T) {
	for _, test := range []struct {
		name   string
		edit   func(r *school.Row)
		fields map[string]string // field → part of the message
	}{
		{"valid", func(r *school.Row) {}, nil},
		{"valid with leave and no status", func(r *school.Row) {
			r.Situation.Charge = append(r.Situation.Charge, fwb.ChargeLine{Code: "CN", Periods: -24, FullTime: 24})
			r.Situation.Status = ""
		}, nil},
		{"wrong check digit is not a form error", func(r *school.Row) { r.Member.NISS = "88407140254" }, nil},
		{"short NISS is not a form error", func(r *school.Row) { r.Member.NISS = "890725" }, nil},
		{"names missing", func(r *school.Row) { r.Member.LastName, r.Member.FirstName = " ", "" },
			map[string]string{school.FieldLastName: "nom de famille manquant", school.FieldFirstName: "prénom manquant"}},
		{"name too long", func(r *school.Row) { r.Member.LastName = strings.Repeat("a", 101) },
			map[string]string{school.FieldLastName: "100 caractères au plus"}},
		{"bad e-mails", func(r *school.Row) { r.Member.SchoolEmail, r.Member.PrivateEmail = "guy.ludo.ecole.be", "a@b" },
			map[string]string{school.FieldSchoolEmail: "il manque le @", school.FieldPrivateEmail: "domaine"}},
		{"letters in numbers", func(r *school.Row) { r.Member.NISS, r.Member.Matricule = "8,84E+10", "18503X90123" },
			map[string]string{school.FieldNISS: "format texte", school.FieldMatricule: "retirez « X »"}},
		{"end before start", func(r *school.Row) { r.Situation.End = day(2009, 8, 31) },
			map[string]string{school.FieldEnd: "la date de fin (31/08/2009) précède la date de début (01/09/2009)"}},
		{"unknown codes", func(r *school.Row) { r.Situation.Function, r.Situation.Status = "XX", "Q" },
			map[string]string{school.FieldFunction: "fonction « XX » inconnue", school.FieldStatus: "situation principale « Q » inconnue"}},
		{"no function", func(r *school.Row) { r.Situation.Function = "" },
			map[string]string{school.FieldFunction: "fonction principale manquante"}},
		{"bad role", func(r *school.Row) { r.Situation.Role = "Admin" },
			map[string]string{school.FieldRole: "rôle extranet « Admin » inconnu"}},
		{"bad charge", func(r *school.Row) { r.Situation.Charge = []fwb.ChargeLine{{Code: "ZZ", Periods: 3, FullTime: 24}} },
			map[string]string{school.FieldCharge: "fonction « ZZ » inconnue"}},
		{"zero periods", func(r *school.Row) { r.Situation.Charge = []fwb.ChargeLine{{Code: "IP", Periods: 0, FullTime: 24}} },
			map[string]string{school.FieldCharge: "nul"}},
		{"birth year", func(r *school.Row) { r.Member.BirthDate = day(1885, 3, 19) },
			map[string]string{school.FieldBirthDate: "vérifiez l'année"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := validRow()
			test.edit(&r)
			fe := school.ValidateRow(r, nil)
			if len(fe) != len(test.fields) {
				t.Errorf("ValidateRow = %v, want errors on %v", fe, test.fields)
			}
			for f, part := range test.fields {
				if !strings.Contains(fe[f], part) {
					t.Errorf("error on %s = %q, want it to contain %q", f, fe[f], part)
				}
			}
		})
	}
}

func TestFieldErrorsOrder(t *testing.T) {
	fe := school.FieldErrors{school.FieldRole: "x", school.FieldLastName: "y", "Zeta": "z", school.FieldSchoolEmail: "e", "Alpha": "a"}
	want := []string{school.FieldLastName, school.FieldSchoolEmail, school.FieldRole, "Alpha", "Zeta"}
	if got := fe.Fields(); !slices.Equal(got, want) {
		t.Errorf("Fields = %v, want %v", got, want)
	}
}

func TestNormalizeRow(t *testing.T) {
	r := school.Row{
		Member: school.Member{LastName: "  Van  Damme ", FirstName: "Jean ", NISS: "85.03.19-564.90", Matricule: " 1 85031 90123",
			SchoolEmail: " Jean.VanDamme@Ecole.BE ", PrivateEmail: "not an address"},
		Situation: school.Situation{Function: " ip ", Status: "st"},
	}
	got := school.NormalizeRow(r, nil)
	m, s := got.Member, got.Situation
	if m.LastName != "Van Damme" || m.FirstName != "Jean" || m.NISS != "85031956490" || m.Matricule != "18503190123" ||
		m.SchoolEmail != "jean.vandamme@ecole.be" || m.PrivateEmail != "not an address" || s.Function != "IP" || s.Status != "St" {
		t.Errorf("NormalizeRow = %+v", got)
	}
	if got := school.NormalizeRow(school.Row{}, nil); got.Situation.Status != fwb.NoSituation {
		t.Errorf("empty status normalised to %q, want -", got.Situation.Status)
	}
}

func TestFieldErrorsAddKeepsTheFirst(t *testing.T) {
	fe := school.FieldErrors{school.FieldBirthDate: "date illisible"}
	fe.Add(school.FieldErrors{school.FieldBirthDate: "date manquante", school.FieldLastName: "nom manquant"})
	if fe[school.FieldBirthDate] != "date illisible" || fe[school.FieldLastName] != "nom manquant" || len(fe) != 2 {
		t.Fatalf("FieldErrors after Add = %v", fe)
	}
}
