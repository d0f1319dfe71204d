package frtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	for _, test := range []struct{ in, want string }{
		{"  Gaëlle-Marie  D'Hoore ", "gaelle marie d hoore"},
		{"Séverine", "severine"},
		{"MICHÈLE", "michele"},
		{"Marie_Claire", "marie claire"},
		{"D’Hoore", "d hoore"},
		{"Cœur", "coeur"},
		{"Ødegaard", "odegaard"},
		{"Straße", "strasse"},
		{"Łukasz", "lukasz"},
		{"Van\u00a0den\tBroeck", "van den broeck"},
		{"Ç", "c"},
		{"", ""},
		{" - ' ", ""},
		{"Dupont 2", "dupont 2"},
	} {
		t.Run(test.in, func(t *testing.T) {
			if got := Fold(test.in); got != test.want {
				t.Errorf("Fold(%q) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

func TestFoldMatchesVariants(t *testing.T) {
	for _, test := range []struct{ a, b string }{
		{"Gaëlle", "GAELLE"},
		{"Marie-Claire", "marie claire"},
		{"D'Hoore", "d hoore"},
		{"Cœur", "Coeur"},
		// Decomposed input (as some Mac software writes it) matches the
		// precomposed form.
		{"Ge\u0301rard", "Gérard"},
	} {
		t.Run(test.a, func(t *testing.T) {
			if Fold(test.a) != Fold(test.b) {
				t.Errorf("Fold(%q) = %q differs from Fold(%q) = %q", test.a, Fold(test.a), test.b, Fold(test.b))
			}
		})
	}
}

func TestLoginPart(t *testing.T) {
	for _, test := range []struct{ in, want string }{
		{"Gaëlle-Marie", "gaellemarie"},
		{"D'Hoore", "dhoore"},
		{"Ødegaard", "odegaard"},
		{"Øystein", "oystein"},
		{"Straße", "strasse"},
		{"Cœur", "coeur"},
		{"Æsa", "aesa"},
		{"Łukasz", "lukasz"},
		{"Van den Broeck", "vandenbroeck"},
		{"Jean-Paul II", "jeanpaulii"},
		{"Louis 14", "louis14"},
		{"ﬁlou", "filou"},
		{"Ｊｅａｎ", "jean"},
		{"Ἀλέξανδρος", ""},
		{"", ""},
	} {
		t.Run(test.in, func(t *testing.T) {
			if got := LoginPart(test.in); got != test.want {
				t.Errorf("LoginPart(%q) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{
		"  Gaëlle-Marie  D'Hoore ", "Cœur", "Straße", "İstanbul", "ǅemal",
		"\u1100\u1161", "한국", "Ge\u0301rard", "e\u0301\u0327", "\xff", "K\u212a", "ﬁ",
	} {
		f.Add(s)
	}
	f.Add("  Jean-Luc  D'Hoore_Van`t\tBERGH\v\f\r\n ")
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if slow := foldSlow(s); once != slow {
			t.Fatalf("Fold(%q) = %q, the general path gives %q", s, once, slow)
		}
		if twice := Fold(once); twice != once {
			t.Fatalf("Fold not idempotent: Fold(%q) = %q, Fold of that = %q", s, once, twice)
		}
		if once != strings.TrimSpace(once) || strings.Contains(once, "  ") {
			t.Fatalf("Fold(%q) = %q keeps extra spaces", s, once)
		}
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("Fold(%q) = %q is not valid UTF-8", s, once)
		}
		lp := LoginPart(s)
		if slow := loginPartSlow(s); lp != slow {
			t.Fatalf("LoginPart(%q) = %q, the general path gives %q", s, lp, slow)
		}
		for i := 0; i < len(lp); i++ {
			if c := lp[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				t.Fatalf("LoginPart(%q) = %q holds %q", s, lp, c)
			}
		}
		if LoginPart(lp) != lp {
			t.Fatalf("LoginPart not idempotent on %q", lp)
		}
	})
}

// TestFoldASCII compares Fold's ASCII path with the general one on every
// string of one to three ASCII characters.
func TestFoldASCII(t *testing.T) {
	buf := make([]byte, 0, 3)
	var walk func(n int)
	walk = func(n int) {
		if s := string(buf); Fold(s) != foldSlow(s) {
			t.Fatalf("Fold(%q) = %q, the general path gives %q", s, Fold(s), foldSlow(s))
		}
		if n == 0 {
			return
		}
		for c := 0; c < utf8.RuneSelf; c++ {
			buf = append(buf, byte(c))
			walk(n - 1)
			buf = buf[:len(buf)-1]
		}
	}
	walk(3)
}

// LoginPart's ASCII path gives what the general one gives, for every ASCII
// character alone and in names.
func TestLoginPartASCII(t *testing.T) {
	var all []byte
	for c := range byte(utf8.RuneSelf) {
		all = append(all, c)
		if got, want := LoginPart(string(c)), loginPartSlow(string(c)); got != want {
			t.Errorf("LoginPart(%q) = %q, want %q", c, got, want)
		}
	}
	for _, s := range []string{string(all), "Jean-Luc D'Hoore_Van`t BERGH 2", "  O'Neil\t", "Ma\u00efa"} {
		if got, want := LoginPart(s), loginPartSlow(s); got != want {
			t.Errorf("LoginPart(%q) = %q, want %q", s, got, want)
		}
	}
}

// The night computes a login base for each person it opens: 84,000 on the
// first night of the network.
func BenchmarkLoginPart(b *testing.B) {
	for _, name := range []string{"Dupont-Lambert", "Gaëlle-Marie"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				LoginPart(name)
			}
		})
	}
}
