package extranet

// Table tests of the pure rules behind the console and the portal: what an
// item of content must be, why a person has no account, what a decision on
// a rejected entry changes, what a session may do, and the errors' French.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
)

func TestItemProblems(t *testing.T) {
	link := SpaceItem{Space: SpaceTeachers, Kind: ItemLink, Title: "Agenda", URL: "https://segec.be/agenda"}
	for _, test := range []struct {
		name string
		edit func(*SpaceItem)
		want []string // a part of each problem, in order
	}{
		{"a good link", func(*SpaceItem) {}, nil},
		{"a notice without link", func(it *SpaceItem) { it.Kind, it.URL, it.Space = ItemNotice, "", SpaceDirection }, nil},
		{"http", func(it *SpaceItem) { it.URL = "http://segec.be" }, nil},
		{"one school", func(it *SpaceItem) { it.FASE = 4242 }, nil},
		{"no space", func(it *SpaceItem) { it.Space = "" }, []string{"choisissez l'espace"}},
		{"no kind", func(it *SpaceItem) { it.Kind = "vidéo" }, []string{"choisissez le genre"}},
		{"no title", func(it *SpaceItem) { it.Title = "" }, []string{"le titre manque"}},
		{"unreadable title", func(it *SpaceItem) { it.Title = "a\x1bb" }, []string{"caractères illisibles"}},
		{"title of 120 letters", func(it *SpaceItem) { it.Title = strings.Repeat("é", 120) }, nil},
		{"title of 121 letters", func(it *SpaceItem) { it.Title = strings.Repeat("é", 121) }, []string{"dépasse 120 caractères"}},
		{"text of 601 letters", func(it *SpaceItem) { it.Text = strings.Repeat("a", 601) }, []string{"dépasse 600 caractères"}},
		{"negative FASE", func(it *SpaceItem) { it.FASE = -1 }, []string{"numéro FASE"}},
		{"link without address", func(it *SpaceItem) { it.URL = "" }, []string{"doit commencer par https://"}},
		{"javascript", func(it *SpaceItem) { it.URL = "javascript:alert(1)" }, []string{"doit commencer par https://"}},
		{"no host", func(it *SpaceItem) { it.URL = "https:///x" }, []string{"nommer un site"}},
		{"too long", func(it *SpaceItem) { it.URL = "https://segec.be/" + strings.Repeat("a", 500) }, []string{"nommer un site"}},
		{"a notice with a bad link", func(it *SpaceItem) { it.Kind, it.URL = ItemNotice, "ftp://x" }, []string{"doit commencer par https://"}},
		{"everything", func(it *SpaceItem) { *it = SpaceItem{FASE: -2} },
			[]string{"l'espace", "le genre", "le titre manque", "numéro FASE"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			it := link
			test.edit(&it)
			got := ItemProblems(it)
			if len(got) != len(test.want) {
				t.Fatalf("ItemProblems = %q, want %d problems", got, len(test.want))
			}
			for i, w := range test.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

func TestWhyNoAccount(t *testing.T) {
	next := time.Date(2026, time.November, 27, 2, 0, 0, 0, frtext.Brussels)
	for _, test := range []struct {
		name string
		r    PersonRecord
		want string
	}{
		{"an account", PersonRecord{Account: Account{ID: "a"}, Pending: 1}, ""},
		{"pending", PersonRecord{Pending: 1, Active: 1}, "accès en attente : le compte sera créé par le traitement de nuit du 26/11/2026 au 27/11/2026"},
		{"active without account", PersonRecord{Active: 1, Deactivated: 2}, "accès ouvert sans compte"},
		{"deactivated before any night", PersonRecord{Deactivated: 1}, "ses accès ont été désactivés avant qu'un traitement de nuit les ouvre"},
		{"nothing", PersonRecord{}, "aucun accès : aucune école ne lui en a donné"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := test.r.WhyNoAccount(next)
			if (test.want == "") != (got == "") || !strings.HasPrefix(got, test.want) {
				t.Errorf("WhyNoAccount = %q, want %q", got, test.want)
			}
		})
	}
}

func TestIdentityChanges(t *testing.T) {
	before := Person{LastName: "Roux", FirstName: "Yves", BirthDate: "1970-01-01", Matricule: ""}
	for _, test := range []struct {
		name  string
		after func(p Person) Person
		want  []FieldChange
	}{
		{"none", func(p Person) Person { return p }, nil},
		{"birth date, in French", func(p Person) Person { p.BirthDate = "1970-01-02"; return p },
			[]FieldChange{{"Date de naissance", "01/01/1970", "02/01/1970"}}},
		{"matricule learnt", func(p Person) Person { p.Matricule = "17001010003"; return p },
			[]FieldChange{{"Matricule", "", "17001010003"}}},
		{"a new person: every field", func(Person) Person {
			return Person{LastName: "Neuf", FirstName: "Paul", BirthDate: "1990-03-03", Matricule: "19003030001"}
		}, []FieldChange{{"Nom", "Roux", "Neuf"}, {"Prénom", "Yves", "Paul"}, {"Date de naissance", "01/01/1970", "03/03/1990"}, {"Matricule", "", "19003030001"}}},
		{"a date that is not ISO stays as is", func(p Person) Person { p.BirthDate = "1970"; return p },
			[]FieldChange{{"Date de naissance", "01/01/1970", "1970"}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := identityChanges(before, test.after(before)); !slices.Equal(got, test.want) {
				t.Errorf("identityChanges = %+v, want %+v", got, test.want)
			}
		})
	}
}

func TestStaffAccessRules(t *testing.T) {
	grant := func(fase int, role, email string) PersonGrant {
		return PersonGrant{Grant: Grant{FASE: fase, GrantValues: GrantValues{Role: role, Email: email}, State: GrantActive}}
	}
	acc := StaffAccess{
		Account: Account{Email: "jean@a.be"},
		Email:   "jean@a.be",
		Scope:   []string{"jean@a.be", "jean@b.be"},
		Active:  []PersonGrant{grant(1, "Directeur", "jean@a.be"), grant(2, "Enseignant", "jean@b.be"), grant(3, "Directeur", "jean@b.be")},
	}
	for _, test := range []struct {
		fase    int
		directs bool
	}{{1, true}, {2, false}, {3, true}, {4, false}} {
		if _, ok := acc.Directs(test.fase); ok != test.directs {
			t.Errorf("Directs(%d) = %v", test.fase, ok)
		}
	}
	if d := acc.Directed(); len(d) != 2 || d[0].Grant.FASE != 1 || d[1].Grant.FASE != 3 {
		t.Errorf("Directed = %+v", d)
	}
	for _, test := range []struct {
		name  string
		scope []string
		can   bool
	}{
		{"through the account's address", []string{"jean@a.be"}, true},
		{"through a linked address", []string{"jean@b.be", "jean@a.be"}, true},
		{"through another school's address only", []string{"jean@b.be"}, false},
	} {
		a := acc
		a.Scope = test.scope
		if a.CanLink() != test.can {
			t.Errorf("%s: CanLink = %v", test.name, !test.can)
		}
	}
	for _, test := range []struct {
		email string
		in    bool
	}{{"jean@a.be", true}, {"jean@c.be", false}, {"", false}} {
		if got := inScope(Grant{GrantValues: GrantValues{Email: test.email}}, acc.Scope); got != test.in {
			t.Errorf("inScope(%q) = %v", test.email, got)
		}
	}
}

func TestSchoolLines(t *testing.T) {
	got := schoolLines([]PersonGrant{
		{Grant: Grant{FASE: 4242, GrantValues: GrantValues{Role: "Directeur"}, SchoolYear: "2026-2027"}, SchoolName: "Athénée"},
		{Grant: Grant{FASE: 7, GrantValues: GrantValues{Role: "Enseignant"}, SchoolYear: "2027-2028"}},
	})
	want := "- Athénée (FASE 4242) : Directeur, année scolaire 2026-2027\n- École (FASE 7) : Enseignant, année scolaire 2027-2028\n"
	if got != want {
		t.Errorf("schoolLines =\n%s\nwant\n%s", got, want)
	}
}

func TestErrorMessages(t *testing.T) {
	problems := func(n int) []Problem {
		var ps []Problem
		for i := range n {
			ps = append(ps, Problem{Index: i, Field: "staff[" + string(rune('0'+i)) + "].email", Message: "adresse invalide"})
		}
		return ps
	}
	for _, test := range []struct {
		name string
		err  error
		want string
	}{
		{"no problem", &ValidationError{}, "envoi invalide, rien n'a été appliqué"},
		{"one problem", &ValidationError{Problems: problems(1)}, "envoi invalide, rien n'a été appliqué : staff[0].email : adresse invalide"},
		{"five problems, all told", &ValidationError{Problems: problems(5)},
			"envoi invalide, rien n'a été appliqué : staff[0].email : adresse invalide ; staff[1].email : adresse invalide ; staff[2].email : adresse invalide ; staff[3].email : adresse invalide ; staff[4].email : adresse invalide"},
		{"six problems: five and one more", &ValidationError{Problems: problems(6)}, "staff[4].email : adresse invalide ; et 1 autre problème"},
		{"eight problems", &ValidationError{Problems: problems(8)}, "; et 3 autres problèmes"},
		{"held", &HeldError{Deactivations: 7}, "transfert suspendu : 7 désactivations à confirmer (renvoyez le même envoi avec confirmDeactivations = 7)"},
		{"refused", refused("le rôle « %s » n'existe pas", "X"), "le rôle « X » n'existe pas"},
		{"SCIM", &SCIMError{Status: 409, Detail: "déjà pris"}, "déjà pris"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := test.err.Error(); !strings.HasSuffix(got, test.want) && got != test.want {
				t.Errorf("Error() = %q, want it to end with %q", got, test.want)
			}
		})
	}
}

func TestIDsAndTokens(t *testing.T) {
	prev := ""
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if id <= prev || seen[id] || len(id) != 26 {
			t.Fatalf("NewID %q after %q: not increasing, repeated or not 26 characters", id, prev)
		}
		prev, seen[id] = id, true
	}
	tok := newToken()
	for _, test := range []struct {
		tok  string
		want bool
	}{
		{tok, true},
		{strings.TrimPrefix(tok, TokenPrefix), false},
		{tok[:len(tok)-1], false},
		{tok + "a", false},
		{TokenPrefix, false},
		{"", false},
		{strings.Replace(tok, tok[len(tok)-1:], "!", 1), false},
	} {
		if got := plausibleToken(test.tok); got != test.want {
			t.Errorf("plausibleToken(%q) = %v", test.tok, got)
		}
	}
	if newToken() == tok {
		t.Error("two tokens alike")
	}
}
