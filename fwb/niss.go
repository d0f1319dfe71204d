package fwb

import (
	"strconv"
	"strings"
	"time"
)

// Digits removes the separators people type inside identification numbers
// (dots, dashes, spaces, slashes), so "85.03.19-564.90" becomes
// "85031956490". Other characters are kept, for the parsers to reject.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '-', ' ', '/', '\t', '\u00a0', '\u202f':
			return -1
		}
		return r
	}, s)
}

// NationalNumber is a Belgian national register number (NISS, numéro
// national) or a BIS number, with what it encodes.
type NationalNumber struct {
	// Number holds the 11 digits, without separators.
	Number string
	// BirthDate is midnight UTC of the birth date, or the zero time when
	// the number says the month or the day is unknown (00).
	BirthDate time.Time
	// Sex is unknown only for a BIS number issued without it.
	Sex Sex
	// BIS is true for a number of the BIS register (people not in the
	// national register), whose month is shifted by 20 or 40.
	BIS bool
}

// BirthDateKnown reports whether the number gives a full birth date.
func (n NationalNumber) BirthDateKnown() bool { return !n.BirthDate.IsZero() }

// Format writes the number in its usual printed form, "85.03.19-564.90".
func (n NationalNumber) Format() string {
	d := n.Number
	if len(d) != 11 {
		return d
	}
	return d[0:2] + "." + d[2:4] + "." + d[4:6] + "-" + d[6:9] + "." + d[9:11]
}

// ParseNISS checks a national number or a BIS number and decodes it.
//
// The rules (published by the national register, and implemented in
// python-stdnum's be.nn and be.bis) are: 11 digits, YYMMDD, a 3-digit serial
// odd for men and even for women, then 2 check digits equal to 97 minus the
// first 9 digits modulo 97; for people born in 2000 or later the check is
// computed on "2" followed by the first 9 digits, which is how the century is
// known. A month or day of 00 means unknown. A BIS number adds 20 to the
// month when the sex was unknown at issue and 40 when it was known.
//
// Unlike python-stdnum, a day past the end of its month (31/02) is an error
// rather than an unknown day: at a school it is far more likely a typo. Nor
// is the century checked against today's date, so that the result does not
// depend on the clock.
func ParseNISS(s string) (NationalNumber, error) {
	d := Digits(s)
	if err := checkEleven(d, "le numéro national"); err != nil {
		return NationalNumber{}, err
	}
	first9, _ := strconv.Atoi(d[:9])
	check, _ := strconv.Atoi(d[9:])
	var century int
	switch {
	case 97-first9%97 == check:
		century = 1900
	case 97-(2_000_000_000+first9)%97 == check:
		century = 2000
	default:
		return NationalNumber{}, kindErrorf(ErrCheckDigits,
			"chiffres de contrôle du numéro national incorrects : vérifiez le numéro « %s »", strings.TrimSpace(s))
	}
	n := NationalNumber{Number: d}
	yy, _ := strconv.Atoi(d[0:2])
	mm, _ := strconv.Atoi(d[2:4])
	dd, _ := strconv.Atoi(d[4:6])
	serial, _ := strconv.Atoi(d[6:9])
	sexKnown := true
	switch {
	case mm <= 12:
	case 20 <= mm && mm <= 32:
		n.BIS, sexKnown = true, false
		mm -= 20
	case 40 <= mm && mm <= 52:
		n.BIS = true
		mm -= 40
	default:
		return NationalNumber{}, kindErrorf(ErrBirthDate,
			"date de naissance impossible dans le numéro national : le mois « %s » n'existe pas (vérifiez les chiffres 3 et 4)", d[2:4])
	}
	if sexKnown {
		n.Sex = SexFemale
		if serial%2 == 1 {
			n.Sex = SexMale
		}
	}
	// With the month unknown the day digits carry no date: the register
	// uses them as a counter.
	if mm != 0 && dd != 0 {
		t, ok := civilDate(century+yy, mm, dd)
		if !ok {
			return NationalNumber{}, kindErrorf(ErrBirthDate,
				"date de naissance impossible dans le numéro national : le %02d/%02d/%d n'existe pas (vérifiez les 6 premiers chiffres)", dd, mm, century+yy)
		}
		n.BirthDate = t
	}
	return n, nil
}

// checkEleven reports an error unless d is exactly 11 ASCII digits; what
// names the number in the message.
func checkEleven(d, what string) error {
	for _, r := range d {
		if r < '0' || r > '9' {
			return kindErrorf(ErrFormat, "%s ne peut contenir que des chiffres (caractère « %c » trouvé)", what, r)
		}
	}
	if len(d) != 11 {
		unit := "reçu"
		if len(d) > 1 {
			unit = "reçus"
		}
		return kindErrorf(ErrFormat, "%s doit compter 11 chiffres (%d %s)", what, len(d), unit)
	}
	return nil
}

// civilDate returns midnight UTC of y-m-d, and false when that day does not
// exist.
func civilDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}
