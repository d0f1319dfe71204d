package fwb

import (
	"slices"
	"strings"
	"testing"
)

func TestParseCharge(t *testing.T) {
	for _, test := range []struct {
		name, in, def string
		want          []ChargeLine
		resume        string
		charge        string
	}{
		{"default function", "24/24", "IP", []ChargeLine{{"IP", 24, 24}}, "IP 24/24", "IP 24/24"},
		{"half time", "IM 13/26", "IP", []ChargeLine{{"IM", 13, 26}}, "IM 13/26", "IM 13/26"},
		{"leave with code", "IP 24/24, CN -24/24", "", []ChargeLine{{"IP", 24, 24}, {"CN", -24, 24}},
			"IP 24/24, avec -24/24", "IP 24/24, CN -24/24"},
		{"résumé form", "IP 24/24, avec -24/24", "", []ChargeLine{{"IP", 24, 24}, {"", -24, 24}},
			"IP 24/24, avec -24/24", "IP 24/24, avec -24/24"},
		{"lower case and loose spaces", "  ip 24 / 24 ,cn - 12/24 ", "", []ChargeLine{{"IP", 24, 24}, {"CN", -12, 24}},
			"IP 24/24, avec -12/24", "IP 24/24, CN -12/24"},
		{"over full time is read", "IP 28/24", "", []ChargeLine{{"IP", 28, 24}}, "IP 28/24", "IP 28/24"},
		{"comma without space", "IP 24/24,12/24", "ME", []ChargeLine{{"IP", 24, 24}, {"ME", 12, 24}}, "IP 24/24, ME 12/24", "IP 24/24, ME 12/24"},
		{"two functions", "ME 8/24, IP 12/24", "", []ChargeLine{{"ME", 8, 24}, {"IP", 12, 24}}, "ME 8/24, IP 12/24", "ME 8/24, IP 12/24"},
		{"bare leave", "IP 24/24, -6/24", "", []ChargeLine{{"IP", 24, 24}, {"", -6, 24}}, "IP 24/24, avec -6/24", "IP 24/24, avec -6/24"},
		{"AVEC in capitals", "IP 24/24, AVEC -24/24", "", []ChargeLine{{"IP", 24, 24}, {"", -24, 24}}, "IP 24/24, avec -24/24", "IP 24/24, avec -24/24"},
		{"hyphenated code", "prof-i 22/22", "", []ChargeLine{{"PROF-I", 22, 22}}, "PROF-I 22/22", "PROF-I 22/22"},
		{"hours", "PU 18/36", "", []ChargeLine{{"PU", 18, 36}}, "PU 18/36", "PU 18/36"},
		{"empty", "", "IP", nil, "", ""},
		{"blank", "   ", "IP", nil, "", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := ParseCharge(test.in, test.def, nil)
			if err != nil {
				t.Fatalf("ParseCharge(%q): %v", test.in, err)
			}
			if !slices.Equal(got, test.want) {
				t.Errorf("ParseCharge(%q) = %+v, want %+v", test.in, got, test.want)
			}
			if r := FormatResume(got); r != test.resume {
				t.Errorf("FormatResume = %q, want %q", r, test.resume)
			}
			if c := FormatCharge(got); c != test.charge {
				t.Errorf("FormatCharge = %q, want %q", c, test.charge)
			}
		})
	}
}

func TestParseChargeErrors(t *testing.T) {
	for _, test := range []struct {
		name, in, def, want string
	}{
		{"no slash", "IP 24", "", "charge « IP 24 » illisible : écrivez par exemple « IP 24/24 »"},
		{"stuck together", "IP24/24", "", "charge « IP24/24 » illisible : écrivez par exemple « IP 24/24 »"},
		{"second line faulty", "IP 24/24, CN -24", "", "charge « CN -24 » illisible : écrivez par exemple « CN -24/24 »"},
		{"bare leave faulty", "IP 24/24, avec -x/24", "", "charge « avec -x/24 » illisible : écrivez par exemple « avec -24/24 »"},
		{"words", "temps plein", "IP", "charge « temps plein » illisible : écrivez par exemple « IP 24/24 »"},
		{"decimal", "IP 12,5/24", "", "charge « IP 12,5/24 » : une charge compte des périodes entières, sans virgule décimale"},
		{"decimal of a bare line", "12,5/24", "IP", "sans virgule décimale"},
		{"example uses the default function", "13", "IM", "charge « 13 » illisible : écrivez par exemple « IM 24/24 »"},
		{"accented code", "ÉD 24/24", "", "charge « ÉD 24/24 » illisible"},
		{"too many digits", "IP 1000/24", "", "charge « IP 1000/24 » illisible"},
		{"zero periods", "IP 0/24", "", "charge « IP 0/24 » : le nombre de périodes ne peut pas être nul"},
		{"zero full time", "IP 24/0", "", "charge « IP 24/0 » : le temps plein (après la barre) doit être supérieur à zéro"},
		{"negative full time", "IP 24/-24", "", "charge « IP 24/-24 » illisible"},
		{"unknown function", "XX 24/24", "", "charge « XX 24/24 » : fonction « XX » inconnue"},
		{"no function", "24/24", "", "charge « 24/24 » : précisez la fonction, par exemple « IP 24/24 »"},
		{"unknown default", "24/24", "ZZ", "charge « 24/24 » : la fonction principale « ZZ » est inconnue"},
		{"positive avec", "avec 24/24", "", "charge « avec 24/24 » : une ligne « avec » est un congé et doit être négative, par exemple « avec -24/24 »"},
		{"empty part", "IP 24/24, , CN -24/24", "", "charge « IP 24/24, , CN -24/24 » : partie vide entre deux virgules"},
		{"trailing comma", "IP 24/24,", "", "partie vide entre deux virgules"},
		{"semicolon is not a separator", "IP 24/24; CN -24/24", "", "illisible"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := ParseCharge(test.in, test.def, nil)
			if err == nil {
				t.Fatalf("ParseCharge(%q) = %+v, want an error", test.in, got)
			}
			if got != nil {
				t.Errorf("ParseCharge(%q) returned lines %+v with its error", test.in, got)
			}
			if !strings.Contains(err.Error(), test.want) {
				t.Errorf("ParseCharge(%q) error %q, want it to contain %q", test.in, err, test.want)
			}
		})
	}
}

