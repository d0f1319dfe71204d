package web

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxInputBytes bounds what Capped keeps of a value a client sent.
const MaxInputBytes = 128

// Capped returns at most MaxInputBytes of s, cut at a character boundary,
// with invalid UTF-8 replaced: what a client sends (a login, a search) is
// passed through it before it is logged or kept as a key, so that a login
// of megabytes costs a log line of a hundred bytes.
func Capped(s string) string {
	if len(s) > MaxInputBytes {
		cut := MaxInputBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Bounds of a search typed in a page: each word is one more condition on
// every row, so a query of a thousand words is not a search but a load.
const (
	MaxSearchWords = 8
	MaxSearchRunes = 100
)

// MsgSearchTooLong answers a search over the bounds.
var MsgSearchTooLong = fmt.Sprintf("Recherche trop longue : tapez au plus %d mots et %d caractères, par exemple un nom et un prénom.", MaxSearchWords, MaxSearchRunes)

// SearchText returns what a person typed in a search field as a search
// can use it: valid UTF-8, without control characters (which a database
// refuses in text), trimmed.
func SearchText(q string) string {
	q = strings.ToValidUTF8(q, "\uFFFD")
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, q)
	return strings.TrimSpace(q)
}

// SearchTooLong reports whether q is over the bounds of a search.
func SearchTooLong(q string) bool {
	return len(strings.Fields(q)) > MaxSearchWords || utf8.RuneCountInString(q) > MaxSearchRunes
}
