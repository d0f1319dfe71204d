package fwb

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// matriculeCenturyPivot decides the century of a matricule's two-digit birth
// year: YY at or above it is 19YY, below it 20YY. Staff are adults, so a year
// below 30 cannot be 1900-1929 (they would be past 95) and can be 2000-2029
// for young staff. The rule holds until people born in 2030 start working,
// in the late 2040s; by then the pivot must move. The national number does
// not need this: its check digits give the century.
const matriculeCenturyPivot = 30

// Matricule is an FWB staff number (matricule ministériel) and what it
// encodes.
type Matricule struct {
	// Number holds the 11 digits, without separators.
	Number string
	// Sex comes from the first digit: 1 man, 2 woman.
	Sex Sex
	// BirthDate is midnight UTC of the date in digits 2 to 7 (YYMMDD); see
	// ParseMatricule for the century.
	BirthDate time.Time
}

// ParseMatricule checks the structure of a matricule ministériel: 11 digits,
// the first 1 (man) or 2 (woman), digits 2 to 7 a real birth date YYMMDD,
// digits 8 to 11 free. No check digit is verified: two public examples
// suggest a mod-97 rule but the matricules of the school software's help
// page do not follow it, so the rule is unconfirmed. Two-digit years of 30 and above are read as 19YY,
// below 30 as 20YY.
func ParseMatricule(s string) (Matricule, error) {
	d := Digits(s)
	if err := checkEleven(d, "le matricule"); err != nil {
		return Matricule{}, err
	}
	m := Matricule{Number: d}
	switch d[0] {
	case '1':
		m.Sex = SexMale
	case '2':
		m.Sex = SexFemale
	default:
		return Matricule{}, kindErrorf(ErrSexDigit,
			"le premier chiffre du matricule donne le sexe : 1 pour un homme, 2 pour une femme (« %c » reçu)", d[0])
	}
	yy, _ := strconv.Atoi(d[1:3])
	mm, _ := strconv.Atoi(d[3:5])
	dd, _ := strconv.Atoi(d[5:7])
	year := 2000 + yy
	if yy >= matriculeCenturyPivot {
		year = 1900 + yy
	}
	t, ok := civilDate(year, mm, dd)
	if !ok {
		return Matricule{}, kindErrorf(ErrBirthDate,
			"date de naissance impossible dans le matricule : le %s/%s/%s n'existe pas (vérifiez les chiffres 2 à 7, AAMMJJ)", d[5:7], d[3:5], d[1:3])
	}
	m.BirthDate = t
	return m, nil
}

// CheckAgreement reports whether a national number and a matricule can
// belong to the same person: same birth date (day, month and two-digit
// year, since the matricule's century is inferred) and same sex. Parts that
// either number leaves unknown are not compared, nor is anything when one of
// them is the zero value. The error wraps ErrMismatch and names both values.
func CheckAgreement(n NationalNumber, m Matricule) error {
	if len(n.Number) != 11 || len(m.Number) != 11 {
		return nil
	}
	var problems []string
	nyy, nmm, ndd, yearKnown := n.dateParts()
	myy, mmm, mdd := m.BirthDate.Year()%100, int(m.BirthDate.Month()), m.BirthDate.Day()
	if !m.BirthDate.IsZero() &&
		((yearKnown && nyy != myy) || (nmm != 0 && nmm != mmm) || (nmm != 0 && ndd != 0 && ndd != mdd)) {
		problems = append(problems, fmt.Sprintf(
			"la date de naissance du matricule (%02d/%02d/%02d) ne correspond pas à celle du numéro national (%s)",
			mdd, mmm, myy, formatParts(nyy, nmm, ndd, yearKnown)))
	}
	if n.Sex != SexUnknown && m.Sex != SexUnknown && n.Sex != m.Sex {
		problems = append(problems, fmt.Sprintf(
			"le sexe du matricule (%s) ne correspond pas à celui du numéro national (%s)", m.Sex.word(), n.Sex.word()))
	}
	if len(problems) == 0 {
		return nil
	}
	return kindErrorf(ErrMismatch, "%s : corrigez le numéro national ou le matricule", strings.Join(problems, " et "))
}

// dateParts returns the birth date digits of a national number with the BIS
// shift removed; 0 stands for an unknown month or day. The fictitious date
// 00/00/00 with serial counter 01 ("000001…") means even the year is unknown.
func (n NationalNumber) dateParts() (yy, mm, dd int, yearKnown bool) {
	d := n.Number
	yy, _ = strconv.Atoi(d[0:2])
	mm, _ = strconv.Atoi(d[2:4])
	dd, _ = strconv.Atoi(d[4:6])
	mm %= 20
	if mm == 0 {
		dd = 0
	}
	return yy, mm, dd, d[:6] != "000001"
}

// formatParts writes dd/mm/yy with "??" for unknown parts.
func formatParts(yy, mm, dd int, yearKnown bool) string {
	part := func(v int, known bool) string {
		if !known {
			return "??"
		}
		return fmt.Sprintf("%02d", v)
	}
	return part(dd, dd != 0) + "/" + part(mm, mm != 0) + "/" + part(yy, yearKnown)
}
