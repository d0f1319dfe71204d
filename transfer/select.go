package transfer

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/wire"
)

// Reasons of the Erreur lines for members the school holds back. They end
// "Erreur : Non transféré Jean Dupont – …", so they are short and lower case.
const (
	ReasonNoEmail      = "adresse e-mail école manquante"
	ReasonBadEmail     = "adresse e-mail école invalide"
	reasonSharedPrefix = "adresse e-mail école partagée avec "
	ReasonNoIdentity   = "identité insuffisante (ni matricule ni date de naissance)"
	ReasonNoName       = "identité insuffisante (nom ou prénom manquant)"
)

// reasonKey is a kind of blocking finding: its code and, where one code has
// two reasons, its field ("" for any field).
type reasonKey struct{ code, field string }

// heldReasons are the reasons of the Erreur lines by the blocking finding of
// school.Check that holds the member back. A finding not listed gives its
// own message (shortReason).
var heldReasons = map[reasonKey]string{
	{school.CodeEmailMissing, ""}:                       ReasonNoEmail,
	{school.CodeEmailInvalid, ""}:                       ReasonBadEmail,
	{school.CodeEmailShared, ""}:                        reasonSharedPrefix, // + the others' names
	{school.CodeIdentityMissing, school.FieldLastName}:  ReasonNoName,
	{school.CodeIdentityMissing, school.FieldBirthDate}: ReasonNoIdentity,
}

// heldReason is the tail of the Erreur line of a member that the blocking
// finding f holds back.
func heldReason(f school.Finding) string {
	reason, ok := heldReasons[reasonKey{f.Code, f.Field}]
	if !ok {
		reason, ok = heldReasons[reasonKey{f.Code, ""}]
	}
	switch {
	case !ok:
		return shortReason(f)
	case f.Code == school.CodeEmailShared:
		// The other members, so that the secretary knows whose record to
		// correct.
		return reason + nameList(f.SharedWith)
	}
	return reason
}

// nameList writes "A", "A et B", "A, B et C".
func nameList(names []string) string {
	if n := len(names); n > 1 {
		return strings.Join(names[:n-1], ", ") + " et " + names[n-1]
	}
	return strings.Join(names, "")
}

// Selection is who a transfer sends, decided by Select: the snapshot for the
// extranet, the roles the transfer completes on the school's side, and the
// members it holds back.
type Selection struct {
	// At is the moment the selection was made for; its civil date decides
	// which situations count.
	At         time.Time
	SchoolYear fwb.SchoolYear
	// Snapshot is what goes to the extranet; its ConfirmDeactivations is left
	// at 0 for the Runner to set.
	Snapshot wire.Snapshot
	// Completions are the situations sent with a role taken from their
	// function because none was encoded ("Complété Rôle Extranet").
	Completions []Completion
	// HeldBack are the members kept out of the snapshot by a blocking
	// finding; each gets an Erreur line.
	HeldBack []HeldBack
}

// Completion is a role the transfer writes on a situation that had none.
type Completion struct {
	SituationID int64
	MemberID    int64
	LastName    string
	FirstName   string
	Role        fwb.Role
}

// HeldBack is a member kept out of the snapshot, and why.
type HeldBack struct {
	MemberID  int64
	LastName  string
	FirstName string
	// Sex agrees the Erreur line: « Non transférée » for a woman.
	Sex  fwb.Sex
	Role fwb.Role
	// Reason is the short French reason of the Erreur line.
	Reason string
}

// RoleCompletions returns the completions in the form the store writes.
func (s Selection) RoleCompletions() []school.RoleCompletion {
	out := make([]school.RoleCompletion, 0, len(s.Completions))
	for _, c := range s.Completions {
		out = append(out, school.RoleCompletion{SituationID: c.SituationID, Role: c.Role})
	}
	return out
}

// candidate is a member who would be sent: their current, active situations
// with a role.
type candidate struct {
	member      school.Member
	role        fwb.Role
	completions []Completion
}

// Select decides who a transfer made at "at" sends (docs/transfer.md, "Who
// is sent"): every member with a situation covering at's civil date, Actif, and
// an extranet role encoded or completed from the function
// (school.CompleteRole). The e-mail sent is the school e-mail. A member with a
// blocking finding (school.Check: school e-mail missing, invalid or shared,
// identity insufficient) is held back: no staff entry but a keep entry, so
// the extranet leaves any role they already have as it is. The reason of
// their Erreur line comes from their first blocking finding (heldReasons).
func Select(rows []school.Row, at time.Time, t *fwb.Tables) Selection {
	if t == nil {
		t = fwb.DefaultTables()
	}
	// The school's "today" is Brussels', whatever the server's time zone:
	// at 00:30 in Brussels a UTC host is still on the day before.
	at = at.In(frtext.Brussels)
	year := fwb.SchoolYearAt(at)
	sel := Selection{At: at, SchoolYear: year}
	sel.Snapshot = wire.Snapshot{SchoolYear: year.String(), Staff: []wire.StaffEntry{}, Keep: []wire.KeepEntry{}}

	blocked := school.BlockedMembers(school.Check(rows, at, t))
	for _, c := range candidates(rows, at, t) {
		if f, ok := blocked[c.member.ID]; ok {
			sel.holdBack(c, f)
			continue
		}
		sel.send(c)
	}
	sel.sort()
	return sel
}

