package frtext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// letterSpellings spells out letters that carry no combining mark under
// Unicode decomposition but that people type with or without: a name keyed in
// as "Coeur" on one side and "Cœur" on the other is the same name.
var letterSpellings = map[rune]string{
	'œ': "oe",
	'æ': "ae",
	'ß': "ss",
	'ø': "o",
	'ł': "l",
	'đ': "d",
	'ð': "d",
	'þ': "th",
	'ı': "i",
	'ŀ': "l",
	'ĸ': "k",
}

// isWordJoiner reports the characters that join parts of a compound name;
// "Marie-Claire", "Marie Claire" and "Marie_Claire" must match, as must
// "D'Hoore" with a straight or a typographic apostrophe.
func isWordJoiner(r rune) bool {
	switch r {
	case '-', '\'', '_', '\u2019', '\u2018', '\u02bc', '\u2010', '\u2011', '`', '\u00b4':
		return true
	}
	return false
}

// fold returns the lower-case, mark-free spelling of s, with word joiners
// turned into spaces; form chooses how far letters are decomposed.
func fold(s string, form norm.Form) string {
	s = form.String(strings.ToLower(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// Accents and other non-spacing marks do not distinguish names.
		case isWordJoiner(r):
			b.WriteByte(' ')
		default:
			if sp, ok := letterSpellings[r]; ok {
				b.WriteString(sp)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// Fold returns the form of a name used to recognise the same person across
// sources: lower case, accents dropped, hyphens, apostrophes and underscores
// turned into spaces, runs of spaces collapsed, and no leading or trailing
// space. Letters such as œ, æ, ß and ø are spelled out (oe, ae, ss, o).
// Fold("  Gaëlle-Marie  D'Hoore ") is "gaelle marie d hoore". Fold is
// idempotent.
func Fold(s string) string {
	if f, ok := foldASCII(s); ok {
		return f
	}
	return foldSlow(s)
}

// foldSlow is Fold for any string.
func foldSlow(s string) string {
	return strings.Join(strings.Fields(fold(s, norm.NFD)), " ")
}

// foldASCII is Fold for a string of ASCII only (false otherwise), in one
// pass: most names are, and Fold runs several times a staff entry. In ASCII,
// the decomposition changes nothing and there is no mark to drop nor letter
// to spell out; what is left is lower case, the word joiners (- ' _ `) and
// the white space of strings.Fields.
func foldASCII(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return "", false
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
			c == '-' || c == '\'' || c == '_' || c == '`':
			space = len(b) > 0
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return string(b), true
}

// LoginPart returns the fragment of an extranet login built from a name: only
// the ASCII letters a to z and the digits 0 to 9 are kept, after accents are
// removed and letters such as œ or ß are spelled out, so "Gaëlle-Marie"
// gives "gaellemarie" and "D'Hoore" gives "dhoore". Compatibility forms
// (ligatures such as "ﬁ", full-width letters) are decomposed too, since a
// login must be typeable on any keyboard. Names written only in other scripts
// give an empty string; the caller decides what to do then.
func LoginPart(s string) string {
	if lp, ok := loginPartASCII(s); ok {
		return lp
	}
	return loginPartSlow(s)
}

// loginPartASCII is LoginPart for a string of ASCII only (false
// otherwise), in one pass: in ASCII, the decomposition changes nothing and
// there is no mark to drop nor letter to spell out, so what is left is the
// letters in lower case and the digits. The night computes a login base for
// each person it opens.
func loginPartASCII(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return "", false
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b), true
}

// loginPartSlow is LoginPart for any string.
func loginPartSlow(s string) string {
	f := fold(s, norm.NFKD)
	var b strings.Builder
	b.Grow(len(f))
	for i := 0; i < len(f); i++ {
		c := f[i]
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
		}
	}
	return b.String()
}
