package frtext

import (
	"strconv"
	"strings"
)

// Plural writes n followed by the singular or the plural noun: "0 modifié",
// "1 fiche ajoutée", "3 fiches ajoutées". French puts zero and one in the
// singular. Numbers from 1 000 up are grouped (GroupDigits).
func Plural(n int, one, many string) string {
	if n <= 1 {
		return strconv.Itoa(n) + " " + one
	}
	return GroupDigits(n) + " " + many
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
