package school

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"passerelle/frtext"
	"passerelle/fwb"
)

// Field names, the keys of FieldErrors and Finding.Field: the names of the
// Member and Situation fields that the fiche (the edit form) shows.
const (
	FieldLastName     = "LastName"
	FieldFirstName    = "FirstName"
	FieldBirthDate    = "BirthDate"
	FieldSex          = "Sex"
	FieldNISS         = "NISS"
	FieldMatricule    = "Matricule"
	FieldSchoolEmail  = "SchoolEmail"
	FieldPrivateEmail = "PrivateEmail"
	FieldFunction     = "Function"
	FieldPromotion    = "Promotion"
	FieldStatus       = "Status"
	FieldCharge       = "Charge"
	FieldPresent      = "Present"
	FieldActive       = "Active"
	FieldStart        = "Start"
	FieldEnd          = "End"
	FieldRole         = "Role"
)

// maxNameLen bounds names, so that a pasted paragraph is refused rather than
// stored.
const maxNameLen = frtext.MaxNameRunes

// FieldErrors are the problems of a fiche, in French, keyed by field name
// (FieldLastName, …). An empty map means the row may be saved.
type FieldErrors map[string]string

// Add adds the problems of other for the fields that have none yet: the
// first problem found about a field is the one shown.
func (fe FieldErrors) Add(other FieldErrors) {
	for field, msg := range other {
		if _, ok := fe[field]; !ok {
			fe[field] = msg
		}
	}
}

