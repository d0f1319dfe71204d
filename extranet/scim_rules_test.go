package extranet

import (
	"strings"
	"testing"
	"time"
)

// A SCIM user is checked as a snapshot entry is, its problems named by
// SCIM's attributes.
func TestValidateSCIM(t *testing.T) {
	good := SCIMUserInput{UserName: "jean@ecole.be", LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04",
		Email: "jean@ecole.be", Role: "Enseignant", Active: true}
	for _, test := range []struct {
		name string
		edit func(*SCIMUserInput)
		want string // "" when valid
	}{
		{"valid", func(*SCIMUserInput) {}, ""},
		{"matricule instead of birth date", func(in *SCIMUserInput) { in.BirthDate, in.Matricule = "", "18005040123" }, ""},
		{"display name of 255 bytes", func(in *SCIMUserInput) { in.DisplayName = strings.Repeat("a", 255) }, ""},
		{"no family name", func(in *SCIMUserInput) { in.LastName = "" }, "name.familyName : "},
		{"no given name", func(in *SCIMUserInput) { in.FirstName = "" }, "name.givenName : "},
		{"bad birth date", func(in *SCIMUserInput) { in.BirthDate = "1980-02-30" }, "birthDate : "},
		{"bad matricule", func(in *SCIMUserInput) { in.Matricule = "1800504012" }, "employeeNumber : "},
		{"bad e-mail", func(in *SCIMUserInput) { in.Email = "jean@" }, "userName : "},
		{"no role", func(in *SCIMUserInput) { in.Role = "" }, "role : "},
		{"two problems", func(in *SCIMUserInput) { in.LastName, in.Role = "", "" }, " ; role : "},
		{"display name too long", func(in *SCIMUserInput) { in.DisplayName = strings.Repeat("a", 256) }, "displayName illisible ou trop long"},
		{"external id too long", func(in *SCIMUserInput) { in.ExternalID = strings.Repeat("a", 256) }, "externalId illisible ou trop long"},
		{"external id with a NUL", func(in *SCIMUserInput) { in.ExternalID = "a\x00b" }, "externalId illisible ou trop long"},
		{"no userName", func(in *SCIMUserInput) { in.UserName = "" }, "userName manquant"},
		{"userName too long", func(in *SCIMUserInput) { in.UserName = strings.Repeat("a", 256) }, "userName illisible ou trop long"},
	} {
		t.Run(test.name, func(t *testing.T) {
			in := good
			test.edit(&in)
			err := validateSCIM(in)
			if test.want == "" {
				if err != nil {
					t.Fatalf("validateSCIM: %v", err)
				}
				return
			}
			e, ok := err.(*SCIMError)
			if !ok || e.Status != 400 || e.ScimType != "invalidValue" || !strings.Contains(e.Detail, test.want) {
				t.Errorf("validateSCIM = %#v, want 400 invalidValue with %q", err, test.want)
			}
		})
	}
}

// A rejected entry's reason becomes RFC 7644's status and error type.
func TestRejectedSCIM(t *testing.T) {
	for _, test := range []struct {
		reason   string
		status   int
		scimType string
		detail   string
	}{
		{reasonDuplicate, 409, "uniqueness", "modifiez l'utilisateur existant"},
		{reasonAlsoRejected, 409, "uniqueness", reasonAlsoRejected},
		{strings.Replace(reasonSharedEmail, "%s", "a@b.be", 1), 409, "uniqueness", "a@b.be"},
		{strings.Replace(reasonEmailTaken, "%s", "a@b.be", 1), 409, "uniqueness", "déjà celle d'une autre personne"},
		{strings.Replace(reasonMatriculeBirth, "%s", "18005040123", 1), 409, "uniqueness", "18005040123"},
		{reasonAmbiguous, 400, "invalidValue", "(employeeNumber de l'extension entreprise)"},
		{strings.Replace(reasonUnknownRole, "%s", "Concierge", 1), 400, "invalidValue", "Concierge"},
	} {
		e := rejectedSCIM(test.reason).(*SCIMError)
		if e.Status != test.status || e.ScimType != test.scimType || !strings.Contains(e.Detail, test.detail) {
			t.Errorf("rejectedSCIM(%.40q…) = %d %s %q", test.reason, e.Status, e.ScimType, e.Detail)
		}
	}
	if got := prefixOf("l'adresse %s est prise"); got != "l'adresse " {
		t.Errorf("prefixOf = %q", got)
	}
}