func TestParseChargeExtendedTables(t *testing.T) {
	tables := DefaultTables()
	if err := tables.Extend(strings.NewReader("LOGO;Logopède;36;heures\n")); err != nil {
		t.Fatal(err)
	}
	got, err := ParseCharge("logo 18/36", "", tables)
	if err != nil || !slices.Equal(got, []ChargeLine{{"LOGO", 18, 36}}) {
		t.Errorf("ParseCharge with extended tables = %+v, %v", got, err)
	}
}

func TestOverFullTime(t *testing.T) {
	for _, test := range []struct {
		name   string
		in     string
		want   ChargeLine
		wantOK bool
	}{
		{"demo IP 28/24", "IP 28/24", ChargeLine{"IP", 28, 24}, true},
		{"full time", "IP 24/24", ChargeLine{}, false},
		{"leave not deducted", "IP 28/24, avec -24/24", ChargeLine{"IP", 28, 24}, true},
		{"summed over lines", "IP 12/24, ME 8/24, IP 14/24", ChargeLine{"IP", 26, 24}, true},
		{"two functions each within", "IM 13/26, IP 12/24", ChargeLine{}, false},
		{"first offender in line order", "ME 26/24, IP 25/24", ChargeLine{"ME", 26, 24}, true},
		{"empty", "", ChargeLine{}, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			lines, err := ParseCharge(test.in, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := OverFullTime(lines)
			if got != test.want || ok != test.wantOK {
				t.Errorf("OverFullTime(%q) = %+v, %v; want %+v, %v", test.in, got, ok, test.want, test.wantOK)
			}
		})
	}
}

func FuzzParseCharge(f *testing.F) {
	for _, s := range []string{
		"24/24", "IM 13/26", "IP 24/24, CN -24/24", "IP 24/24, avec -24/24", "IP 28/24", " ip 24 / 24 ,cn - 12/24 ",
		"-6/24", "avec 24/24", "IP 24", "IP 24/24,", "PROF-I 22/22", "", "IP 999/999", "X-Y -1/1",
	} {
		f.Add(s, "IP")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, def string) {
		lines, err := ParseCharge(s, def, nil)
		if err != nil {
			if lines != nil {
				t.Fatalf("ParseCharge(%q) = %+v with error %v", s, lines, err)
			}
			return
		}
		for _, l := range lines {
			if l.Periods == 0 || l.FullTime <= 0 {
				t.Fatalf("ParseCharge(%q) line %+v", s, l)
			}
			if _, known := DefaultTables().Function(l.Code); l.Periods > 0 && !known {
				t.Fatalf("ParseCharge(%q) line %+v: unknown function", s, l)
			}
		}
		// The CSV form reads back exactly.
		back, err := ParseCharge(FormatCharge(lines), "", nil)
		if err != nil || !slices.Equal(back, lines) {
			t.Fatalf("ParseCharge(FormatCharge(%+v)) = %+v, %v", lines, back, err)
		}
		// The Résumé form reads back with the leave codes dropped.
		want := slices.Clone(lines)
		for i := range want {
			if want[i].Periods < 0 {
				want[i].Code = ""
			}
		}
		back, err = ParseCharge(FormatResume(lines), "", nil)
		if err != nil || !slices.Equal(back, want) {
			t.Fatalf("ParseCharge(FormatResume(%+v)) = %+v, %v; want %+v", lines, back, err, want)
		}
	})
}
