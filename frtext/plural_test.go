package frtext

import "testing"

func TestPlural(t *testing.T) {
	for _, test := range []struct {
		n    int
		want string
	}{
		{0, "0 fiche ajoutée"}, {1, "1 fiche ajoutée"}, {2, "2 fiches ajoutées"},
		{999, "999 fiches ajoutées"}, {1000, "1\u202f000 fiches ajoutées"}, {1234567, "1\u202f234\u202f567 fiches ajoutées"},
	} {
		if got := Plural(test.n, "fiche ajoutée", "fiches ajoutées"); got != test.want {
			t.Errorf("Plural(%d) = %q, want %q", test.n, got, test.want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 12: "12", 123: "123", 1234: "1\u202f234", 12000: "12\u202f000", -123: "-123", -1234: "-1\u202f234"} {
		if got := GroupDigits(n); got != want {
			t.Errorf("GroupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPluralForm(t *testing.T) {
	for n, want := range map[int]string{-3: "personnes", -1: "personne", 0: "personne", 1: "personne", 2: "personnes", 150: "personnes"} {
		if got := PluralForm(n, "personne", "personnes"); got != want {
			t.Errorf("PluralForm(%d) = %q, want %q", n, got, want)
		}
	}
}
