package school

import (
	"sync"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
)

// CompleteRole returns the extranet role a situation is sent with, and
// whether it was completed rather than encoded. The encoded role wins. Without
// one, a director's function or the "fonction de promotion" flag gives
// Directeur, as the school software does for the direction; otherwise the
// function's default role (Enseignant for teaching functions). A function
// without a role, or unknown to t, gives RoleNone: the member is not sent.
// A nil t means the embedded tables.
func CompleteRole(s Situation, t *fwb.Tables) (role fwb.Role, completed bool) {
	if s.Role != fwb.RoleNone {
		return s.Role, false
	}
	f, known := tables(t).Function(s.Function)
	switch {
	case s.Promotion || (known && f.Director):
		return fwb.RoleDirecteur, true
	case known && f.Role != fwb.RoleNone:
		return f.Role, true
	}
	return fwb.RoleNone, false
}

// SendRole returns the role a row would be sent with to the extranet on the
// civil date at, and false when it would not be sent: the situation must
// cover at, be Actif and have a role, encoded or completed ("Who is sent" in
// docs/transfer.md). Blocking findings are not considered here; see Check.
func SendRole(r Row, at time.Time, t *fwb.Tables) (fwb.Role, bool) {
	if !r.Situation.Active || !r.Situation.Covers(at.In(frtext.Brussels)) {
		return fwb.RoleNone, false
	}
	role, _ := CompleteRole(r.Situation, t)
	return role, role != fwb.RoleNone
}

// EffectiveBirthDate returns the encoded birth date, else the one a valid
// national number gives, else the zero time. The extranet recognises people
// by name and birth date, so a date the NISS proves is as good as a typed one.
func (m Member) EffectiveBirthDate() time.Time {
	if !m.BirthDate.IsZero() {
		return m.BirthDate
	}
	if m.NISS == "" {
		return time.Time{}
	}
	if n, err := fwb.ParseNISS(m.NISS); err == nil {
		return n.BirthDate
	}
	return time.Time{}
}

// tables lets the package's functions take a nil *fwb.Tables to mean the
// embedded tables.
func tables(t *fwb.Tables) *fwb.Tables {
	if t == nil {
		return defaultTables()
	}
	return t
}

// defaultTables is one copy of the embedded tables for the whole package;
// it is only read.
var defaultTables = sync.OnceValue(fwb.DefaultTables)
