package extranet

// La rentrée of a school fed by SCIM (docs/scim.md, « La rentrée »). A
// SCIM user is a grant of the current school year, and an identity
// provider sends a user again only when it changes: left alone, the users
// of such a school would vanish from SCIM the day the year ends, and their
// accesses, carried over, would end at the grace deadline. So the night
// that follows the end of a school year carries, for each school fed by
// SCIM that has not sent the new year, its live accesses into the new one:
// those of the ended year end, the new ones are renewed without a gap or
// an e-mail (Continuation), and each new grant gets the SCIM data of the
// user it continues, with its id (SCIMMeta.UserID).

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"passerelle/fwb"
	"passerelle/wire"
)

// ActorRentree is the actor of the transfers the night makes for the
// schools fed by SCIM.
const ActorRentree = "night"

// renewSCIMSchools carries the users of the schools fed by SCIM into the
// school year that began (SCIMFedSchools), one transaction a school, during
// the carry-over only: after the grace deadline the accesses of the ended
// year are gone, and the identity provider provisions the new year. A
// school whose renewal fails keeps the carry-over, and the report says
// why.
func (s *Service) renewSCIMSchools(ctx context.Context, at, today time.Time, rep *NightReport) error {
	type school struct {
		fase  int
		ended fwb.SchoolYear
	}
	var todo []school
	err := s.Store.Update(ctx, at, func(tx Tx) error {
		todo = nil
		years, err := tx.LiveSchoolYears(ctx)
		if err != nil {
			return err
		}
		for _, y := range endedYears(years, today) {
			if today.After(s.GraceDeadline(y)) {
				continue
			}
			fases, err := tx.SCIMFedSchools(ctx, y.String(), y.Next().String(), 0)
			if err != nil {
				return err
			}
			for _, f := range fases {
				todo = append(todo, school{f, y})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, sc := range todo {
		var notes []string
		err := s.Store.Update(ctx, at, func(tx Tx) error {
			notes = nil
			return s.renewSCIMSchool(ctx, tx, sc.fase, sc.ended, at, &notes)
		})
		for _, n := range notes {
			if err == nil {
				rep.addError(fmt.Sprintf("rentrée SCIM de l'école %d : %s", sc.fase, n))
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log().Warn("scim rentrée not done", "fase", sc.fase, "schoolYear", sc.ended.Next().String(), "err", err)
			rep.addError(fmt.Sprintf("rentrée SCIM de l'école %d non faite, ses accès restent reconduits : %v", sc.fase, err))
			continue
		}
		rep.SCIMSchoolsRenewed++
	}
	return nil
}

// renewSCIMSchool carries the live accesses of school fase's ended school
// year into the next one, each to the same person with the values its
// school gave it (as carryKept does for a member a snapshot holds back),
// ends those of the ended year, and journals it as a transfer. Reconcile does not
// run: identifying the school's people again in an empty year would read
// only the person's own spelling (another school may have renamed them)
// and could recognise someone else; the accesses are the school's already.
//
// A person with a grant of the new year, live or not, is left to it: the
// identity provider created or deactivated that user since. An access
// still pending, never opened, is carried as a new one: its grant of the
// ended year ends as removed, not expired, so the night tells of it as of
// any new access (an invitation, or a notice to the account's address),
// instead of taking it for a continuation.
func (s *Service) renewSCIMSchool(ctx context.Context, tx Tx, fase int, ended fwb.SchoolYear, at time.Time, notes *[]string) error {
	next := ended.Next().String()
	if _, err := tx.LockSchool(ctx, fase); err != nil {
		return err
	}
	// Listed before its transaction: the school may have sent the year
	// since, and its snapshot decides then.
	fed, err := tx.SCIMFedSchools(ctx, ended.String(), next, fase)
	if err != nil || len(fed) == 0 {
		return err
	}
	old, err := tx.LockYearGrants(ctx, fase, ended.String())
	if err != nil {
		return err
	}
	cur, err := tx.LockYearGrants(ctx, fase, next)
	if err != nil {
		return err
	}
	has := make(map[string]bool, len(cur))
	for _, r := range cur {
		has[r.Person.ID] = true
	}
	carried := map[string]Grant{} // person → grant of the ended year
	var p plan
	var endNow, neverOpened []string
	for _, r := range old {
		g := r.Grant
		if !g.Live() {
			continue
		}
		if g.State == GrantActive {
			endNow = append(endNow, g.ID)
		} else {
			neverOpened = append(neverOpened, g.ID)
		}
		if has[g.PersonID] {
			continue
		}
		carried[g.PersonID] = g
		p.NewGrants = append(p.NewGrants, Grant{
			ID: NewID(), PersonID: g.PersonID, FASE: fase, SchoolYear: next,
			GrantValues: g.Target(), SentBirthDate: g.SentBirthDate, SentMatricule: g.SentMatricule,
			State: GrantPending, Since: at, Pending: PendingCreated, CreatedAt: at, UpdatedAt: at,
		})
		v := g.Target()
		p.Result.Changes = append(p.Result.Changes, wire.Change{Action: wire.ActionCreated,
			LastName: v.LastName, FirstName: v.FirstName, Role: v.Role, Email: v.Email})
		if g.State == GrantActive {
			p.Result.Counts.Renewed++
		}
	}
	if err := tx.InsertGrants(ctx, p.NewGrants); err != nil {
		return err
	}
	// The accesses of the ended year give way now, as a school's sent
	// year makes them at the night's expiry: the new ones open in the same
	// run, before any account is disabled.
	if err := tx.DeactivateGrants(ctx, endNow, EndExpired); err != nil {
		return err
	}
	if err := tx.DeactivateGrants(ctx, neverOpened, EndRemoved); err != nil {
		return err
	}
	result := p.Result
	result.SchoolYear, result.TransferID, result.EffectiveAt = next, NewID(), s.nextNight(at)
	result.Counts.Created = len(p.NewGrants)
	p.Live = len(p.NewGrants) // the school's live grants of the new year, as the journal counts them
	for _, r := range cur {
		if r.Grant.Live() {
			p.Live++
		}
	}
	// Not marked sent (school_years_sent): that stays the mark of a
	// school's own snapshot, which SCIMFedSchools reads at every rentrée.
	rec := appliedRecords(fase, "", "", ActorRentree, at, result, p)
	if err := tx.RecordTransfer(ctx, rec); err != nil {
		return err
	}
	return carrySCIMData(ctx, tx, fase, next, carried, notes)
}

// carrySCIMData gives each grant of the new year whose person had one of
// carried the SCIM data of that grant's user, with its id and creation,
// and checks that the carry renewed exactly those persons. What the
// operators should know goes to notes.
func carrySCIMData(ctx context.Context, tx Tx, fase int, next string, carried map[string]Grant, notes *[]string) error {
	meta, err := tx.SCIMMeta(ctx, fase)
	if err != nil {
		return err
	}
	grants, err := tx.LockYearGrants(ctx, fase, next)
	if err != nil {
		return err
	}
	// The userNames of the users the new year has already: one given again
	// between midnight and the run is not carried (one userName, one user).
	taken := map[string]string{}
	for _, r := range grants {
		if _, isCarried := carried[r.Person.ID]; isCarried {
			continue
		}
		if u, shown := scimUserOf(r.Grant, meta[r.Grant.ID]); shown {
			taken[foldUserName(u.UserName)] = u.ID
		}
	}
	renewed := 0
	for _, r := range grants {
		prev, ok := carried[r.Person.ID]
		if !ok {
			continue
		}
		renewed++
		if _, has := meta[r.Grant.ID]; has {
			continue
		}
		pm := meta[prev.ID]
		u, shown := scimUserOf(prev, pm)
		if !shown {
			continue
		}
		m := SCIMMeta{ExternalID: pm.ExternalID, UserName: pm.UserName, DisplayName: pm.DisplayName, RecreatedAt: u.Created, UserID: u.ID}
		if other, clash := taken[foldUserName(u.UserName)]; clash {
			// Carried without it: shown by its address, until its
			// identity provider names it again.
			m.UserName = ""
			*notes = append(*notes, fmt.Sprintf("l'utilisateur %s garde son accès sans son userName « %s », donné entre-temps à l'utilisateur %s",
				u.ID, u.UserName, other))
		}
		if err := tx.SaveSCIMMeta(ctx, fase, r.Grant.ID, m); err != nil {
			return err
		}
	}
	if renewed != len(carried) {
		return fmt.Errorf("%d accès de la nouvelle année pour %d utilisateurs repris", renewed, len(carried))
	}
	return nil
}

// foldUserName is a userName as uniqueUserName compares it: case and the
// spelling of accented letters ignored.
func foldUserName(s string) string { return strings.ToLower(norm.NFC.String(s)) }
