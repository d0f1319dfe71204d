package school_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
)

var checkDay = day(2026, 11, 26)

// row returns a valid current teacher with the given IDs.
func row(id int64, last, first string) school.Row {
	r := validRow()
	r.Member.ID, r.Situation.ID, r.Situation.MemberID = id, id, id
	r.Member.LastName, r.Member.FirstName = last, first
	r.Member.SchoolEmail = frtext.LoginPart(first) + "." + frtext.LoginPart(last) + "@ecole.be"
	r.Situation.FASE = 5342
	r.Situation.Role = fwb.RoleEnseignant
	return r
}

func codes(fs []school.Finding, situationID int64) []string {
	var out []string
	for _, f := range fs {
		if f.SituationID == situationID {
			out = append(out, f.Code)
		}
	}
	return out
}

// TestCheckBrusselsToday checks that Check and SendRole take the school's
// today in Brussels even with a UTC clock: 23:30 UTC on 26 November is
// 00:30 on the 27th in Brussels.
func TestCheckBrusselsToday(t *testing.T) {
	at := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)
	starts := row(1, "Debut", "Léa")
	starts.Situation.Start = day(2026, 11, 27)
	if _, ok := school.SendRole(starts, at, nil); !ok {
		t.Errorf("a situation starting on 27/11 is not current at %s (27/11 in Brussels)", at.Format(time.RFC3339))
	}
	if !starts.Situation.Covers(at.In(frtext.Brussels)) {
		t.Errorf("Covers(27/11 00:30 in Brussels) = false for a situation starting on 27/11")
	}
	ended := row(2, "Fin", "Paul")
	ended.Situation.End = day(2026, 11, 26)
	fs := school.Check([]school.Row{starts, ended}, at, nil)
	if got := codes(fs, 1); len(got) != 0 {
		t.Errorf("situation starting on 27/11: findings %v, want none", got)
	}
	if got := codes(fs, 2); !slices.Equal(got, []string{school.CodeActiveEnded}) {
		t.Errorf("situation ended on 26/11, still Actif: findings %v, want %v", got, []string{school.CodeActiveEnded})
	}
}

