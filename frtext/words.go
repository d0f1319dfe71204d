package frtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseBool reads a yes/no answer as found in spreadsheets: oui/non, o/n,
// x/empty (a ticked cell), 1/0, vrai/faux, true/false, yes/no and y, in any
// case and with surrounding spaces. An empty string is a valid "no". ok is
// false when s is none of these, so the caller can report the cell.
func ParseBool(s string) (value bool, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "oui", "o", "x", "1", "vrai", "true", "yes", "y":
		return true, true
	case "non", "n", "", "0", "faux", "false", "no":
		return false, true
	}
	return false, false
}

// FormatBool writes b as "oui" or "non".
func FormatBool(b bool) string {
	if b {
		return "oui"
	}
	return "non"
}

// FormatName writes a person's name in running text, first name first:
// "Jean Dupont". This is the form of the transfer messages.
func FormatName(last, first string) string {
	return joinNonEmpty(strings.TrimSpace(first), strings.TrimSpace(last))
}

// ListName writes a person's name as lists show it, last name first:
// "Dupont Jean".
func ListName(last, first string) string {
	return joinNonEmpty(strings.TrimSpace(last), strings.TrimSpace(first))
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

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

// Sentence turns a message written to follow a label (a domain error, a
// check's finding) into a sentence to show on its own: trimmed, capital
// first letter, final full stop unless it ends with "." "!" or "?".
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}
