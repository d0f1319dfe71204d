package frtext

import (
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	for _, test := range []struct {
		name, in string
		want     NameFault
	}{
		{"plain", "Dupont", NameOK},
		{"accents and joiners", " Gaëlle-Marie D'Hoore ", NameOK},
		{"decomposed accent", "Gae\u0308lle", NameOK},
		{"other script", "Παπαδόπουλος", NameOK},
		{"ligature", "Cœur", NameOK},
		{"empty", "", NameMissing},
		{"spaces", "  \t ", NameMissing},
		{"long", strings.Repeat("a", MaxNameRunes+1), NameTooLong},
		{"just long enough", strings.Repeat("é", MaxNameRunes), NameOK},
		{"control character", "Du\x01pont", NameUnreadable},
		{"NUL", "Dupont\x00", NameUnreadable},
		{"invalid UTF-8", "Dup\xffont", NameUnreadable},
		{"replacement character", "Dup\uFFFDont", NameUnreadable},
		{"bidi override", "\u202eDupont", NameUnreadable},
		{"zero-width space only", "\u200b\u200b", NameUnreadable},
		{"soft hyphen", "Du\u00adpont", NameUnreadable},
		{"private use", "Dupont\ue000", NameUnreadable},
		{"hyphens only", "---", NameNoLetter},
		{"combining accents alone", "\u0301\u0300", NameNoLetter},
		{"digits", "1234", NameNoLetter},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := CheckName(test.in); got != test.want {
				t.Errorf("CheckName(%q) = %d, want %d", test.in, got, test.want)
			}
		})
	}
}

func TestNameFaultDescribe(t *testing.T) {
	if got := NameOK.Describe("nom"); got != "" {
		t.Errorf("NameOK.Describe = %q, want empty", got)
	}
	for f, want := range map[NameFault]string{
		NameMissing:    "prénom manquant",
		NameTooLong:    "prénom trop long (au plus 100 caractères) : raccourcissez-le",
		NameUnreadable: "prénom illisible (caractère de contrôle, invisible ou invalide) : retapez-le",
		NameNoLetter:   "prénom sans lettre : écrivez-le en lettres",
	} {
		if got := f.Describe("prénom"); got != want {
			t.Errorf("%d.Describe = %q, want %q", f, got, want)
		}
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"Dupont":           "Dupont",
		"Du\x01pont":       "Du\uFFFDpont",
		"\u202eDupont ":    "\uFFFDDupont",
		"Dup\xffont":       "Dup\uFFFDont",
		"  Van   Damme\n ": "Van Damme",
	} {
		got := SafeName(in)
		if got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
		if CheckName(got) == NameOK && strings.ContainsRune(got, '\uFFFD') {
			t.Errorf("CheckName(SafeName(%q)) accepts U+FFFD", in)
		}
	}
	if got := SafeName(strings.Repeat("a", 500)); len([]rune(got)) != MaxNameRunes+1 {
		t.Errorf("SafeName of 500 letters has %d characters, want %d", len([]rune(got)), MaxNameRunes+1)
	}
}