func TestCheck(t *testing.T) {
	for _, test := range []struct {
		name  string
		edit  func(r *school.Row)
		codes []string // codes of the edited row, in order
		sev   school.Severity
		msg   string // part of the first finding's message
		field string
	}{
		{"clean", func(r *school.Row) {}, nil, 0, "", ""},
		{"e-mail missing", func(r *school.Row) { r.Member.SchoolEmail = "" },
			[]string{school.CodeEmailMissing}, school.Bloquant, "adresse e-mail école manquante : encodez-la dans sa fiche.", school.FieldSchoolEmail},
		{"e-mail invalid", func(r *school.Row) { r.Member.SchoolEmail = "guy@ecole" },
			[]string{school.CodeEmailInvalid}, school.Bloquant, "corrigez l'adresse e-mail école", school.FieldSchoolEmail},
		{"e-mail missing but not sent (no role)", func(r *school.Row) {
			r.Member.SchoolEmail, r.Situation.Function, r.Situation.Role = "", "PU", fwb.RoleNone
		}, []string{school.CodeNotSent}, school.Information, "sa fonction PU (Puériculteur) n'en donne pas", school.FieldRole},
		{"e-mail missing but not active", func(r *school.Row) { r.Member.SchoolEmail, r.Situation.Active, r.Situation.Present = "", false, false }, nil, 0, "", ""},
		{"no identity at all", func(r *school.Row) { r.Member.BirthDate = zero; r.Member.NISS, r.Member.Matricule = "", "" },
			[]string{school.CodeIdentityMissing}, school.Bloquant, "ni matricule valable ni date de naissance", school.FieldBirthDate},
		{"invalid matricule is no identity", func(r *school.Row) { r.Member.BirthDate = zero; r.Member.NISS, r.Member.Matricule = "", "38503190123" },
			[]string{school.CodeIdentityMissing, school.CodeMatriculeInvalid}, school.Bloquant, "ni matricule valable", school.FieldBirthDate},
		{"unreadable last name", func(r *school.Row) { r.Member.LastName = "Lu\u202edo" },
			[]string{school.CodeNameUnreadable}, school.Bloquant, "nom illisible (caractère de contrôle, invisible ou invalide) : retapez-le dans sa fiche.", school.FieldLastName},
		{"first name without a letter", func(r *school.Row) { r.Member.FirstName = "---" },
			[]string{school.CodeNameUnreadable}, school.Bloquant, "prénom sans lettre : écrivez-le en lettres dans sa fiche.", school.FieldFirstName},
		{"birth date from NISS is identity", func(r *school.Row) { r.Member.BirthDate, r.Member.Matricule = zero, "" }, nil, 0, "", ""},
		{"matricule alone is identity", func(r *school.Row) { r.Member.BirthDate, r.Member.NISS = zero, "" }, nil, 0, "", ""},
		{"NISS check digits", func(r *school.Row) { r.Member.NISS = "88407140254"; r.Member.Matricule = "" },
			[]string{school.CodeNISSCheckDigits}, school.Avertissement, "numéro national « 88407140254 » : chiffres de contrôle incorrects", school.FieldNISS},
		{"NISS short", func(r *school.Row) { r.Member.NISS = "890725" },
			[]string{school.CodeNISSInvalid}, school.Avertissement, "« 890725 » invalide : le numéro national doit compter 11 chiffres (6 reçus)", school.FieldNISS},
		{"matricule invalid", func(r *school.Row) { r.Member.Matricule = "123" },
			[]string{school.CodeMatriculeInvalid}, school.Avertissement, "matricule « 123 » invalide", school.FieldMatricule},
		{"NISS and matricule disagree", func(r *school.Row) { r.Member.Matricule = "28503190123" },
			[]string{school.CodeNISSMatriculeMismatch}, school.Avertissement, "le sexe du matricule (femme)", school.FieldMatricule},
		{"birth date disagrees with NISS", func(r *school.Row) { r.Member.BirthDate = day(1985, 3, 20) },
			[]string{school.CodeBirthDateMismatch}, school.Avertissement, "(20/03/1985) différente de celle du numéro national (19/03/1985)", school.FieldBirthDate},
		{"charge over full time", func(r *school.Row) { r.Situation.Charge = []fwb.ChargeLine{{Code: "IP", Periods: 28, FullTime: 24}} },
			[]string{school.CodeChargeOverFullTime}, school.Avertissement, "charge IP 28/24 au-delà d'un temps plein", school.FieldCharge},
		{"full time with leave is fine", func(r *school.Row) {
			r.Situation.Charge = []fwb.ChargeLine{{Code: "IP", Periods: 24, FullTime: 24}, {Code: "CN", Periods: -24, FullTime: 24}}
		}, nil, 0, "", ""},
		{"active after its end", func(r *school.Row) { r.Situation.End = day(2026, 6, 30) },
			[]string{school.CodeActiveEnded}, school.Avertissement, "situation terminée le 30/06/2026 mais toujours cochée Actif", school.FieldActive},
		{"ended and unticked", func(r *school.Row) { r.Situation.End, r.Situation.Active = day(2026, 6, 30), false }, nil, 0, "", ""},
		{"not started yet", func(r *school.Row) { r.Member.SchoolEmail = ""; r.Situation.Start = day(2027, 1, 4) }, nil, 0, "", ""},
		{"director role on teacher", func(r *school.Row) { r.Situation.Role = fwb.RoleDirecteur },
			[]string{school.CodeDirectorRole}, school.Avertissement, "rôle extranet Directeur sans fonction de direction (IP (Instituteur primaire))", school.FieldRole},
		{"director role with promotion", func(r *school.Row) { r.Situation.Role, r.Situation.Promotion = fwb.RoleDirecteur, true }, nil, 0, "", ""},
		{"director function with teacher role", func(r *school.Row) {
			r.Situation.Function = "D"
			r.Situation.Charge = []fwb.ChargeLine{{Code: "D", Periods: 24, FullTime: 24}}
		}, []string{school.CodeDirectorFunction}, school.Avertissement, "choisissez le rôle Directeur", school.FieldRole},
		{"present not active", func(r *school.Row) { r.Situation.Active = false },
			[]string{school.CodePresentNotActive}, school.Avertissement, "coché Présent mais pas Actif", school.FieldActive},
		{"unknown codes", func(r *school.Row) { r.Situation.Function, r.Situation.Status, r.Situation.Charge = "XX", "Q", nil },
			[]string{school.CodeFunctionUnknown, school.CodeStatusUnknown}, school.Avertissement, "fonction « XX » inconnue", school.FieldFunction},
		{"role completed", func(r *school.Row) { r.Situation.Role = fwb.RoleNone },
			[]string{school.CodeRoleCompleted}, school.Information, "le transfert lui donnera le rôle « Enseignant » d'après sa fonction IP (Instituteur primaire)", school.FieldRole},
		{"director completed", func(r *school.Row) {
			r.Situation.Role, r.Situation.Function, r.Situation.Charge = fwb.RoleNone, "D", nil
		},
			[]string{school.CodeRoleCompleted}, school.Information, "« Directeur »", school.FieldRole},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := row(1, "Ludo", "Guy")
			test.edit(&r)
			other := row(2, "Autre", "Personne")
			fs := school.Check([]school.Row{other, r}, checkDay, nil)
			if got := codes(fs, 1); !slices.Equal(got, test.codes) {
				t.Fatalf("codes = %v, want %v (%v)", got, test.codes, fs)
			}
			if len(codes(fs, 2)) != 0 {
				t.Errorf("findings for the clean row: %v", fs)
			}
			if len(test.codes) == 0 {
				return
			}
			f := fs[slices.IndexFunc(fs, func(f school.Finding) bool { return f.SituationID == 1 })]
			if f.Severity != test.sev || !strings.Contains(f.Message, test.msg) || f.Field != test.field ||
				f.MemberID != 1 || f.Name != r.DisplayName() {
				t.Errorf("finding = %+v, want severity %v, field %s, message with %q", f, test.sev, test.field, test.msg)
			}
			if blocking, _, _ := school.Count(fs); (blocking > 0) != (test.sev == school.Bloquant) {
				t.Errorf("%d blocking findings", blocking)
			}
		})
	}
}

