package frtext

import (
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
