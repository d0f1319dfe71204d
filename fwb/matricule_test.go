package fwb

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMatriculeDemo(t *testing.T) {
	for _, test := range []struct {
		in   string
		want Matricule
	}{
		{"28407140254", Matricule{"28407140254", SexFemale, day(1984, 7, 14)}},
		{"28910153254", Matricule{"28910153254", SexFemale, day(1989, 10, 15)}},
		{"27003020003", Matricule{"27003020003", SexFemale, day(1970, 3, 2)}},
		{"29202260756", Matricule{"29202260756", SexFemale, day(1992, 2, 26)}},
		{"28802080741", Matricule{"28802080741", SexFemale, day(1988, 2, 8)}},
		{"18503190123", Matricule{"18503190123", SexMale, day(1985, 3, 19)}},
		{"29010270456", Matricule{"29010270456", SexFemale, day(1990, 10, 27)}},
		{"26904140789", Matricule{"26904140789", SexFemale, day(1969, 4, 14)}},
		{"28105180150", Matricule{"28105180150", SexFemale, day(1981, 5, 18)}},
		{"1.850319.0123", Matricule{"18503190123", SexMale, day(1985, 3, 19)}},
		{"10503150001", Matricule{"10503150001", SexMale, day(2005, 3, 15)}},
		{"12912310001", Matricule{"12912310001", SexMale, day(2029, 12, 31)}},
		{"13001010001", Matricule{"13001010001", SexMale, day(1930, 1, 1)}},
		{"20002290001", Matricule{"20002290001", SexFemale, day(2000, 2, 29)}},
	} {
		t.Run(test.in, func(t *testing.T) {
			got, err := ParseMatricule(test.in)
			if err != nil {
				t.Fatalf("ParseMatricule(%q): %v", test.in, err)
			}
			if got != test.want {
				t.Errorf("ParseMatricule(%q) = %+v, want %+v", test.in, got, test.want)
			}
		})
	}
}

func TestParseMatriculeErrors(t *testing.T) {
	for _, test := range []struct {
		name, in string
		kind     error
		msg      string
	}{
		{"short", "2840714", ErrFormat, "le matricule doit compter 11 chiffres (7 reçus)"},
		{"letter", "2840714025X", ErrFormat, "le matricule ne peut contenir que des chiffres"},
		{"sex digit", "38407140254", ErrSexDigit, "le premier chiffre du matricule donne le sexe : 1 pour un homme, 2 pour une femme (« 3 » reçu)"},
		{"sex digit zero", "08407140254", ErrSexDigit, "le premier chiffre du matricule"},
		{"month 00", "28400140254", ErrBirthDate, "date de naissance impossible dans le matricule : le 14/00/84"},
		{"day 00", "28407000254", ErrBirthDate, "date de naissance impossible dans le matricule"},
		{"31 February", "28402310254", ErrBirthDate, "date de naissance impossible dans le matricule : le 31/02/84"},
		{"29 February 2001", "20102290001", ErrBirthDate, "date de naissance impossible"},
	} {
		t.Run(test.name, func(t *testing.T) {
			m, err := ParseMatricule(test.in)
			if err == nil {
				t.Fatalf("ParseMatricule(%q) = %+v, want an error", test.in, m)
			}
			if !errors.Is(err, test.kind) || !strings.HasPrefix(err.Error(), test.msg) {
				t.Errorf("ParseMatricule(%q) error %q, want kind %v starting with %q", test.in, err, test.kind, test.msg)
			}
		})
	}
}

func TestCheckAgreement(t *testing.T) {
	mustNISS := func(s string) NationalNumber {
		n, err := ParseNISS(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	mustMat := func(s string) Matricule {
		m, err := ParseMatricule(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, test := range []struct {
		name      string
		niss      NationalNumber
		matricule Matricule
		msg       string // empty: agreement expected
	}{
		{"demo Letor, same date and sex", mustNISS("88020801258"), mustMat("28802080741"), ""},
		{"demo Menier", mustNISS("69041401275"), mustMat("26904140789"), ""},
		{"demo Ludo: the NISS serial is even (woman), the matricule says man",
			mustNISS("85031956490"), mustMat("18503190123"),
			"le sexe du matricule (homme) ne correspond pas à celui du numéro national (femme) : corrigez le numéro national ou le matricule"},
		{"different birth date", mustNISS("88020801258"), mustMat("28802090741"),
			"la date de naissance du matricule (09/02/88) ne correspond pas à celle du numéro national (08/02/88) : corrigez le numéro national ou le matricule"},
		{"different date and sex", mustNISS("84071412507"), mustMat("28407150254"),
			"la date de naissance du matricule (15/07/84) ne correspond pas à celle du numéro national (14/07/84) et le sexe du matricule (femme) ne correspond pas à celui du numéro national (homme) : corrigez le numéro national ou le matricule"},
		{"BIS +20: sex unknown, date compared", mustNISS("85231956436"), mustMat("18503190123"), ""},
		{"unknown day: month and year compared", mustNISS("85030012334"), mustMat("18503190123"), ""},
		{"unknown day, other month", mustNISS("85030012334"), mustMat("18504190123"),
			"la date de naissance du matricule (19/04/85) ne correspond pas à celle du numéro national (??/03/85)"},
		{"unknown month, other year", mustNISS("85000012412"), mustMat("28603190123"),
			"la date de naissance du matricule (19/03/86) ne correspond pas à celle du numéro national (??/??/85)"},
		{"no national number", NationalNumber{}, mustMat("18503190123"), ""},
		{"no matricule", mustNISS("85031956490"), Matricule{}, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := CheckAgreement(test.niss, test.matricule)
			if test.msg == "" {
				if err != nil {
					t.Fatalf("CheckAgreement: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckAgreement = nil, want %q", test.msg)
			}
			if !errors.Is(err, ErrMismatch) || !strings.HasPrefix(err.Error(), test.msg) {
				t.Errorf("CheckAgreement error %q, want ErrMismatch starting with %q", err, test.msg)
			}
		})
	}
}

func FuzzParseMatricule(f *testing.F) {
	for _, s := range []string{
		"28407140254", "18503190123", "1.850319.0123", "38407140254", "28402310254", "2840714", "", "20002290001",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMatricule(s)
		if err != nil {
			if m != (Matricule{}) {
				t.Fatalf("ParseMatricule(%q) = %+v with error %v", s, m, err)
			}
			return
		}
		if len(m.Number) != 11 || strings.Trim(m.Number, "0123456789") != "" {
			t.Fatalf("ParseMatricule(%q).Number = %q", s, m.Number)
		}
		if m.Sex == SexUnknown || m.BirthDate.IsZero() {
			t.Fatalf("ParseMatricule(%q) = %+v: sex or date missing", s, m)
		}
		if got := m.BirthDate.Format("060102"); got != m.Number[1:7] {
			t.Fatalf("ParseMatricule(%q).BirthDate = %v disagrees with the digits", s, m.BirthDate)
		}
		if y := m.BirthDate.Year(); y < 1930 || y > 2029 {
			t.Fatalf("ParseMatricule(%q) year %d outside the pivot window", s, y)
		}
	})
}
