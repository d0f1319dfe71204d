package frtext

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for _, test := range []struct {
		in, want string
		errPart  string // non-empty: an error is expected, containing this
	}{
		{in: "jean.dupont@ecole.be", want: "jean.dupont@ecole.be"},
		{in: "  Jean.Dupont@Ecole.BE ", want: "jean.dupont@ecole.be"},
		{in: "j+segec@st-michel.ecole.be", want: "j+segec@st-michel.ecole.be"},
		{in: "o'brien@ecole.be", want: "o'brien@ecole.be"},
		{in: "a_b-c@x1.io", want: "a_b-c@x1.io"},
		{in: "", errPart: "adresse e-mail vide"},
		{in: "   ", errPart: "adresse e-mail vide"},
		{in: "jean.dupont.ecole.be", errPart: "il manque le @"},
		{in: "jean@dupont@ecole.be", errPart: "un seul @"},
		{in: "@ecole.be", errPart: "avant le @"},
		{in: "jean@", errPart: "il manque le domaine"},
		{in: "jean@ecole", errPart: "le domaine doit contenir un point (ex. ecole.be)"},
		{in: "jean dupont@ecole.be", errPart: "espace interdit"},
		{in: "jean@ecole .be", errPart: "espace interdit"},
		{in: "jean..dupont@ecole.be", errPart: "deux points se suivent"},
		{in: "jean@ecole..be", errPart: "deux points se suivent"},
		{in: ".jean@ecole.be", errPart: "ni commencer ni finir par un point"},
		{in: "jean.@ecole.be", errPart: "ni commencer ni finir par un point"},
		{in: "jean@.ecole.be", errPart: "le domaine ne peut ni commencer"},
		{in: "jean@ecole.be.", errPart: "le domaine ne peut ni commencer"},
		{in: "gaëlle@ecole.be", errPart: "caractère « ë » interdit"},
		{in: "jean@écola.be", errPart: "caractère « é » interdit"},
		{in: "jean(x)@ecole.be", errPart: "caractère « ( » interdit avant le @"},
		{in: "jean@eco_le.be", errPart: "caractère « _ » interdit dans le domaine"},
		{in: "jean@-ecole.be", errPart: "tiret"},
		{in: "jean@ecole-.be", errPart: "tiret"},
		{in: "jean@ecole.b", errPart: "au moins deux lettres"},
		{in: "jean@ecole.b3", errPart: "au moins deux lettres"},
		{in: strings.Repeat("a", 65) + "@ecole.be", errPart: "dépasse 64 caractères"},
		{in: "jean@" + strings.Repeat("a", 64) + ".be", errPart: "dépasse 63 caractères"},
		{in: "jean@x\x00.be", errPart: "interdit"},
	} {
		t.Run(test.in, func(t *testing.T) {
			got, err := NormalizeEmail(test.in)
			if test.errPart != "" {
				if err == nil {
					t.Fatalf("NormalizeEmail(%q) = %q, want an error containing %q", test.in, got, test.errPart)
				}
				if !strings.Contains(err.Error(), test.errPart) {
					t.Fatalf("NormalizeEmail(%q) error %q, want it to contain %q", test.in, err, test.errPart)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeEmail(%q): %v", test.in, err)
			}
			if got != test.want {
				t.Errorf("NormalizeEmail(%q) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

func TestNormalizeEmailMessageNamesInput(t *testing.T) {
	_, err := NormalizeEmail(" x ")
	const want = "adresse e-mail « x » invalide : il manque le @"
	if err == nil || err.Error() != want {
		t.Errorf("NormalizeEmail(\" x \") error = %v, want %q", err, want)
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"jean.dupont@ecole.be", " A@B.CO ", "a@b", "a..b@c.de", "@", "a@b.c", "é@x.be",
		"a@-b.be", "\u212a@x.be", "a@x.b\u0130", "a@b@c.de", "\xff@x.be",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			if got != "" {
				t.Fatalf("NormalizeEmail(%q) = %q with error %v", s, got, err)
			}
			return
		}
		if strings.Count(got, "@") != 1 || got != strings.ToLower(got) {
			t.Fatalf("NormalizeEmail(%q) = %q: not one @ or not lower case", s, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] >= 0x80 || got[i] <= ' ' {
				t.Fatalf("NormalizeEmail(%q) = %q holds byte %#x", s, got, got[i])
			}
		}
		again, err := NormalizeEmail(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeEmail not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}
