package frtext

import (
	"strconv"
	"strings"
)

// Plural writes n followed by the singular or the plural noun: "0 modifié",
// "1 fiche ajoutée", "3 fiches ajoutées". French puts zero and one in the
// singular. Numbers from 1 000 up are grouped (GroupDigits). It is the one
// pluralisation helper of the project: every count a person reads goes
// through it or PluralForm.
func Plural(n int, one, many string) string {
	return GroupDigits(n) + " " + PluralForm(n, one, many)
}

// PluralForm returns the singular or the plural form for a count of n,
// without the number: "Cette personne perdra" or "Ces personnes perdront".
// Zero and one take the singular, as do their negatives.
func PluralForm(n int, one, many string) string {
	if n > -2 && n < 2 {
		return one
	}
	return many
}

// GroupDigits writes 12000 as "12 000", the French grouping of digits by
// three with a narrow no-break space (U+202F).
func GroupDigits(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && s[i-1] != '-' && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	return b.String()
}
