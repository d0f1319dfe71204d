package frtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameRunes bounds a last or a first name: beyond it, what was typed is a
// pasted paragraph, not a name.
const MaxNameRunes = 100

// NameFault is what makes a string unfit to be a person's last or first
// name, by the one rule that both sides apply: the school refuses at entry
// what the extranet would refuse, so that one name never holds back a
// transfer.
type NameFault int

// The faults, in the order CheckName looks for them.
const (
	NameOK         NameFault = iota
	NameMissing              // empty, or spaces only
	NameTooLong              // more than MaxNameRunes characters
	NameUnreadable           // invalid UTF-8, U+FFFD, control, format (bidi, zero-width) or private-use characters
	NameNoLetter             // "---", accents alone, digits or punctuation only
)

// CheckName applies the rule for names to s, as typed or as sent (spaces
// around it do not count): a name holds at least one letter, at most
// MaxNameRunes characters, and nothing that cannot be read or printed. An
// invisible character would make two spellings of one name look the same
// on screen and differ when matched; a bidi override would show another
// name than the one stored.
func CheckName(s string) NameFault {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return NameMissing
	case !utf8.ValidString(s):
		return NameUnreadable
	case utf8.RuneCountInString(s) > MaxNameRunes:
		return NameTooLong
	}
	letter := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co) {
			return NameUnreadable
		}
		letter = letter || unicode.IsLetter(r)
	}
	if !letter {
		return NameNoLetter
	}
	return NameOK
}

// Describe says the fault in French about what ("nom", "prénom", both
// masculine), without saying where to correct it: "nom manquant", "prénom
// sans lettre". It returns "" for NameOK.
func (f NameFault) Describe(what string) string {
	switch f {
	case NameMissing:
		return what + " manquant"
	case NameTooLong:
		return what + " trop long (au plus " + strconv.Itoa(MaxNameRunes) + " caractères) : raccourcissez-le"
	case NameUnreadable:
		return what + " illisible (caractère de contrôle, invisible ou invalide) : retapez-le"
	case NameNoLetter:
		return what + " sans lettre : écrivez-le en lettres"
	}
	return ""
}

// SafeName returns s with what CheckName calls unreadable replaced by
// U+FFFD and cut to MaxNameRunes characters: a name that can be shown,
// stored and logged, for the messages about a name that was refused.
func SafeName(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == MaxNameRunes {
			b.WriteRune('…')
			break
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
