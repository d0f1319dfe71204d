package transfer

import (
	"slices"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
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
	Snapshot extranet.Snapshot
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
	Role      fwb.Role
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
	email       string // normalised school e-mail; "" when missing or invalid
	emailErr    bool   // the school e-mail is present but invalid
	completions []Completion
	situations  map[int64]bool
}

// Select decides who a transfer made at "at" sends (docs/transfer.md, "Who
// is sent"): every member with a situation covering at's civil date, Actif, and
// an extranet role encoded or completed from the function
// (school.CompleteRole). The e-mail sent is the school e-mail. A member with a
// blocking finding (school.Check) is held back: no staff entry but a keep
// entry, so the extranet leaves any role they already have as it is.
//
// Select checks the four reasons that hold a member back itself as well
// (school e-mail missing, invalid, shared; identity insufficient), so that the
// snapshot it builds is one the extranet accepts whatever Check reports;
// any other blocking finding holds the member back with its own message.
func Select(rows []school.Row, at time.Time, t *fwb.Tables) Selection {
	if t == nil {
		t = fwb.DefaultTables()
	}
	// The school's "today" is Brussels', whatever the server's time zone:
	// at 00:30 in Brussels a UTC host is still on the day before.
	at = at.In(frtext.Brussels)
	year := fwb.SchoolYearAt(at)
	sel := Selection{At: at, SchoolYear: year}
	sel.Snapshot = extranet.Snapshot{SchoolYear: year.String(), Staff: []extranet.StaffEntry{}, Keep: []extranet.KeepEntry{}}

	byMember := map[int64]*candidate{}
	var order []*candidate
	for _, r := range rows {
		s := r.Situation
		if !s.Active || !s.Covers(at) {
			continue
		}
		role, completed := school.CompleteRole(s, t)
		if role == fwb.RoleNone {
			continue // neither a teacher nor a director: not sent
		}
		c := byMember[r.Member.ID]
		if c == nil {
			c = &candidate{member: r.Member, situations: map[int64]bool{}}
			byMember[r.Member.ID] = c
			order = append(order, c)
		}
		c.situations[s.ID] = true
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

	// E-mail addresses are compared normalised, since "Jean.Dupont@Ecole.be"
	// and "jean.dupont@ecole.be" reach the same mailbox.
	users := map[string][]*candidate{}
	for _, c := range order {
		if strings.TrimSpace(c.member.SchoolEmail) == "" {
			continue
		}
		e, err := frtext.NormalizeEmail(c.member.SchoolEmail)
		if err != nil {
			c.emailErr = true
			continue
		}
		c.email = e
		users[e] = append(users[e], c)
	}

	blocking := blockingFindings(rows, at, t)
	for _, c := range order {
		birth := birthDate(c.member)
		matricule := matriculeOf(c.member)
		reason := ""
		switch {
		case c.emailErr:
			reason = ReasonBadEmail
		case c.email == "":
			reason = ReasonNoEmail
		case len(users[c.email]) > 1:
			reason = sharedReason(c, users[c.email])
		case strings.TrimSpace(c.member.LastName) == "" || strings.TrimSpace(c.member.FirstName) == "":
			reason = ReasonNoName
		case birth == "" && matricule == "":
			reason = ReasonNoIdentity
		default:
			reason = blocking.reason(c)
		}
		if reason != "" {
			sel.HeldBack = append(sel.HeldBack, HeldBack{
				MemberID: c.member.ID, LastName: c.member.LastName, FirstName: c.member.FirstName,
				Role: c.role, Reason: reason,
			})
			// A keep entry the extranet cannot recognise anyone by is no use.
			if birth != "" || matricule != "" {
				sel.Snapshot.Keep = append(sel.Snapshot.Keep, extranet.KeepEntry{
					LastName: strings.TrimSpace(c.member.LastName), FirstName: strings.TrimSpace(c.member.FirstName),
					BirthDate: birth, Matricule: matricule,
				})
			}
			continue
		}
		sel.Snapshot.Staff = append(sel.Snapshot.Staff, extranet.StaffEntry{
			LastName: strings.TrimSpace(c.member.LastName), FirstName: strings.TrimSpace(c.member.FirstName),
			BirthDate: birth, Matricule: matricule, Email: c.email, Role: string(c.role),
		})
		sel.Completions = append(sel.Completions, c.completions...)
	}

	// A stable order makes two snapshots of the same school compare equal
	// and keeps the request readable.
	slices.SortStableFunc(sel.Snapshot.Staff, func(a, b extranet.StaffEntry) int {
		return frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName)
	})
	slices.SortStableFunc(sel.Snapshot.Keep, func(a, b extranet.KeepEntry) int {
		return frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName)
	})
	slices.SortStableFunc(sel.Completions, func(a, b Completion) int {
		return frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName)
	})
	slices.SortStableFunc(sel.HeldBack, func(a, b HeldBack) int {
		return frtext.CompareNames(a.LastName, a.FirstName, b.LastName, b.FirstName)
	})
	return sel
}

// sharedReason names the other members who use c's address, so that the
// secretary knows whose record to correct.
func sharedReason(c *candidate, users []*candidate) string {
	var names []*candidate
	for _, o := range users {
		if o != c {
			names = append(names, o)
		}
	}
	slices.SortFunc(names, func(a, b *candidate) int {
		return frtext.CompareNames(a.member.LastName, a.member.FirstName, b.member.LastName, b.member.FirstName)
	})
	parts := make([]string, len(names))
	for i, o := range names {
		parts[i] = frtext.FormatName(o.member.LastName, o.member.FirstName)
	}
	list := parts[0]
	if n := len(parts); n > 1 {
		list = strings.Join(parts[:n-1], ", ") + " et " + parts[n-1]
	}
	return reasonSharedPrefix + list
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

// findings indexes the blocking findings of school.Check by member and by
// situation.
type findings struct {
	byMember    map[int64][]school.Finding
	bySituation map[int64][]school.Finding
}

func blockingFindings(rows []school.Row, at time.Time, t *fwb.Tables) findings {
	f := findings{byMember: map[int64][]school.Finding{}, bySituation: map[int64][]school.Finding{}}
	for _, x := range school.Check(rows, at, t) {
		if x.Severity != school.Bloquant {
			continue
		}
		if x.MemberID != 0 {
			f.byMember[x.MemberID] = append(f.byMember[x.MemberID], x)
		} else if x.SituationID != 0 {
			f.bySituation[x.SituationID] = append(f.bySituation[x.SituationID], x)
		}
	}
	return f
}

// reason returns the reason of the first blocking finding about c, or "".
func (f findings) reason(c *candidate) string {
	list := f.byMember[c.member.ID]
	for id := range c.situations {
		list = append(list, f.bySituation[id]...)
	}
	if len(list) == 0 {
		return ""
	}
	slices.SortFunc(list, func(a, b school.Finding) int { return strings.Compare(a.Code, b.Code) })
	return shortReason(list[0])
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