// A grant as SCIM shows it: the values after the next night, the identity
// its school sent, gone once deleted and deactivated.
func TestSCIMUserOf(t *testing.T) {
	at := time.Date(2026, time.November, 26, 17, 0, 0, 0, time.UTC)
	active := Grant{ID: "g", GrantValues: GrantValues{Role: "Enseignant", Email: "jean@ecole.be", LastName: "Dupont", FirstName: "Jean"},
		SentBirthDate: "1980-05-04", SentMatricule: "18005040123", State: GrantActive, CreatedAt: at, UpdatedAt: at}
	waiting := active
	waiting.Pending, waiting.Next.Role, waiting.Next.Email, waiting.Next.LastName, waiting.Next.FirstName =
		PendingModified, "Directeur", "j.dupont@ecole.be", "Dupont", "Jean"
	ended := active
	ended.State = GrantDeactivated
	deleted := SCIMMeta{UserName: "jdupont", DeletedAt: at}
	for _, test := range []struct {
		name     string
		g        Grant
		m        SCIMMeta
		ok       bool
		userName string
		role     string
		active   bool
	}{
		{"no client wrote it: the e-mail is its userName", active, SCIMMeta{}, true, "jean@ecole.be", "Enseignant", true},
		{"a client's userName", active, SCIMMeta{UserName: "jdupont"}, true, "jdupont", "Enseignant", true},
		{"a waiting modification shows", waiting, SCIMMeta{}, true, "j.dupont@ecole.be", "Directeur", true},
		{"deactivated by a transfer: inactive", ended, SCIMMeta{}, true, "jean@ecole.be", "Enseignant", false},
		{"deleted and deactivated: gone", ended, deleted, false, "", "", false},
		{"deleted, then opened again by a transfer", active, deleted, true, "jdupont", "Enseignant", true},
	} {
		t.Run(test.name, func(t *testing.T) {
			u, ok := scimUserOf(test.g, test.m)
			if ok != test.ok || u.UserName != test.userName || u.Role != test.role || u.Active != test.active {
				t.Fatalf("scimUserOf = %+v, %v", u, ok)
			}
			if ok && (u.BirthDate != "1980-05-04" || u.Matricule != "18005040123" || u.ID != "g") {
				t.Errorf("the identity the school sent: %+v", u)
			}
			if ok && inputOf(u).UserName != u.UserName {
				t.Errorf("inputOf loses the userName: %+v", inputOf(u))
			}
		})
	}
}

func TestCleanSCIMInput(t *testing.T) {
	in := cleanInput(SCIMUserInput{ExternalID: " x ", UserName: " jean ", DisplayName: " Jean   Dupont ", LastName: " Van  den Berg ",
		FirstName: "Jean ", BirthDate: " 1980-05-04 ", Matricule: " 18005040123 ", Email: " Jean@Ecole.BE ", Role: " Enseignant "})
	// externalId is the client's identifier: kept as sent.
	want := SCIMUserInput{ExternalID: " x ", UserName: "jean", DisplayName: "Jean Dupont", LastName: "Van den Berg",
		FirstName: "Jean", BirthDate: "1980-05-04", Matricule: "18005040123", Email: "jean@ecole.be", Role: "Enseignant"}
	if in != want {
		t.Errorf("cleanInput =\n%+v\nwant\n%+v", in, want)
	}
	// An address that cannot be read is left for the validation to name.
	if got := cleanInput(SCIMUserInput{Email: "pas une adresse"}).Email; got != "pas une adresse" {
		t.Errorf("unreadable e-mail became %q", got)
	}
}

func TestHeldSCIMDetail(t *testing.T) {
	d := heldDetail(6, 20)
	for _, w := range []string{"ce serait la 6e désactivation de l'école en 24 heures, pour 20 accès ouverts",
		"« " + ConfirmHeader + ": 6 »", "passerelle extranet school scim-confirm"} {
		if !strings.Contains(d, w) {
			t.Errorf("heldDetail lacks %q:\n%s", w, d)
		}
	}
	if e := heldSCIM(6, 20).(*SCIMError); e.Status != 409 || e.Detail != d {
		t.Errorf("heldSCIM = %+v", e)
	}
}
