package school

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
)

// Severity ranks a finding of the checks; the most serious sorts first.
type Severity int

const (
	// Bloquant keeps the member out of the transfer until it is fixed.
	Bloquant Severity = iota
	// Avertissement is sent as it is but should be looked at.
	Avertissement
	// Information says what the transfer will do.
	Information
)

// String returns the French label in lower case: "bloquant",
// "avertissement" or "information".
func (s Severity) String() string {
	switch s {
	case Bloquant:
		return "bloquant"
	case Avertissement:
		return "avertissement"
	case Information:
		return "information"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Label returns the label that starts a line: "Bloquant", "Avertissement",
// "Information".
func (s Severity) Label() string {
	l := s.String()
	return strings.ToUpper(l[:1]) + l[1:]
}

// Finding is one result of the checks ("vérifier les adresses e-mails et les
// situations école" before the transfer).
type Finding struct {
	Severity    Severity
	SituationID int64
	MemberID    int64
	Name        string // "Prénom Nom"
	// Code identifies the kind of finding, stable and in English
	// ("email-missing"); docs/school.md lists them.
	Code string
	// Field is the fiche field that fixes it (FieldSchoolEmail, …).
	Field string
	// Message says in French what is wrong and what to do.
	Message string
	// SharedWith are, for CodeEmailShared, the other members who would be
	// sent with the same school e-mail, "Prénom Nom", sorted by name (last
	// name first, French collation).
	SharedWith []string

	// lastName and firstName sort the findings.
	lastName, firstName string
}

// String writes the finding as "school check" prints it: "Bloquant : Talia
// Gensen – adresse e-mail école manquante : encodez-la dans sa fiche."
func (f Finding) String() string {
	return f.Severity.Label() + " : " + f.Name + " – " + f.Message
}

// Finding codes.
const (
	CodeEmailMissing          = "email-missing"
	CodeEmailInvalid          = "email-invalid"
	CodeEmailShared           = "email-shared"
	CodeIdentityMissing       = "identity-missing"
	CodeNameUnreadable        = "name-unreadable"
	CodeNISSInvalid           = "niss-invalid"
	CodeNISSCheckDigits       = "niss-check-digits"
	CodeMatriculeInvalid      = "matricule-invalid"
	CodeNISSMatriculeMismatch = "niss-matricule-mismatch"
	CodeBirthDateMismatch     = "birth-date-mismatch"
	CodeChargeOverFullTime    = "charge-over-full-time"
	CodeActiveEnded           = "active-ended"
	CodeDirectorRole          = "director-role-without-function"
	CodeDirectorFunction      = "director-function-teacher-role"
	CodePresentNotActive      = "present-not-active"
	CodeFunctionUnknown       = "function-unknown"
	CodeStatusUnknown         = "status-unknown"
	CodeRoleCompleted         = "role-completed"
	CodeNotSent               = "not-sent-no-role"
)

// Check runs the checks on the rows whose situation covers the civil date
// at, plus those still ticked Actif after their end date, and returns the
// findings sorted by severity, then name (French collation); one person's
// findings of a severity keep the order of the fiche. A
// nil t means the embedded tables.
//
// Blocking findings (e-mail missing, invalid or shared, not enough identity
// to be recognised) only concern members who would be sent (SendRole):
// nothing else of theirs leaves the school, so a nursery nurse without a
// school e-mail is not an error. The other findings concern every current
// situation.
func Check(rows []Row, at time.Time, t *fwb.Tables) []Finding {
	t = tables(t)
	at = fwb.Date(at.In(frtext.Brussels)) // the school's today, whatever the server's zone
	var out []Finding
	add := func(r Row, sev Severity, code, field, format string, args ...any) *Finding {
		out = append(out, Finding{
			Severity: sev, SituationID: r.Situation.ID, MemberID: r.Member.ID,
			Name: r.DisplayName(), Code: code, Field: field, Message: fmt.Sprintf(format, args...),
			lastName: r.Member.LastName, firstName: r.Member.FirstName,
		})
		return &out[len(out)-1]
	}

	owners := emailOwners(rows, at, t)
	for i, r := range rows {
		s := r.Situation
		if !s.Covers(at) {
			checkEnded(r, at, add)
			continue
		}
		role, sent := SendRole(r, at, t)
		if sent {
			checkSent(r, i, owners, rows, add)
		}
		checkNumbers(r, add)
		checkSituation(r, role, sent, t, add)
	}
	out = dedupe(out)
	sortFindings(out)
	return out
}

// emailOwners returns, for each normalised school address, the indexes in
// rows of the members who would be sent with it. Shared addresses are
// counted over those members, each member once however many situations they
// hold.
func emailOwners(rows []Row, at time.Time, t *fwb.Tables) map[string][]int {
	owners := map[string][]int{}
	sentMembers := map[int64]bool{}
	for i, r := range rows {
		if _, ok := SendRole(r, at, t); !ok {
			continue
		}
		if r.Member.ID != 0 {
			if sentMembers[r.Member.ID] {
				continue
			}
			sentMembers[r.Member.ID] = true
		}
		if e, err := frtext.NormalizeEmail(r.Member.SchoolEmail); err == nil {
			owners[e] = append(owners[e], i)
		}
	}
	return owners
}

// checkEnded warns of a situation that does not cover today but is still
// ticked Actif after its end date.
func checkEnded(r Row, at time.Time, add addFunc) {
	s := r.Situation
	if s.Active && !s.End.IsZero() && s.End.Before(at) {
		add(r, Avertissement, CodeActiveEnded, FieldActive,
			"situation terminée le %s mais toujours cochée Actif : décochez Actif dans sa fiche, ou corrigez la date de fin si la personne travaille encore dans l'école.",
			frtext.FormatDate(s.End))
	}
}

// checkSituation checks a current situation's function, status, charge,
// role and ticks; role is what SendRole gives it, sent whether it is sent.
func checkSituation(r Row, role fwb.Role, sent bool, t *fwb.Tables, add addFunc) {
	s := r.Situation
	f, known := t.Function(s.Function)
	if !known {
		add(r, Avertissement, CodeFunctionUnknown, FieldFunction,
			"fonction « %s » inconnue : choisissez une fonction de la liste dans sa fiche.", s.Function)
	}
	if _, ok := t.Situation(s.Status); s.Status != "" && !ok {
		add(r, Avertissement, CodeStatusUnknown, FieldStatus,
			"situation principale « %s » inconnue : choisissez une situation de la liste dans sa fiche.", s.Status)
	}
	if over, ok := fwb.OverFullTime(s.Charge); ok {
		add(r, Avertissement, CodeChargeOverFullTime, FieldCharge,
			"charge %s %d/%d au-delà d'un temps plein : corrigez la charge dans sa fiche.",
			over.Code, over.Periods, over.FullTime)
	}
	director := s.Promotion || (known && f.Director)
	switch {
	case s.Role == fwb.RoleDirecteur && !director:
		add(r, Avertissement, CodeDirectorRole, FieldRole,
			"rôle extranet Directeur sans fonction de direction (%s) : choisissez le rôle Enseignant, ou cochez « Fonction de promotion » dans sa fiche si la personne dirige l'école.",
			functionName(t, s.Function))
	case s.Role == fwb.RoleEnseignant && director:
		add(r, Avertissement, CodeDirectorFunction, FieldRole,
			"fonction de direction (%s) avec le rôle extranet Enseignant : choisissez le rôle Directeur dans sa fiche.",
			functionName(t, s.Function))
	}
	if s.Present && !s.Active {
		add(r, Avertissement, CodePresentNotActive, FieldActive,
			"coché Présent mais pas Actif, donc non transféré : cochez Actif dans sa fiche si la personne travaille dans l'école, sinon décochez Présent.")
	}
	if s.Active && s.Role == fwb.RoleNone {
		if sent {
			add(r, Information, CodeRoleCompleted, FieldRole,
				"pas de rôle extranet encodé : le transfert lui donnera le rôle « %s » d'après sa fonction %s ; encodez-le dans sa fiche pour le fixer.",
				role, functionName(t, s.Function))
		} else if known {
			add(r, Information, CodeNotSent, FieldRole,
				"pas de rôle extranet : sa fonction %s n'en donne pas, donc non transféré ; encodez un rôle dans sa fiche si la personne doit avoir accès à l'extranet.",
				functionName(t, s.Function))
		}
	}
}

// sortFindings sorts findings by severity, then name in French order, then
// member and situation; stable, so one person's findings of a severity keep
// the order of the fiche.
func sortFindings(out []Finding) {
	slices.SortStableFunc(out, func(a, b Finding) int {
		if a.Severity != b.Severity {
			return int(a.Severity) - int(b.Severity)
		}
		if c := frtext.CompareNames(a.lastName, a.firstName, b.lastName, b.firstName); c != 0 {
			return c
		}
		if a.MemberID != b.MemberID {
			return compareInt(a.MemberID, b.MemberID)
		}
		return compareInt(a.SituationID, b.SituationID)
	})
}

// addFunc adds a finding about a row to the checks' results and returns it,
// for the caller to complete.
type addFunc func(r Row, sev Severity, code, field, format string, args ...any) *Finding

// checkSent runs the blocking checks of a member who would be sent.
func checkSent(r Row, i int, owners map[string][]int, rows []Row, add addFunc) {
	m := r.Member
	switch email := strings.TrimSpace(m.SchoolEmail); email {
	case "":
		add(r, Bloquant, CodeEmailMissing, FieldSchoolEmail,
			"adresse e-mail école manquante : encodez-la dans sa fiche.")
	default:
		n, err := frtext.NormalizeEmail(email)
		if err != nil {
			add(r, Bloquant, CodeEmailInvalid, FieldSchoolEmail, "%s : corrigez l'adresse e-mail école dans sa fiche.", err)
			break
		}
		var others []Row
		for _, j := range owners[n] {
			o := rows[j]
			if j == i || (o.Member.ID != 0 && o.Member.ID == m.ID) {
				continue
			}
			others = append(others, o)
		}
		if len(others) > 0 {
			slices.SortStableFunc(others, func(a, b Row) int {
				return frtext.CompareNames(a.Member.LastName, a.Member.FirstName, b.Member.LastName, b.Member.FirstName)
			})
			names := make([]string, len(others))
			for k, o := range others {
				names[k] = o.DisplayName()
			}
			// The message lists them in the order of their names as written.
			listed := slices.Clone(names)
			frtext.SortStrings(listed)
			f := add(r, Bloquant, CodeEmailShared, FieldSchoolEmail,
				"adresse e-mail école « %s » aussi encodée pour %s : chacun doit avoir sa propre adresse ; corrigez-la dans la fiche concernée.",
				n, strings.Join(listed, ", "))
			f.SharedWith = names
		}
	}
	if strings.TrimSpace(m.LastName) == "" || strings.TrimSpace(m.FirstName) == "" {
		add(r, Bloquant, CodeIdentityMissing, FieldLastName,
			"nom ou prénom manquant : l'extranet ne pourra pas reconnaître la personne ; encodez-les dans sa fiche.")
		return
	}
	// Data stored before the rule for names, or by another program: the
	// extranet would reject the line, so it is held back here and named.
	for _, n := range []struct{ value, what, field string }{{m.LastName, "nom", FieldLastName}, {m.FirstName, "prénom", FieldFirstName}} {
		if f := frtext.CheckName(n.value); f != frtext.NameOK {
			add(r, Bloquant, CodeNameUnreadable, n.field, "%s dans sa fiche.", f.Describe(n.what))
			return
		}
	}
	_, merr := fwb.ParseMatricule(m.Matricule)
	if merr != nil && m.EffectiveBirthDate().IsZero() {
		add(r, Bloquant, CodeIdentityMissing, FieldBirthDate,
			"ni matricule valable ni date de naissance : l'extranet ne pourra pas reconnaître la personne ; encodez sa date de naissance ou son matricule dans sa fiche.")
	}
}

// checkNumbers warns about national numbers and matricules that are not
// valid or do not agree: they are sent, but the extranet may then fail to
// recognise the person.
func checkNumbers(r Row, add addFunc) {
	m := r.Member
	var nn fwb.NationalNumber
	nissOK := false
	if m.NISS != "" {
		n, err := fwb.ParseNISS(m.NISS)
		switch {
		case errors.Is(err, fwb.ErrCheckDigits):
			add(r, Avertissement, CodeNISSCheckDigits, FieldNISS,
				"numéro national « %s » : chiffres de contrôle incorrects, sans doute une faute de frappe ; vérifiez-le (carte d'identité, fiche de paie) et corrigez-le dans sa fiche.", m.NISS)
		case err != nil:
			add(r, Avertissement, CodeNISSInvalid, FieldNISS,
				"numéro national « %s » invalide : %v ; corrigez-le dans sa fiche.", m.NISS, err)
		default:
			nn, nissOK = n, true
		}
	}
	var mat fwb.Matricule
	matOK := false
	if m.Matricule != "" {
		mt, err := fwb.ParseMatricule(m.Matricule)
		if err != nil {
			add(r, Avertissement, CodeMatriculeInvalid, FieldMatricule,
				"matricule « %s » invalide : %v ; corrigez-le dans sa fiche.", m.Matricule, err)
		} else {
			mat, matOK = mt, true
		}
	}
	if nissOK && matOK {
		if err := fwb.CheckAgreement(nn, mat); err != nil {
			add(r, Avertissement, CodeNISSMatriculeMismatch, FieldMatricule, "%v dans sa fiche.", err)
		}
	}
	if nissOK && nn.BirthDateKnown() && !m.BirthDate.IsZero() && !nn.BirthDate.Equal(m.BirthDate) {
		add(r, Avertissement, CodeBirthDateMismatch, FieldBirthDate,
			"date de naissance encodée (%s) différente de celle du numéro national (%s) : corrigez l'une ou l'autre dans sa fiche.",
			frtext.FormatDate(m.BirthDate), frtext.FormatDate(nn.BirthDate))
	}
}

// functionName writes a function as the list shows it, "IP (Instituteur
// Primaire)", or its bare code when the table does not know it.
func functionName(t *fwb.Tables, code string) string {
	if f, ok := t.Function(code); ok {
		return f.Display()
	}
	if code == "" {
		return "non encodée"
	}
	return code
}

// dedupe drops the repeats of a member-level finding for a member with
// several current situations, keeping the first.
func dedupe(fs []Finding) []Finding {
	type key struct {
		member        int64
		code, message string
	}
	seen := map[key]bool{}
	out := fs[:0]
	for _, f := range fs {
		if f.MemberID != 0 {
			k := key{f.MemberID, f.Code, f.Message}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, f)
	}
	return out
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BySituation groups findings by situation, in their order, for the list
// and the fiche.
func BySituation(findings []Finding) map[int64][]Finding {
	out := map[int64][]Finding{}
	for _, f := range findings {
		out[f.SituationID] = append(out[f.SituationID], f)
	}
	return out
}

// BlockedMembers returns the members that a Bloquant finding keeps out of
// the transfer, with the first such finding of each.
func BlockedMembers(findings []Finding) map[int64]Finding {
	out := map[int64]Finding{}
	for _, f := range findings {
		if _, ok := out[f.MemberID]; f.Severity == Bloquant && !ok {
			out[f.MemberID] = f
		}
	}
	return out
}

// Count returns the number of findings of each severity.
func Count(findings []Finding) (blocking, warnings, infos int) {
	for _, f := range findings {
		switch f.Severity {
		case Bloquant:
			blocking++
		case Avertissement:
			warnings++
		default:
			infos++
		}
	}
	return
}
