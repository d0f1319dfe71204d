package fwb

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestDigits(t *testing.T) {
	for _, test := range []struct{ in, want string }{
		{"85.03.19-564.90", "85031956490"},
		{"85 03 19 564 90", "85031956490"},
		{"85/03/19", "850319"},
		{"85a03", "85a03"},
		{"", ""},
	} {
		t.Run(test.in, func(t *testing.T) {
			if got := Digits(test.in); got != test.want {
				t.Errorf("Digits(%q) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

// demoValidNISS are the 19 national numbers of the demo data (those of the
// school software's help page) that pass the rules.
var demoValidNISS = []string{
	"84071412507", "89101512704", "70030202548", "92022601584", "88020801258", "85031956490",
	"90102702360", "69041401275", "81051825667", "68102502544", "67031502481", "70111912576",
	"64062612791", "60032201227", "89071725685", "57060712531", "85082701546", "80061556429",
	"95082123522",
}

func TestParseNISSDemo(t *testing.T) {
	for _, s := range demoValidNISS {
		t.Run(s, func(t *testing.T) {
			n, err := ParseNISS(s)
			if err != nil {
				t.Fatalf("ParseNISS(%q): %v", s, err)
			}
			want, _ := time.Parse("060102", s[:6])
			want = day(1900+want.Year()%100, want.Month(), want.Day())
			if n.Number != s || n.BIS || !n.BirthDate.Equal(want) {
				t.Errorf("ParseNISS(%q) = %+v, want birth date %v, not BIS", s, n, want)
			}
			if n.Sex == SexUnknown {
				t.Errorf("ParseNISS(%q): sex unknown", s)
			}
		})
	}
	for _, test := range []struct {
		in   string
		kind error
		msg  string
	}{
		{"88407140254", ErrCheckDigits, "chiffres de contrôle du numéro national incorrects"},
		{"88910153254", ErrCheckDigits, "chiffres de contrôle du numéro national incorrects"},
		{"890725", ErrFormat, "le numéro national doit compter 11 chiffres (6 reçus)"},
	} {
		t.Run(test.in, func(t *testing.T) {
			_, err := ParseNISS(test.in)
			if !errors.Is(err, test.kind) {
				t.Fatalf("ParseNISS(%q) error %v, want kind %v", test.in, err, test.kind)
			}
			if !strings.HasPrefix(err.Error(), test.msg) {
				t.Errorf("ParseNISS(%q) error %q, want it to start with %q", test.in, err, test.msg)
			}
		})
	}
}

func TestParseNISS(t *testing.T) {
	for _, test := range []struct {
		name string
		in   string
		want NationalNumber
	}{
		{"dotted form", "85.03.19-564.90",
			NationalNumber{Number: "85031956490", BirthDate: day(1985, 3, 19), Sex: SexFemale}},
		{"odd serial is a man", "84071412507",
			NationalNumber{Number: "84071412507", BirthDate: day(1984, 7, 14), Sex: SexMale}},
		{"born in 2000 or later", "05031512367",
			NationalNumber{Number: "05031512367", BirthDate: day(2005, 3, 15), Sex: SexMale}},
		{"29 February 2000", "00022900244",
			NationalNumber{Number: "00022900244", BirthDate: day(2000, 2, 29), Sex: SexFemale}},
		{"29 February 2008", "08022900218",
			NationalNumber{Number: "08022900218", BirthDate: day(2008, 2, 29), Sex: SexFemale}},
		{"BIS +20, sex unknown", "85231956436",
			NationalNumber{Number: "85231956436", BirthDate: day(1985, 3, 19), Sex: SexUnknown, BIS: true}},
		{"BIS +40, woman", "85431956479",
			NationalNumber{Number: "85431956479", BirthDate: day(1985, 3, 19), Sex: SexFemale, BIS: true}},
		{"BIS +40, man", "85431956380",
			NationalNumber{Number: "85431956380", BirthDate: day(1985, 3, 19), Sex: SexMale, BIS: true}},
		{"unknown day", "85030012334",
			NationalNumber{Number: "85030012334", Sex: SexMale}},
		{"unknown month", "85000012412",
			NationalNumber{Number: "85000012412", Sex: SexFemale}},
		{"BIS +20, unknown month", "85200012356",
			NationalNumber{Number: "85200012356", Sex: SexUnknown, BIS: true}},
		{"BIS +40, unknown month", "85400012401",
			NationalNumber{Number: "85400012401", Sex: SexFemale, BIS: true}},
		{"fictitious date 000001", "00000100166",
			NationalNumber{Number: "00000100166", Sex: SexMale}},
		{"surrounding spaces", " 85031956490 ",
			NationalNumber{Number: "85031956490", BirthDate: day(1985, 3, 19), Sex: SexFemale}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := ParseNISS(test.in)
			if err != nil {
				t.Fatalf("ParseNISS(%q): %v", test.in, err)
			}
			if got != test.want {
				t.Errorf("ParseNISS(%q) = %+v, want %+v", test.in, got, test.want)
			}
			if got.BirthDateKnown() != !test.want.BirthDate.IsZero() {
				t.Errorf("BirthDateKnown() = %v", got.BirthDateKnown())
			}
		})
	}
}

func TestParseNISSErrors(t *testing.T) {
	for _, test := range []struct {
		name string
		in   string
		kind error
		msg  string
	}{
		{"empty", "", ErrFormat, "le numéro national doit compter 11 chiffres (0 reçu)"},
		{"one digit", "8", ErrFormat, "le numéro national doit compter 11 chiffres (1 reçu)"},
		{"too long", "850319564900", ErrFormat, "le numéro national doit compter 11 chiffres (12 reçus)"},
		{"letter", "85031956A90", ErrFormat, "le numéro national ne peut contenir que des chiffres (caractère « A » trouvé)"},
		{"check digits", "85031956491", ErrCheckDigits, "chiffres de contrôle du numéro national incorrects"},
		// A 2000s check computed as if born in the 1900s must not pass.
		{"century check", "05031512368", ErrCheckDigits, "chiffres de contrôle"},
		{"31 February", "85023100192", ErrBirthDate, "date de naissance impossible dans le numéro national : le 31/02/1985 n'existe pas"},
		{"29 February 2010", "10022900260", ErrBirthDate, "date de naissance impossible dans le numéro national : le 29/02/2010 n'existe pas"},
		// 1900 was not a leap year: the century from the check digits matters.
		{"29 February 1900", "00022900215", ErrBirthDate, "date de naissance impossible dans le numéro national : le 29/02/1900 n'existe pas"},
		{"month 13", "85130100102", ErrBirthDate, "date de naissance impossible dans le numéro national : le mois « 13 »"},
		{"month 60", "85601900182", ErrBirthDate, "date de naissance impossible dans le numéro national"},
	} {
		t.Run(test.name, func(t *testing.T) {
			n, err := ParseNISS(test.in)
			if err == nil {
				t.Fatalf("ParseNISS(%q) = %+v, want an error", test.in, n)
			}
			if !errors.Is(err, test.kind) {
				t.Errorf("ParseNISS(%q) error %v, want kind %v", test.in, err, test.kind)
			}
			if !strings.HasPrefix(err.Error(), test.msg) {
				t.Errorf("ParseNISS(%q) error %q, want it to start with %q", test.in, err, test.msg)
			}
		})
	}
}

func TestNationalNumberFormat(t *testing.T) {
	for _, test := range []struct{ in, want string }{
		{"85031956490", "85.03.19-564.90"},
		{"123", "123"},
	} {
		t.Run(test.in, func(t *testing.T) {
			if got := (NationalNumber{Number: test.in}).Format(); got != test.want {
				t.Errorf("Format() = %q, want %q", got, test.want)
			}
		})
	}
}

func FuzzParseNISS(f *testing.F) {
	for _, s := range append(demoValidNISS,
		"88407140254", "890725", "85.03.19-564.90", "05031512367", "85231956436", "85431956479",
		"85030012334", "85000012412", "85023100192", "00000000097", "9999999999x", "") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNISS(s)
		if err != nil {
			if n != (NationalNumber{}) {
				t.Fatalf("ParseNISS(%q) = %+v with error %v", s, n, err)
			}
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCheckDigits) && !errors.Is(err, ErrBirthDate) {
				t.Fatalf("ParseNISS(%q) error %v of no known kind", s, err)
			}
			return
		}
		if len(n.Number) != 11 || strings.Trim(n.Number, "0123456789") != "" {
			t.Fatalf("ParseNISS(%q).Number = %q, not 11 digits", s, n.Number)
		}
		if n.BirthDateKnown() {
			if n.BirthDate.Location() != time.UTC || n.BirthDate.Hour() != 0 {
				t.Fatalf("ParseNISS(%q).BirthDate = %v, not UTC midnight", s, n.BirthDate)
			}
			if got := n.BirthDate.Format("060102"); got[:2] != n.Number[:2] || got[4:] != n.Number[4:6] {
				t.Fatalf("ParseNISS(%q).BirthDate = %v disagrees with the digits", s, n.BirthDate)
			}
			if y := n.BirthDate.Year(); y < 1900 || y > 2099 {
				t.Fatalf("ParseNISS(%q).BirthDate = %v, out of range", s, n.BirthDate)
			}
		}
		if n.BIS && n.Number[2] < '2' {
			t.Fatalf("ParseNISS(%q) BIS with month %s", s, n.Number[2:4])
		}
		again, err := ParseNISS(n.Format())
		if err != nil || again != n {
			t.Fatalf("ParseNISS(Format()) = %+v, %v; want %+v", again, err, n)
		}
	})
}
