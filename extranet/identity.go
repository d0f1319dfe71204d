package extranet

import (
	"strconv"
	"strings"

	"passerelle/frtext"
)

// IdentityKey returns the key that recognises a person without matricule:
// folded last name, folded first name and birth date, so that "Gaëlle
// D'Hoore" and "gaelle d hoore" born the same day are one person. It is ""
// without a birth date: names alone never recognise anyone.
func IdentityKey(lastName, firstName, birthDate string) string {
	if birthDate == "" {
		return ""
	}
	return frtext.Fold(lastName) + "|" + frtext.Fold(firstName) + "|" + birthDate
}

// CleanName trims a name and collapses its inner runs of spaces: what a
// school sends is stored as written otherwise.
func CleanName(s string) string { return strings.Join(strings.Fields(s), " ") }

// LoginBase returns the login of a person before any suffix:
// "prenom.nom.JJMMAA", lower case, with accents, spaces, hyphens and
// apostrophes removed (frtext.LoginPart). The birth date comes from
// BirthDate, or from the matricule's digits 2 to 7 (AAMMJJ) when only the
// matricule is known.
func LoginBase(p Person) string {
	first := frtext.LoginPart(p.FirstName)
	last := frtext.LoginPart(p.LastName)
	// A name written only in another script leaves nothing typeable; the
	// login keeps its shape with a neutral word rather than starting with a
	// dot.
	if first == "" {
		first = "prenom"
	}
	if last == "" {
		last = "nom"
	}
	return first + "." + last + "." + loginDate(p)
}

// loginDate returns JJMMAA.
func loginDate(p Person) string {
	if len(p.BirthDate) == 10 {
		return p.BirthDate[8:10] + p.BirthDate[5:7] + p.BirthDate[2:4]
	}
	if len(p.Matricule) == matriculeSize {
		m := p.Matricule
		return m[5:7] + m[3:5] + m[1:3]
	}
	return "000000"
}

// Login returns base, or base.2, base.3… : the first one not in taken. The
// suffix depends only on the logins already given, so two runs over the same
// data give the same logins.
func Login(base string, taken map[string]bool) string {
	if !taken[base] {
		return base
	}
	for n := 2; ; n++ {
		l := base + "." + strconv.Itoa(n)
		if !taken[l] {
			return l
		}
	}
}
