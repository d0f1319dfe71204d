package extranet

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// Limits of a snapshot. The largest school has a few hundred staff; the
// bounds only keep a broken or hostile client from filling the database.
const (
	MaxEntries    = 10000
	maxRoleRunes  = 50
	minBirthYear  = 1900
	maxBirthYear  = 2100
	matriculeSize = 11
	maxEmailBytes = 254
)

// ValidateSnapshot checks the form of a snapshot, without looking at the
// database: the school year written "YYYY-YYYY" with consecutive years, and
// for each staff entry a last and a first name, a birth date YYYY-MM-DD or an
// 11-digit matricule, a valid e-mail and a role. An unknown role is not a
// problem here: it makes that entry rejected, not the whole snapshot. Keep
// entries need names and a birth date or matricule. Messages are French and
// end with what the school corrects, and where (inFiche): the school software
// shows them to its secretary.
func ValidateSnapshot(s wire.Snapshot) []Problem {
	var ps []Problem
	add := func(index int, field, format string, args ...any) {
		ps = append(ps, Problem{Index: index, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if msg := checkSchoolYear(s.SchoolYear); msg != "" {
		add(-1, "schoolYear", "%s", msg)
	}
	if s.ConfirmDeactivations < 0 {
		add(-1, "confirmDeactivations", "le nombre de désactivations confirmées ne peut pas être négatif")
	}
	if len(s.Staff) > MaxEntries {
		add(-1, "staff", "trop de membres du personnel (%d) : au plus %d par envoi", len(s.Staff), MaxEntries)
	} else {
		for i, e := range s.Staff {
			f := func(name string) string { return fmt.Sprintf("staff[%d].%s", i, name) }
			checkIdentity(i, f, e.LastName, e.FirstName, e.BirthDate, e.Matricule, add)
			if strings.TrimSpace(e.Email) == "" {
				add(i, f("email"), "adresse e-mail école manquante : complétez-la "+inFiche)
			} else if len(e.Email) > maxEmailBytes {
				add(i, f("email"), "adresse e-mail école trop longue (au plus %d caractères) : corrigez-la "+inFiche, maxEmailBytes)
			} else if _, err := frtext.NormalizeEmail(e.Email); err != nil {
				add(i, f("email"), "%s : corrigez l'adresse e-mail école "+inFiche, err.Error())
			}
			switch role := strings.TrimSpace(e.Role); {
			case role == "":
				add(i, f("role"), "rôle extranet manquant : choisissez Enseignant ou Directeur "+inFiche)
			case utf8.RuneCountInString(role) > maxRoleRunes || !printable(role):
				add(i, f("role"), "rôle extranet illisible : choisissez Enseignant ou Directeur "+inFiche)
			}
		}
	}
	if len(s.Keep) > MaxEntries {
		add(-1, "keep", "trop de membres retenus (%d) : au plus %d par envoi", len(s.Keep), MaxEntries)
	} else {
		for i, e := range s.Keep {
			f := func(name string) string { return fmt.Sprintf("keep[%d].%s", i, name) }
			checkIdentity(i, f, e.LastName, e.FirstName, e.BirthDate, e.Matricule, add)
		}
	}
	return ps
}

// checkSchoolYear returns why s is not a school year "YYYY-YYYY", or "".
func checkSchoolYear(s string) string {
	if s == "" {
		return "année scolaire manquante : écrivez par exemple 2026-2027"
	}
	if len(s) != 9 || s[4] != '-' {
		return fmt.Sprintf("année scolaire « %s » invalide : écrivez par exemple 2026-2027", clip(s))
	}
	if _, err := fwb.ParseSchoolYear(s); err != nil {
		return err.Error()
	}
	return ""
}

// checkIdentity checks what recognises a person.
func checkIdentity(i int, f func(string) string, last, first, birth, matricule string, add func(int, string, string, ...any)) {
	for _, n := range []struct{ field, value, what string }{
		{"lastName", last, "nom"},
		{"firstName", first, "prénom"},
	} {
		// The rule for names is the school's too (frtext.CheckName).
		switch fault := frtext.CheckName(n.value); fault {
		case frtext.NameOK:
		case frtext.NameMissing:
			add(i, f(n.field), "%s manquant : complétez-le "+inFiche, n.what)
		default:
			add(i, f(n.field), "%s "+inFiche, fault.Describe(n.what))
		}
	}
	birth = strings.TrimSpace(birth)
	matricule = strings.TrimSpace(matricule)
	if birth != "" {
		if !validBirthDate(birth) {
			add(i, f("birthDate"), "date de naissance « %s » invalide (attendue AAAA-MM-JJ, par exemple 1980-05-04) : corrigez-la "+inFiche, clip(birth))
		}
	}
	if matricule != "" && !elevenDigits(matricule) {
		add(i, f("matricule"), "matricule « %s » invalide (il compte 11 chiffres) : corrigez-le "+inFiche, clip(matricule))
	}
	if birth == "" && matricule == "" {
		add(i, f("birthDate"), "date de naissance ou matricule nécessaire pour reconnaître la personne : complétez l'un ou l'autre "+inFiche)
	}
}

// validBirthDate reports whether s is a real date written YYYY-MM-DD.
func validBirthDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	t, err := time.Parse("2006-01-02", s)
	return err == nil && t.Year() >= minBirthYear && t.Year() <= maxBirthYear
}

func elevenDigits(s string) bool {
	if len(s) != matriculeSize {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// printable refuses invalid UTF-8, control characters, which would break
// e-mails and logs, and the invisible ones (format characters such as a
// zero-width space or a right-to-left override, private use), which would let
// a name look like another in the console and the journal: the rule of
// frtext.CheckName for the characters, without its rule on letters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co) {
			return false
		}
	}
	return true
}

// clip shortens a value quoted in a message, so that a huge field does not
// make a huge message.
func clip(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "�")
	}
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
}

