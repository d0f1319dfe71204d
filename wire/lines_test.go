package wire

import (
	"slices"
	"strings"
	"testing"
)

func TestChangeLine(t *testing.T) {
	for _, test := range []struct {
		c    Change
		want string
	}{
		{Change{Action: ActionModified, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant", PreviousRole: "Directeur"},
			"Information : Modifié Rôle Jean Dupont \u2013 Enseignant"},
		{Change{Action: ActionModified, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant", Email: "j@e.be", PreviousEmail: "jean@e.be"},
			"Information : Modifié Rôle Jean Dupont \u2013 Enseignant"},
		{Change{Action: ActionCreated, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"},
			"Avertissement : Créé Rôle Jean Dupont \u2013 Enseignant"},
		{Change{Action: ActionDeactivated, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"},
			"Avertissement : Désactivé Rôle Jean Dupont \u2013 Enseignant"},
		{Change{Action: ActionDeactivated, LastName: "Dupont", FirstName: "Jean", PreviousRole: "Directeur"},
			"Avertissement : Désactivé Rôle Jean Dupont \u2013 Directeur"},
		{Change{Action: ActionRejected, LastName: "Dupont", FirstName: "Jean", Role: "Secrétaire", Reason: "rôle inconnu"},
			"Erreur : Non transféré Jean Dupont \u2013 rôle inconnu"},
	} {
		got, ok := ChangeLine(test.c)
		if !ok || got != test.want {
			t.Errorf("ChangeLine(%+v) = %q, %v; want %q", test.c, got, ok, test.want)
		}
	}
	for _, action := range []string{ActionUnchanged, "", "other"} {
		if got, ok := ChangeLine(Change{Action: action, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"}); ok || got != "" {
			t.Errorf("ChangeLine(%q) = %q, %v; want no line", action, got, ok)
		}
	}
}

func TestChangeLinesOrder(t *testing.T) {
	changes := []Change{
		{Action: ActionDeactivated, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"},
		{Action: ActionCreated, LastName: "Ölçer", FirstName: "Ada", Role: "Enseignant"},
		{Action: ActionUnchanged, LastName: "Aa", FirstName: "Aa", Role: "Enseignant"},
		{Action: ActionCreated, LastName: "Bernard", FirstName: "Zoé", Role: "Directeur"},
		{Action: ActionCreated, LastName: "Écrivain", FirstName: "Élodie", Role: "Enseignant"},
		{Action: ActionCreated, LastName: "Bernard", FirstName: "Anne", Role: "Enseignant"},
		{Action: ActionModified, LastName: "Lambert", FirstName: "Eve", Role: "Directeur", PreviousRole: "Enseignant"},
		{Action: ActionRejected, LastName: "Zénon", FirstName: "Paul", Reason: "b"},
		{Action: ActionRejected, LastName: "Adam", FirstName: "Léa", Reason: "a"},
		{Action: ActionDeactivated, LastName: "Claes", FirstName: "Rik", PreviousRole: "Directeur"},
	}
	want := []string{
		"Erreur : Non transféré Léa Adam – a",
		"Erreur : Non transféré Paul Zénon – b",
		"Information : Modifié Rôle Eve Lambert – Directeur",
		"Avertissement : Créé Rôle Anne Bernard – Enseignant",
		"Avertissement : Créé Rôle Zoé Bernard – Directeur",
		"Avertissement : Créé Rôle Élodie Écrivain – Enseignant",
		"Avertissement : Créé Rôle Ada Ölçer – Enseignant",
		"Avertissement : Désactivé Rôle Rik Claes – Directeur",
		"Avertissement : Désactivé Rôle Jean Dupont – Enseignant",
	}
	if got := ChangeLines(changes); !slices.Equal(got, want) {
		t.Fatalf("ChangeLines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := ChangeLines(nil); len(got) != 0 {
		t.Fatalf("ChangeLines(nil) = %q", got)
	}
}