// candidates returns the members who would be sent, once each in the order
// of rows, with their role and the roles completed from their functions.
func candidates(rows []school.Row, at time.Time, t *fwb.Tables) []*candidate {
	byMember := map[int64]*candidate{}
	var order []*candidate
	for _, r := range rows {
		s := r.Situation
		role, sent := school.SendRole(r, at, t)
		if !sent {
			continue
		}
		completed := s.Role == fwb.RoleNone // the role comes from the function
		c := byMember[r.Member.ID]
		if c == nil {
			c = &candidate{member: r.Member}
			byMember[r.Member.ID] = c
			order = append(order, c)
		}
		// A member with two current situations gets one grant; the
		// director's role wins since it gives the wider access.
		if c.role != fwb.RoleDirecteur {
			c.role = role
		}
		if completed {
			c.completions = append(c.completions, Completion{
				SituationID: s.ID, MemberID: r.Member.ID,
				LastName: r.Member.LastName, FirstName: r.Member.FirstName, Role: role,
			})
		}
	}
	return order
}

// holdBack holds back a candidate that Check blocks with finding f, and
// keeps their access as it is with a keep entry.
func (sel *Selection) holdBack(c *candidate, f school.Finding) {
	// A name held back for being unreadable is shown safely: a
	// bidi override would show another name than the member's.
	sel.HeldBack = append(sel.HeldBack, HeldBack{
		MemberID: c.member.ID, LastName: frtext.SafeName(c.member.LastName), FirstName: frtext.SafeName(c.member.FirstName),
		Sex: c.member.Sex, Role: c.role, Reason: heldReason(f),
	})
	birth := birthDate(c.member)
	matricule := matriculeOf(c.member)
	// A keep entry the extranet cannot recognise anyone by is no use.
	if birth != "" || matricule != "" {
		sel.Snapshot.Keep = append(sel.Snapshot.Keep, wire.KeepEntry{
			LastName: strings.TrimSpace(c.member.LastName), FirstName: strings.TrimSpace(c.member.FirstName),
			BirthDate: birth, Matricule: matricule,
		})
	}
}

// send adds a candidate to the staff sent, with their completed roles.
func (sel *Selection) send(c *candidate) {
	// Check blocks a missing or invalid address, so this one is valid;
	// it is sent normalised, since "Jean.Dupont@Ecole.be" and
	// "jean.dupont@ecole.be" reach the same mailbox.
	email, _ := frtext.NormalizeEmail(c.member.SchoolEmail)
	sel.Snapshot.Staff = append(sel.Snapshot.Staff, wire.StaffEntry{
		LastName: strings.TrimSpace(c.member.LastName), FirstName: strings.TrimSpace(c.member.FirstName),
		BirthDate: birthDate(c.member), Matricule: matriculeOf(c.member), Email: email, Role: string(c.role),
	})
	sel.Completions = append(sel.Completions, c.completions...)
}

// sort puts the selection in a total order, which makes the same staff the
// same request, byte for byte, whatever order the store reads them in: a
// school's sendings compare as they are. It keeps the request readable too.
func (sel *Selection) sort() {
	slices.SortFunc(sel.Snapshot.Staff, func(a, b wire.StaffEntry) int {
		if c := frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.BirthDate, b.BirthDate), strings.Compare(a.Matricule, b.Matricule),
			strings.Compare(a.Email, b.Email), strings.Compare(a.Role, b.Role))
	})
	slices.SortFunc(sel.Snapshot.Keep, func(a, b wire.KeepEntry) int {
		if c := frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.BirthDate, b.BirthDate), strings.Compare(a.Matricule, b.Matricule))
	})
	slices.SortStableFunc(sel.Completions, func(a, b Completion) int {
		return frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName)
	})
	slices.SortStableFunc(sel.HeldBack, func(a, b HeldBack) int {
		return frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName)
	})
}

// birthDate is the member's effective birth date as the extranet wants it
// (YYYY-MM-DD): the encoded one, else the one the national number gives.
func birthDate(m school.Member) string {
	if d := m.EffectiveBirthDate(); !d.IsZero() {
		return d.Format(time.DateOnly)
	}
	return ""
}

// matriculeOf returns the member's matricule when it is well formed: an
// invalid one would make the extranet look for the wrong person.
func matriculeOf(m school.Member) string {
	if m.Matricule == "" {
		return ""
	}
	mat, err := fwb.ParseMatricule(m.Matricule)
	if err != nil {
		return ""
	}
	return mat.Number
}

// shortReason turns a finding into the tail of an Erreur line: its message,
// without a final period and starting lower case, as the other reasons.
func shortReason(x school.Finding) string {
	m := strings.TrimSuffix(strings.TrimSpace(x.Message), ".")
	if m == "" {
		m = x.Code
	}
	if r := []rune(m); len(r) > 1 && r[0] >= 'A' && r[0] <= 'Z' && !(r[1] >= 'A' && r[1] <= 'Z') {
		m = strings.ToLower(string(r[0])) + string(r[1:])
	}
	return m
}
