package frtext

import "testing"

func TestParseBool(t *testing.T) {
	for _, test := range []struct {
		in            string
		value, wantOK bool
	}{
		{"oui", true, true}, {"OUI", true, true}, {" o ", true, true}, {"x", true, true}, {"X", true, true},
		{"1", true, true}, {"vrai", true, true}, {"True", true, true}, {"yes", true, true}, {"Y", true, true},
		{"non", false, true}, {"N", false, true}, {"", false, true}, {"  ", false, true}, {"0", false, true},
		{"faux", false, true}, {"false", false, true}, {"no", false, true},
		{"peut-être", false, false}, {"2", false, false}, {"ouii", false, false}, {"v", false, false},
	} {
		t.Run(test.in, func(t *testing.T) {
			v, ok := ParseBool(test.in)
			if v != test.value || ok != test.wantOK {
				t.Errorf("ParseBool(%q) = %v, %v, want %v, %v", test.in, v, ok, test.value, test.wantOK)
			}
		})
	}
}

func TestFormatBool(t *testing.T) {
	for _, test := range []struct {
		in   bool
		want string
	}{{true, "oui"}, {false, "non"}} {
		t.Run(test.want, func(t *testing.T) {
			if got := FormatBool(test.in); got != test.want {
				t.Errorf("FormatBool(%v) = %q", test.in, got)
			}
			if v, ok := ParseBool(FormatBool(test.in)); !ok || v != test.in {
				t.Errorf("ParseBool(FormatBool(%v)) = %v, %v", test.in, v, ok)
			}
		})
	}
}

func TestNames(t *testing.T) {
	for _, test := range []struct {
		last, first, formal, list string
	}{
		{"Dupont", "Jean", "Jean Dupont", "Dupont Jean"},
		{" Brocar ", " Pascale", "Pascale Brocar", "Brocar Pascale"},
		{"Dupont", "", "Dupont", "Dupont"},
		{"", "Jean", "Jean", "Jean"},
		{"", "", "", ""},
	} {
		t.Run(test.formal, func(t *testing.T) {
			if got := FormatName(test.last, test.first); got != test.formal {
				t.Errorf("FormatName(%q, %q) = %q, want %q", test.last, test.first, got, test.formal)
			}
			if got := ListName(test.last, test.first); got != test.list {
				t.Errorf("ListName(%q, %q) = %q, want %q", test.last, test.first, got, test.list)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"  ":                                 "",
		"adresse e-mail vide":                "Adresse e-mail vide.",
		" école inconnue ":                   "École inconnue.",
		"déjà fait.":                         "Déjà fait.",
		"vraiment ?":                         "Vraiment ?",
		"attention !":                        "Attention !",
		"Un traitement de nuit est en cours": "Un traitement de nuit est en cours.",
	} {
		if got := Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
