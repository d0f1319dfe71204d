package transfer

import (
	"slices"
	"strings"
	"testing"

	"passerelle/fwb"
	"passerelle/wire"
)

func TestMessagesOrderAndForms(t *testing.T) {
	sel := Selection{
		Completions: []Completion{
			{LastName: "Zénon", FirstName: "Paul", Role: fwb.RoleEnseignant},
			{LastName: "Écrivain", FirstName: "Élodie", Role: fwb.RoleDirecteur},
		},
		HeldBack: []HeldBack{{LastName: "Martin", FirstName: "Luc", Reason: ReasonNoEmail}},
	}
	res := wire.TransferResult{Changes: []wire.Change{
		{Action: wire.ActionDeactivated, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"},
		{Action: wire.ActionCreated, LastName: "Ölçer", FirstName: "Ada", Role: "Enseignant"},
		{Action: wire.ActionCreated, LastName: "Bernard", FirstName: "Zoé", Role: "Directeur"},
		{Action: wire.ActionCreated, LastName: "Bernard", FirstName: "Anne", Role: "Enseignant"},
		{Action: wire.ActionUnchanged, LastName: "Aa", FirstName: "Aa", Role: "Enseignant"},
		{Action: wire.ActionModified, LastName: "Lambert", FirstName: "Eve", Role: "Directeur", PreviousRole: "Enseignant"},
		{Action: wire.ActionRejected, LastName: "Adam", FirstName: "Léa", Reason: "plusieurs personnes correspondent"},
		{Action: wire.ActionDeactivated, LastName: "Claes", FirstName: "Rik", PreviousRole: "Directeur"},
	}}
	want := []string{
		`Information : Complété Rôle Extranet "Directeur" chez Élodie Écrivain`,
		`Information : Complété Rôle Extranet "Enseignant" chez Paul Zénon`,
		"Erreur : Non transféré Léa Adam – plusieurs personnes correspondent",
		"Erreur : Non transféré Luc Martin – adresse e-mail école manquante",
		"Information : Modifié Rôle Eve Lambert – Directeur",
		"↳ rôle : Enseignant → Directeur",
		"Avertissement : Créé Rôle Anne Bernard – Enseignant",
		"Avertissement : Créé Rôle Zoé Bernard – Directeur",
		"Avertissement : Créé Rôle Ada Ölçer – Enseignant",
		"Avertissement : Désactivé Rôle Rik Claes – Directeur",
		"Avertissement : Désactivé Rôle Jean Dupont – Enseignant",
		"Le transfert est fait.",
		"Attention ! Les accès à l'extranet SeGEC ne sont pas immédiats. Il faut attendre une nuit avant d'avoir accès au portail.",
	}
	got := Messages(sel, res, false)
	if !slices.Equal(got, want) {
		t.Fatalf("Messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range got {
		if strings.Contains(l, " - ") {
			t.Errorf("hyphen instead of en dash: %q", l)
		}
	}

	dry := Messages(sel, res, true)
	if !slices.Equal(dry[:len(dry)-1], want[:len(want)-2]) || dry[len(dry)-1] != "Aperçu : rien n'a été transféré." {
		t.Errorf("dry run:\n%s", strings.Join(dry, "\n"))
	}
}

func TestMessagesNoChange(t *testing.T) {
	res := wire.TransferResult{Changes: []wire.Change{
		{Action: wire.ActionUnchanged, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"},
	}}
	got := Messages(Selection{HeldBack: []HeldBack{{LastName: "Martin", FirstName: "Luc", Reason: ReasonBadEmail}}}, res, false)
	want := []string{
		"Erreur : Non transféré Luc Martin – adresse e-mail école invalide",
		"Information : Aucun changement.",
		LineDone, LineNotNow,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	// A completion alone is a change.
	got = Messages(Selection{Completions: []Completion{{LastName: "A", FirstName: "B", Role: fwb.RoleEnseignant}}}, res, true)
	if slices.Contains(got, LineNoChange) {
		t.Errorf("completion reported as no change: %q", got)
	}
}

func TestHeldMessages(t *testing.T) {
	changes := []wire.Change{
		{Action: wire.ActionDeactivated, LastName: "Wagner", FirstName: "Martine", Role: "Enseignant"},
		{Action: wire.ActionDeactivated, LastName: "Brocar", FirstName: "Pascale", Role: "Enseignant"},
	}
	got := HeldMessages(changes, 2, true)
	want := []string{
		"Avertissement : Désactivé Rôle Pascale Brocar – Enseignant",
		"Avertissement : Désactivé Rôle Martine Wagner – Enseignant",
		"Avertissement : Transfert suspendu – 2 désactivations à confirmer (--confirm-deactivations 2).",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	if got := HeldLine(5, false); got != "Avertissement : Transfert suspendu – 5 désactivations à confirmer." {
		t.Errorf("HeldLine without flag: %q", got)
	}
}

func TestMessagesRenewed(t *testing.T) {
	res := wire.TransferResult{SchoolYear: "2027-2028", Counts: wire.Counts{Created: 3, Renewed: 2}, Changes: []wire.Change{
		{Action: wire.ActionCreated, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"},
		{Action: wire.ActionCreated, LastName: "Martin", FirstName: "Luc", Role: "Directeur"},
		{Action: wire.ActionCreated, LastName: "Bernard", FirstName: "Zoé", Role: "Enseignant"},
	}}
	got := Messages(Selection{}, res, false)
	want := []string{
		"Avertissement : Créé Rôle Zoé Bernard – Enseignant",
		"Avertissement : Créé Rôle Jean Dupont – Enseignant",
		"Avertissement : Créé Rôle Luc Martin – Directeur",
		"Information : 2 accès renouvelés pour l'année scolaire 2027-2028 – ces personnes gardent leur accès, sans nouveau courriel.",
		LineDone, LineNotNow,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%s", strings.Join(got, "\n"))
	}
	res.Counts.Renewed = 1
	if l, _ := RenewedLine(res); !strings.HasPrefix(l, "Information : 1 accès renouvelé pour") {
		t.Errorf("one: %q", l)
	}
	res.Counts.Renewed = 0
	if l, ok := RenewedLine(res); ok {
		t.Errorf("none: %q", l)
	}
}

// The Erreur line of a member the school holds back agrees with the person.
func TestHeldBackLineAgrees(t *testing.T) {
	for _, test := range []struct {
		sex  fwb.Sex
		want string
	}{
		{fwb.SexFemale, "Erreur : Non transférée Talia Gensen – adresse e-mail école manquante"},
		{fwb.SexMale, "Erreur : Non transféré Tom Janssens – adresse e-mail école manquante"},
		{fwb.SexUnknown, "Erreur : Non transféré Tom Janssens – adresse e-mail école manquante"},
	} {
		h := HeldBack{LastName: "Janssens", FirstName: "Tom", Sex: test.sex, Reason: ReasonNoEmail}
		if test.sex == fwb.SexFemale {
			h.LastName, h.FirstName = "Gensen", "Talia"
		}
		if got := heldBackLine(h); got != test.want {
			t.Errorf("%v: %q, want %q", test.sex, got, test.want)
		}
	}
}