// entryFaults are the problems of single entries of a snapshot, by
// position: the first problem of each staff and keep entry.
type entryFaults struct {
	staff, keep map[int]string
	// unnamed are the entries whose names cannot be read ("s3", "k0").
	unnamed map[string]bool
}

// splitProblems parts ValidateSnapshot's problems into those of the snapshot
// as a whole (its year, its counts: the transfer is refused) and those of
// one entry, which make that entry rejected while the others apply: one
// unreadable name must not hold back a school's other changes.
func splitProblems(ps []Problem) ([]Problem, entryFaults) {
	var whole []Problem
	faults := entryFaults{staff: map[int]string{}, keep: map[int]string{}, unnamed: map[string]bool{}}
	for _, p := range ps {
		m, list := faults.staff, "s"
		switch {
		case p.Index < 0:
			whole = append(whole, p)
			continue
		case strings.HasPrefix(p.Field, "keep["):
			m, list = faults.keep, "k"
		}
		if strings.HasSuffix(p.Field, ".lastName") || strings.HasSuffix(p.Field, ".firstName") {
			faults.unnamed[list+strconv.Itoa(p.Index)] = true
		}
		if _, ok := m[p.Index]; !ok {
			m[p.Index] = p.Message
		}
	}
	return whole, faults
}

// clean returns a copy of s in which the entries with a fault keep only
// what can be read: names made safe to store and show (frtext.SafeName), a
// birth date, matricule and e-mail only when valid. Such an entry is
// rejected, and still protects the person its valid parts designate.
func (f entryFaults) clean(s wire.Snapshot) wire.Snapshot {
	if len(f.staff) == 0 && len(f.keep) == 0 {
		return s
	}
	s.Staff = slices.Clone(s.Staff)
	for i := range f.staff {
		e := &s.Staff[i]
		e.LastName, e.FirstName = frtext.SafeName(e.LastName), frtext.SafeName(e.FirstName)
		e.BirthDate, e.Matricule = validOrEmpty(e.BirthDate, validBirthDate), validOrEmpty(e.Matricule, elevenDigits)
		if len(e.Email) > maxEmailBytes {
			e.Email = ""
		} else if _, err := frtext.NormalizeEmail(e.Email); err != nil {
			e.Email = ""
		}
		e.Role = clip(frtext.SafeName(e.Role))
	}
	s.Keep = slices.Clone(s.Keep)
	for i := range f.keep {
		e := &s.Keep[i]
		e.LastName, e.FirstName = frtext.SafeName(e.LastName), frtext.SafeName(e.FirstName)
		e.BirthDate, e.Matricule = validOrEmpty(e.BirthDate, validBirthDate), validOrEmpty(e.Matricule, elevenDigits)
	}
	return s
}

// validOrEmpty returns s trimmed when valid says so, else "".
func validOrEmpty(s string, valid func(string) bool) string {
	if s = strings.TrimSpace(s); valid(s) {
		return s
	}
	return ""
}

// isUnnamed reports whether e is an entry whose names cannot be read.
func (f entryFaults) isUnnamed(e *entry) bool {
	list := "s"
	if e.keep {
		list = "k"
	}
	return f.unnamed[list+strconv.Itoa(e.index)]
}

// designateByBirth makes an entry whose names cannot be read designate
// every person of the school's grants born on its birth date whom no other
// entry names: it may mean any of them, so their grants stay as they are
// (a member kept back for an unreadable name is not deactivated).
func designateByBirth(entries []*entry, grants []GrantRecord, f entryFaults) {
	named := map[string]bool{}
	for _, e := range entries {
		if e.personID != "" && !f.isUnnamed(e) {
			named[e.personID] = true
		}
	}
	for _, e := range entries {
		if !f.isUnnamed(e) || e.personID != "" || e.birth == "" {
			continue
		}
		for i := range grants {
			id := grants[i].Grant.PersonID
			if grants[i].Grant.SentBirthDate == e.birth && !named[id] && !slices.Contains(e.designated, id) {
				e.designated = append(e.designated, id)
			}
		}
	}
}
