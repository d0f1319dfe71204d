package extranet

// La rentrée of a school fed by SCIM (docs/scim.md, « La rentrée »). A
// SCIM user is a grant of the current school year, and an identity
// provider sends a user again only when it changes: left alone, the users
// of such a school would vanish from SCIM the day the year ends, their
// deactivations would answer 404, and their accesses, carried over, would
// end at the grace deadline. So the night that follows the end of a school
// year sends, for each school fed by SCIM that has not sent the new year,
// the snapshot its users make, as the school's software would: the same
// rules, the year marked sent, the accesses renewed without a gap or an
// e-mail (Continuation), and each new grant given the SCIM data of the
// user it continues, with its id (SCIMMeta.UserID).

import (
	"context"
	"fmt"
	"strings"
	"time"

	"passerelle/frtext"
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
// school whose snapshot does not come out as its users renewed (a
// rejection, another person recognised, the guard) keeps the carry-over,
// and the report says why.
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
			fases, err := tx.SCIMFedSchools(ctx, y.String(), y.Next().String())
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
		err := s.Store.Update(ctx, at, func(tx Tx) error {
			return s.renewSCIMSchool(ctx, tx, sc.fase, sc.ended, at)
		})
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

// renewSCIMSchool sends for school fase the snapshot of the school year
// after ended that its users make: the live grants of that year as they
// are, and those of the ended year of the persons who have none, then
// gives each renewed grant the SCIM data of the user it continues.
func (s *Service) renewSCIMSchool(ctx context.Context, tx Tx, fase int, ended fwb.SchoolYear, at time.Time) error {
	next := ended.Next().String()
	if _, err := tx.LockSchool(ctx, fase); err != nil {
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
	snap := wire.Snapshot{SchoolYear: next}
	kept := map[string]bool{} // persons with a live grant of the new year
	for _, r := range cur {
		if r.Grant.Live() {
			kept[r.Person.ID] = true
			snap.Staff = append(snap.Staff, sentEntry(r.Grant))
		}
	}
	carried := map[string]Grant{} // person → grant of the ended year
	for _, r := range old {
		if r.Grant.Live() && !kept[r.Person.ID] {
			carried[r.Person.ID] = r.Grant
			snap.Staff = append(snap.Staff, sentEntry(r.Grant))
		}
	}
	t, err := newSchoolTransfer(fase, snap, TransferOptions{Actor: ActorRentree}, at)
	if err != nil {
		return err
	}
	var out transferOutcome
	if err := s.transferTx(ctx, tx, t, &out); err != nil {
		return err
	}
	c := out.result.Counts
	switch {
	case out.held != nil:
		return fmt.Errorf("la garde retient %s", frtext.Plural(out.held.Deactivations, "désactivation", "désactivations"))
	case c.Rejected > 0:
		var rejected []string
		for _, ch := range out.result.Changes {
			if ch.Action == wire.ActionRejected {
				rejected = append(rejected, ch.FirstName+" "+ch.LastName+" ("+ch.Reason+")")
			}
		}
		return fmt.Errorf("%s : %s", frtext.PluralForm(len(rejected), "un utilisateur n'est plus reconnu sans doute possible",
			"des utilisateurs ne sont plus reconnus sans doute possible"), strings.Join(rejected, " ; "))
	case c.Deactivated > 0 || c.Modified > 0 || c.Created != len(carried):
		return fmt.Errorf("la nouvelle année ne reprend pas ses utilisateurs tels quels : %s pour %s, %s, %s",
			frtext.Plural(c.Created, "accès créé", "accès créés"), frtext.Plural(len(carried), "utilisateur", "utilisateurs"),
			frtext.Plural(c.Modified, "modifié", "modifiés"), frtext.Plural(c.Deactivated, "désactivé", "désactivés"))
	}
	return carrySCIMData(ctx, tx, fase, next, carried)
}

// sentEntry is grant g as its school sent it: the values it is heading
// for, with the birth date and matricule sent.
func sentEntry(g Grant) wire.StaffEntry {
	v := g.Target()
	return wire.StaffEntry{LastName: v.LastName, FirstName: v.FirstName, BirthDate: g.SentBirthDate,
		Matricule: g.SentMatricule, Email: v.Email, Role: v.Role}
}

// carrySCIMData gives each grant of the new year whose person had one of
// carried the SCIM data of that grant's user, with its id and creation,
// and checks that the snapshot renewed exactly those persons.
func carrySCIMData(ctx context.Context, tx Tx, fase int, next string, carried map[string]Grant) error {
	meta, err := tx.SCIMMeta(ctx, fase)
	if err != nil {
		return err
	}
	grants, err := tx.LockYearGrants(ctx, fase, next)
	if err != nil {
		return err
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
		if err := tx.SaveSCIMMeta(ctx, fase, r.Grant.ID, m); err != nil {
			return err
		}
	}
	if renewed != len(carried) {
		return fmt.Errorf("%d accès renouvelés pour %d utilisateurs : une autre personne a été reconnue", renewed, len(carried))
	}
	return nil
}
