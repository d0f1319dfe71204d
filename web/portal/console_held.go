package portal

import (
	"context"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/wire"
)

// heldPerson is one person a held transfer would have deactivated, as the
// operator asks the school about them.
type heldPerson struct {
	Name, Login, Role, Email string
	Since                    time.Time // the grant's state since
	State                    string    // the grant's state now
	LastTransfer             *extranet.TransferRecord
}

// heldPeople lists the people a held transfer would have deactivated, with
// their access as it stands and the last applied transfer of the school
// year before it: the last one that sent them, since an applied transfer
// that did not would have deactivated them.
func (s *server) heldPeople(ctx context.Context, t extranet.TransferRecord) ([]heldPerson, error) {
	if t.Outcome != extranet.OutcomeHeld {
		return nil, nil
	}
	grants, err := s.cfg.Store.YearGrants(ctx, t.FASE, t.SchoolYear)
	if err != nil {
		return nil, err
	}
	before, err := s.cfg.Store.Transfers(ctx, extranet.TransferFilter{FASE: t.FASE, To: t.At, Outcome: extranet.OutcomeApplied, Limit: 50})
	if err != nil {
		return nil, err
	}
	var last *extranet.TransferRecord
	for i := range before {
		if before[i].SchoolYear == t.SchoolYear {
			last = &before[i]
			break
		}
	}
	var out []heldPerson
	for _, c := range t.Changes {
		if c.Action != wire.ActionDeactivated {
			continue
		}
		p := heldPerson{Name: frtext.ListName(c.LastName, c.FirstName), Role: c.Role, Email: c.Email, LastTransfer: last}
		for _, g := range grants {
			if g.Grant.Email == c.Email && g.Grant.PersonID != "" && g.Grant.Live() {
				p.Login, p.Since, p.State = g.Login, g.Grant.Since, g.Grant.State
				break
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// heldNames writes the names of the people a held transfer would have
// deactivated, the first five, for the list of held transfers:
// « Jean Dupont, Luc Martin et 3 autres ».
func heldNames(t extranet.TransferRecord) string {
	const shown = 5
	var names []string
	more := 0
	for _, c := range t.Changes {
		if c.Action != wire.ActionDeactivated {
			continue
		}
		if len(names) < shown {
			names = append(names, frtext.FormatName(c.LastName, c.FirstName))
		} else {
			more++
		}
	}
	out := strings.Join(names, ", ")
	if more > 0 {
		out += " et " + frtext.Plural(more, "autre", "autres")
	}
	return out
}