var zero time.Time

func TestCheckSharedEmail(t *testing.T) {
	a, b, c, d := row(1, "Brocar", "Pascale"), row(2, "Daniel", "Eve"), row(3, "Crèche", "Zoé"), row(4, "Brocar", "Pascale")
	b.Member.SchoolEmail = "PASCALE.brocar@ecole.be " // same address, other spelling
	c.Member.SchoolEmail = a.Member.SchoolEmail       // a nurse: not sent, so no clash
	c.Situation.Function, c.Situation.Role = "PU", fwb.RoleNone
	// d is a second situation of member 1: the same person, not a clash.
	d.Member = a.Member
	d.Situation.MemberID = 1
	fs := school.Check([]school.Row{a, b, c, d}, checkDay, nil)
	var shared []school.Finding
	for _, f := range fs {
		if f.Code == school.CodeEmailShared {
			shared = append(shared, f)
		}
	}
	if len(shared) != 2 {
		t.Fatalf("shared findings = %+v, want one for each of two members", shared)
	}
	if shared[0].Name != "Pascale Brocar" || !strings.Contains(shared[0].Message, "aussi encodée pour Eve Daniel") ||
		shared[1].Name != "Eve Daniel" || !strings.Contains(shared[1].Message, "aussi encodée pour Pascale Brocar") {
		t.Errorf("shared = %+v", shared)
	}
	if !slices.Equal(shared[0].SharedWith, []string{"Eve Daniel"}) || !slices.Equal(shared[1].SharedWith, []string{"Pascale Brocar"}) {
		t.Errorf("SharedWith = %q, %q", shared[0].SharedWith, shared[1].SharedWith)
	}
	if blocking, _, _ := school.Count(fs); blocking == 0 {
		t.Error("a shared address is blocking")
	}
	blocked := school.BlockedMembers(fs)
	if len(blocked) != 2 || blocked[1].Code != school.CodeEmailShared {
		t.Errorf("BlockedMembers = %+v", blocked)
	}
}

func TestCheckOrder(t *testing.T) {
	rows := []school.Row{row(1, "Zeller", "Anne"), row(2, "Émile", "Paul"), row(3, "Dupont", "Luc"), row(4, "dupont", "Anne"), row(5, "Fabre", "Eva")}
	for i := range rows {
		rows[i].Situation.Role = fwb.RoleNone // an information each
	}
	rows[0].Member.SchoolEmail = "" // one blocking
	rows[4].Member.NISS = "890725"  // one warning
	fs := school.Check(rows, checkDay, nil)
	var got []string
	for _, f := range fs {
		got = append(got, f.Severity.String()+" "+f.Name)
	}
	want := []string{
		"bloquant Anne Zeller",
		"avertissement Eva Fabre",
		"information Anne dupont", "information Luc Dupont", "information Paul Émile", "information Eva Fabre", "information Anne Zeller",
	}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	by := school.BySituation(fs)
	if len(by[1]) != 2 || by[1][0].Code != school.CodeEmailMissing || by[1][1].Code != school.CodeRoleCompleted {
		t.Errorf("BySituation[1] = %+v", by[1])
	}
	if b, w, i := school.Count(fs); b != 1 || w != 1 || i != 5 {
		t.Errorf("Count = %d, %d, %d", b, w, i)
	}
	if s := fs[0].String(); s != "Bloquant : Anne Zeller – adresse e-mail école manquante : encodez-la dans sa fiche." {
		t.Errorf("String = %q", s)
	}
}

func TestSeverity(t *testing.T) {
	for _, test := range []struct {
		s          school.Severity
		str, label string
	}{
		{school.Bloquant, "bloquant", "Bloquant"},
		{school.Avertissement, "avertissement", "Avertissement"},
		{school.Information, "information", "Information"},
	} {
		t.Run(test.str, func(t *testing.T) {
			if test.s.String() != test.str || test.s.Label() != test.label {
				t.Errorf("%d: %q %q", test.s, test.s.String(), test.s.Label())
			}
		})
	}
}