// Fields returns the fields in error in the fiche's order (that of the CSV
// columns), for messages that list them.
func (fe FieldErrors) Fields() []string {
	out := slices.Collect(maps.Keys(fe))
	rank := func(f string) int {
		if i := columnOf(f); i >= 0 {
			return i
		}
		return len(columns)
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out
}

// ValidateRow checks what a fiche may not hold: missing names, unreadable
// numbers, e-mail addresses that are not addresses, an end before the start,
// codes the tables do not know, an invalid role or charge. It does not judge
// what may be saved but should be looked at (a wrong NISS check digit, a
// charge above full time): Check reports those. A nil t means the embedded
// tables. Call NormalizeRow first on what a person typed.
func ValidateRow(r Row, t *fwb.Tables) FieldErrors {
	t = tables(t)
	fe := FieldErrors{}
	m, s := r.Member, r.Situation
	// The rule for names is the extranet's (frtext.CheckName): a name
	// saved here is never one that holds back a transfer.
	name := func(field, v, what, missing string) {
		switch f := frtext.CheckName(v); f {
		case frtext.NameOK:
		case frtext.NameMissing:
			fe[field] = missing
		case frtext.NameTooLong:
			fe[field] = fmt.Sprintf("%d caractères au plus : raccourcissez-le", maxNameLen)
		default:
			fe[field] = f.Describe(what)
		}
	}
	name(FieldLastName, m.LastName, "nom", "nom de famille manquant : encodez-le")
	name(FieldFirstName, m.FirstName, "prénom", "prénom manquant : encodez-le")
	if !m.BirthDate.IsZero() && (m.BirthDate.Year() < 1900 || m.BirthDate.Year() > 2100) {
		fe[FieldBirthDate] = fmt.Sprintf("date de naissance %s improbable : vérifiez l'année", frtext.FormatDate(m.BirthDate))
	}
	if m.Sex != fwb.SexUnknown && m.Sex != fwb.SexMale && m.Sex != fwb.SexFemale {
		fe[FieldSex] = "sexe inconnu : choisissez M, F ou laissez vide"
	}
	number := func(field, v, what string) {
		d := fwb.Digits(v)
		if i := strings.IndexFunc(d, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			fe[field] = fmt.Sprintf("%s « %s » ne peut contenir que des chiffres : retirez « %c »%s",
				what, strings.TrimSpace(v), []rune(d[i:])[0], spreadsheetHint(v))
		} else if len(d) > 20 {
			fe[field] = fmt.Sprintf("%s « %s » bien trop long : 11 chiffres attendus", what, strings.TrimSpace(v))
		}
	}
	number(FieldNISS, m.NISS, "le numéro national")
	number(FieldMatricule, m.Matricule, "le matricule")
	if e := strings.TrimSpace(m.SchoolEmail); e != "" {
		if _, err := frtext.NormalizeEmail(e); err != nil {
			fe[FieldSchoolEmail] = err.Error()
		}
	}
	if e := strings.TrimSpace(m.PrivateEmail); e != "" {
		if _, err := frtext.NormalizeEmail(e); err != nil {
			fe[FieldPrivateEmail] = err.Error()
		}
	}
	switch code := strings.TrimSpace(s.Function); {
	case code == "":
		fe[FieldFunction] = "fonction principale manquante : choisissez-en une (par exemple IP)"
	default:
		if _, ok := t.Function(code); !ok {
			fe[FieldFunction] = fmt.Sprintf("fonction « %s » inconnue : choisissez l'un des codes %s", code, functionCodes(t))
		}
	}
	if code := strings.TrimSpace(s.Status); code != "" {
		if _, ok := t.Situation(code); !ok {
			fe[FieldStatus] = fmt.Sprintf("situation principale « %s » inconnue : choisissez l'un des codes %s", code, situationCodes(t))
		}
	}
	if !s.Role.Valid() {
		fe[FieldRole] = fmt.Sprintf("rôle extranet « %s » inconnu : choisissez Enseignant, Directeur ou laissez vide", s.Role)
	}
	if len(s.Charge) > 0 {
		// The charge is valid when its text form reads back: that applies
		// fwb's rules (known functions, no zero periods) in one place.
		if _, err := fwb.ParseCharge(fwb.FormatCharge(s.Charge), "", t); err != nil {
			fe[FieldCharge] = err.Error()
		}
	}
	if !s.Start.IsZero() && !s.End.IsZero() && s.End.Before(s.Start) {
		fe[FieldEnd] = fmt.Sprintf("la date de fin (%s) précède la date de début (%s) : corrigez l'une des deux",
			frtext.FormatDate(s.End), frtext.FormatDate(s.Start))
	}
	return fe
}

// spreadsheetHint explains the usual cause of a number written as 8,84E+10:
// a spreadsheet that took an identification number for a quantity.
func spreadsheetHint(v string) string {
	if strings.ContainsAny(v, "Ee") && strings.ContainsAny(v, ",.+") {
		return " (le tableur l'a pris pour un nombre : mettez la colonne au format texte et recopiez les numéros)"
	}
	return ""
}

// NormalizeRow tidies what a person typed before ValidateRow: names and
// addresses trimmed, addresses in lower case, separators removed from the
// numbers, codes written as the tables spell them, "-" for no situation.
// Values that ValidateRow would refuse are left as they are, so that the
// message quotes them.
func NormalizeRow(r Row, t *fwb.Tables) Row {
	t = tables(t)
	m := &r.Member
	m.LastName = strings.Join(strings.Fields(m.LastName), " ")
	m.FirstName = strings.Join(strings.Fields(m.FirstName), " ")
	m.NISS = fwb.Digits(strings.TrimSpace(m.NISS))
	m.Matricule = fwb.Digits(strings.TrimSpace(m.Matricule))
	for _, e := range []*string{&m.SchoolEmail, &m.PrivateEmail} {
		*e = strings.TrimSpace(*e)
		if n, err := frtext.NormalizeEmail(*e); err == nil {
			*e = n
		}
	}
	s := &r.Situation
	s.Function = strings.TrimSpace(s.Function)
	if f, ok := t.Function(s.Function); ok {
		s.Function = f.Code
	}
	s.Status = strings.TrimSpace(s.Status)
	if s.Status == "" {
		s.Status = fwb.NoSituation
	}
	if st, ok := t.Situation(s.Status); ok {
		s.Status = st.Code
	}
	return r
}

func functionCodes(t *fwb.Tables) string {
	var codes []string
	for _, f := range t.Functions() {
		codes = append(codes, f.Code)
	}
	return strings.Join(codes, ", ")
}

func situationCodes(t *fwb.Tables) string {
	var codes []string
	for _, s := range t.Situations() {
		codes = append(codes, s.Code)
	}
	return strings.Join(codes, ", ")
}
