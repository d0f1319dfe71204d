package extranet

// La rentrée: a school year ends (fwb.SchoolYear.LastDay) and the next one
// begins, with the same people in most schools. See docs/extranet.md,
// « La rentrée ».

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// DefaultGraceDeadline is the last day of the carry-over when the network
// sets none: 30 September, a month after the first day of classes, when
// every school has sent its new year in practice.
var DefaultGraceDeadline = fwb.MonthDay{Month: time.September, Day: 30}

// DefaultGraceWarning is how long before the grace deadline the direction
// of a school that has not sent the new year is told.
const DefaultGraceWarning = 14 * 24 * time.Hour

// GraceDeadline returns the last day on which the accesses of the ended
// school year are carried over for a school that has not sent the next one:
// the network's day (Service.Grace, DefaultGraceDeadline when zero) of the
// calendar year the next school year starts in. It is never before the next
// year's first day of classes.
func (s *Service) GraceDeadline(ended fwb.SchoolYear) time.Time {
	md := s.Grace
	if md.IsZero() {
		md = DefaultGraceDeadline
	}
	d := md.In(ended.Start + 1)
	if first := ended.Next().FirstDay(); d.Before(first) {
		return first
	}
	return d
}

// CarriedSchool is a school whose accesses of the ended school year are
// carried over: it has not sent the new year yet.
type CarriedSchool struct {
	FASE       int
	Name       string
	SchoolYear string // the ended year
	Grants     int    // its active grants of that year
	Directors  int    // of which with the role Directeur
}

// endedYears returns, among the school years with live grants, those that
// ended at today (a civil date): their grants are carried over or expire.
func endedYears(years []string, today time.Time) []fwb.SchoolYear {
	var out []fwb.SchoolYear
	for _, y := range years {
		sy, err := fwb.ParseSchoolYear(y)
		if err == nil && today.After(sy.LastDay()) {
			out = append(out, sy)
		}
	}
	return out
}

// expireEnded is the night's first step. The grants of an ended school year
// expire when its grace deadline has passed; before, they are carried over,
// except at the schools that sent the next year (the grants that year does
// not renew end, and those it renews give way to the new ones the same
// night) and except the pending ones, which never open.
func (s *Service) expireEnded(ctx context.Context, tx RentreeTx, today time.Time, rep *NightReport) error {
	years, err := tx.LiveSchoolYears(ctx)
	if err != nil {
		return err
	}
	var over []string
	for _, y := range endedYears(years, today) {
		deadline := s.GraceDeadline(y)
		if today.After(deadline) {
			over = append(over, y.String())
			continue
		}
		n, err := tx.ExpireSentOver(ctx, y.String(), y.Next().String())
		if err != nil {
			return err
		}
		rep.Expired += n
	}
	n, err := tx.ExpireGrants(ctx, over)
	rep.Expired += n
	return err
}

// reportCarried writes in the report the accesses carried over after the
// night's expiry, and their deadline.
func (s *Service) reportCarried(ctx context.Context, today time.Time, rep *NightReport) error {
	cs, deadline, err := s.carriedAt(ctx, today, 0)
	if err != nil {
		return err
	}
	for _, c := range cs {
		rep.CarriedOver += c.Grants
		rep.CarriedSchools++
	}
	if rep.CarriedOver > 0 {
		rep.CarryDeadline = deadline.Format(time.DateOnly)
	}
	return nil
}

// Carried returns the schools whose accesses of the ended year are carried
// over now (fase 0: every school), and the last day of the carry-over; none
// outside the carry-over.
func (s *Service) Carried(ctx context.Context, fase int) ([]CarriedSchool, time.Time, error) {
	return s.carriedAt(ctx, fwb.Date(s.now().In(frtext.Brussels)), fase)
}

// carriedAt is Carried on the civil date today.
func (s *Service) carriedAt(ctx context.Context, today time.Time, fase int) ([]CarriedSchool, time.Time, error) {
	ended := fwb.SchoolYearAt(today).Previous()
	deadline := s.GraceDeadline(ended)
	if !today.After(ended.LastDay()) || today.After(deadline) {
		return nil, time.Time{}, nil
	}
	cs, err := s.Store.CarriedOver(ctx, ended.String(), ended.Next().String(), fase)
	return cs, deadline, err
}

// Continuation tells whether opening g continues an access the person
// already had: a grant of the previous school year at the same school,
// active (carried over) or expired with its year — not one the school
// removed. prior holds the person's grants PriorGrants returned. The person
// then keeps working as before: no invitation, no « nouvel accès » notice;
// roleChanged tells whether the role differs, which deserves one plain
// notice.
func Continuation(g Grant, prior []Grant) (continued, roleChanged bool) {
	p := continuedFrom(g, prior)
	if p == nil {
		return false, false
	}
	return true, p.Role != g.Target().Role
}

// continuedFrom is the grant of prior that g continues (Continuation), or nil.
func continuedFrom(g Grant, prior []Grant) *Grant {
	y, err := fwb.ParseSchoolYear(g.SchoolYear)
	if err != nil {
		return nil
	}
	prev := y.Previous().String()
	for i, p := range prior {
		if p.PersonID == g.PersonID && p.FASE == g.FASE && p.SchoolYear == prev &&
			(p.State == GrantActive || p.EndReason == EndExpired) {
			return &prior[i]
		}
	}
	return nil
}

// priorGrants reads what the grants a night batch opens may continue
// (Continuation): the grants of the year before of the persons with an open
// account, the only ones whose e-mail a continuation changes (a new account
// gets its invitation, a reopened one its « rétabli », whatever came
// before). Without such persons, it reads nothing.
func priorGrants(ctx context.Context, tx RentreeTx, pending []PendingGrant) ([]Grant, error) {
	var persons []string
	seen := map[string]bool{}
	for _, pg := range pending {
		a := pg.Account
		if a == nil || a.State == AccountDisabled || seen[pg.Person.ID] {
			continue
		}
		seen[pg.Person.ID] = true
		persons = append(persons, pg.Person.ID)
	}
	years := previousYears(pending)
	if len(persons) == 0 || len(years) == 0 {
		return nil, nil
	}
	return tx.PriorGrants(ctx, persons, years)
}

// previousYears returns the school years before those of the grants, the
// ones PriorGrants reads.
func previousYears(pending []PendingGrant) []string {
	seen := map[string]bool{}
	var out []string
	for _, pg := range pending {
		if pg.Grant.Pending != PendingCreated {
			continue
		}
		y, err := fwb.ParseSchoolYear(pg.Grant.SchoolYear)
		if err != nil || seen[y.Previous().String()] {
			continue
		}
		seen[y.Previous().String()] = true
		out = append(out, y.Previous().String())
	}
	return out
}

// splitContinued sorts the grants a night opens for one person: the fresh
// ones, which the « nouvel accès » notice announces; those that continue an
// access with another role (one plain notice); those that continue an
// access at another address (moved), which the account's address is told
// of when it is not the account's (docs/security.md, rule 3), as a move
// during the year is; and it counts those that continue (Continuation),
// the role changes included.
func splitContinued(opened []PendingGrant, prior []Grant) (fresh, changed, moved []PendingGrant, renewed int) {
	for _, pg := range opened {
		continued, roleChanged := Continuation(pg.Grant, prior)
		switch {
		case !continued:
			fresh = append(fresh, pg)
			continue
		case roleChanged:
			changed = append(changed, pg)
		}
		renewed++
		if movedFrom(pg.Grant, prior) {
			moved = append(moved, pg)
		}
	}
	return fresh, changed, moved, renewed
}

// movedFrom tells whether the access g continues (Continuation) had
// another address.
func movedFrom(g Grant, prior []Grant) bool {
	p := continuedFrom(g, prior)
	return p != nil && p.Target().Email != g.Target().Email
}

// known leaves out of persons those the transfer creates, who had no
// access before.
func known(persons []string, created []Person) []string {
	if len(created) == 0 {
		return persons
	}
	isNew := make(map[string]bool, len(created))
	for _, p := range created {
		isNew[p.ID] = true
	}
	var out []string
	for _, id := range persons {
		if !isNew[id] {
			out = append(out, id)
		}
	}
	return out
}

// CarriedDirector is a director of a school whose accesses are carried over
// (Tx.CarriedDirectors): who to warn as the grace deadline nears.
type CarriedDirector struct {
	PersonID   string
	FASE       int
	SchoolName string
	LastName   string
	FirstName  string
	Email      string // the account's
	Login      string
}

// graceWarning is how long before the deadline directors are told.
func (s *Service) graceWarning() time.Duration {
	if s.GraceWarning > 0 {
		return s.GraceWarning
	}
	return DefaultGraceWarning
}

// GraceWarningFrom returns the first day on which the directors of a school
// that has not sent the year after ended are told that its carried-over
// accesses end soon.
func (s *Service) GraceWarningFrom(ended fwb.SchoolYear) time.Time {
	return s.GraceDeadline(ended).Add(-s.graceWarning())
}

// warnDirections writes, from GraceWarningFrom to the deadline, one e-mail
// to each director (an open account with a Directeur grant carried over) of
// the schools that have not sent the new year, once a year: that the
// accesses end after the deadline, and what to do.
func (s *Service) warnDirections(ctx context.Context, at, today time.Time, nightID string, rep *NightReport) error {
	ended := fwb.SchoolYearAt(today).Previous()
	if !today.After(ended.LastDay()) || today.After(s.GraceDeadline(ended)) || today.Before(s.GraceWarningFrom(ended)) {
		return nil
	}
	return s.Store.Update(ctx, at, func(tx Tx) error {
		ds, err := tx.CarriedDirectors(ctx, ended.String(), ended.Next().String(), ended.LastDay())
		if err != nil {
			return err
		}
		from := s.MailFrom
		if from == "" {
			from = DefaultMailFrom
		}
		var out []OutboxMessage
		for start := 0; start < len(ds); {
			end := start + 1
			for end < len(ds) && ds[end].PersonID == ds[start].PersonID {
				end++
			}
			d := ds[start]
			subject, body := s.graceWarningText(ds[start:end], ended)
			out = append(out, OutboxMessage{
				ID: NewID(), Kind: MailGraceWarning, PersonID: d.PersonID, NightID: nightID, From: from,
				To: recipient(d.LastName, d.FirstName, d.Email), Subject: subject, Text: body, CreatedAt: tx.Now(),
			})
			start = end
		}
		rep.GraceWarnings = len(out)
		return tx.Enqueue(ctx, out)
	})
}

// SubjectGraceWarning is the subject of the directors' warning.
const SubjectGraceWarning = "Rentrée : envoyez la nouvelle année scolaire à l'extranet SeGEC"

// graceWarningText is the e-mail to a director of schools (one or more)
// that have not sent the new year.
func (s *Service) graceWarningText(ds []CarriedDirector, ended fwb.SchoolYear) (subject, text string) {
	var b strings.Builder
	d := ds[0]
	b.WriteString("Bonjour " + frtext.FormatName(d.LastName, d.FirstName) + ",\n\n")
	if len(ds) > 1 {
		b.WriteString("Ces écoles n'ont pas encore envoyé à l'extranet SeGEC leur personnel de l'année scolaire " + ended.Next().String() + " :\n\n")
	} else {
		b.WriteString("Votre école n'a pas encore envoyé à l'extranet SeGEC son personnel de l'année scolaire " + ended.Next().String() + " :\n\n")
	}
	for _, x := range ds {
		b.WriteString("- " + x.SchoolName + " (FASE " + strconv.Itoa(x.FASE) + ")\n")
	}
	deadline := frtext.FormatDate(s.GraceDeadline(ended))
	b.WriteString("\nLes accès de l'année " + ended.String() + " restent ouverts jusqu'au " + deadline + " inclus. " +
		"Ensuite, ils se terminent, et les membres du personnel qui n'ont pas d'autre accès ne peuvent plus se connecter.\n\n")
	b.WriteString("Pour que rien ne s'interrompe, faites avant cette date le transfert de la nouvelle année depuis le module " +
		"Situation école du logiciel de l'école (bouton Extranet SeGEC). Les personnes qui restent dans l'école gardent leur accès, " +
		"sans nouveau courriel.\n")
	mailText{login: d.Login, portalURL: s.PortalURL}.signIn(&b)
	b.WriteString(mailFooter)
	return SubjectGraceWarning, b.String()
}

// rentreeTransfer is what a transfer does about the year before, from one
// read of the school's grants of that year, made when the snapshot creates
// an access for a person known before, leaves a person's access as it is,
// or is the school's first of the year (no live grant of that year yet):
//   - it carries into the new year, unchanged, the active access of the
//     year before of a person the snapshot leaves as it is (a member held
//     back) who has no grant of the new year (carryKept);
//   - it counts the created accesses that continue one of that year at the
//     school (Continuation: active, or expired with its year), which the
//     answer gives as renewed, the carried ones included;
//   - it applies the guard to the first transfer (rentreeGuard).
//
// grants are the school's grants of the snapshot's year.
func rentreeTransfer(ctx context.Context, tx GrantTx, fase int, snap wire.Snapshot, grants []GrantRecord, now time.Time, p *plan) (renewed int, err error) {
	y, err := fwb.ParseSchoolYear(snap.SchoolYear)
	if err != nil || (p.Live > 0 && len(p.Protected) == 0 && len(known(p.Created, p.NewPersons)) == 0) {
		return 0, nil
	}
	prev, err := tx.LockYearGrants(ctx, fase, y.Previous().String())
	if err != nil {
		return 0, err
	}
	sent := make(map[string]bool, len(p.Created))
	for _, id := range p.Created {
		sent[id] = true
	}
	for _, rec := range prev {
		g := rec.Grant
		if sent[g.PersonID] && (g.State == GrantActive || g.EndReason == EndExpired) {
			renewed++
		}
	}
	for _, id := range carryKept(prev, grants, snap.SchoolYear, now, p) {
		sent[id] = true
		renewed++
	}
	if p.Live == 0 && !p.Held {
		rentreeGuard(prev, sent, snap.ConfirmDeactivations, p)
	}
	return renewed, nil
}

// carryKept gives a new grant of the snapshot's year, with the values of
// the year before, to each person the snapshot leaves as it is who has an
// active grant of the year before at the school (prev) and no grant of the
// new year (grants): the school holds them back for a data slip, and their
// access must not end with the year for it. It returns their persons.
func carryKept(prev, grants []GrantRecord, year string, now time.Time, p *plan) []string {
	if len(p.Protected) == 0 {
		return nil
	}
	has := make(map[string]bool, len(grants))
	for _, rec := range grants {
		has[rec.Grant.PersonID] = true
	}
	var out []string
	for _, rec := range prev {
		g := rec.Grant
		if g.State != GrantActive || !p.Protected[g.PersonID] || has[g.PersonID] {
			continue
		}
		p.NewGrants = append(p.NewGrants, Grant{
			ID: NewID(), PersonID: g.PersonID, FASE: g.FASE, SchoolYear: year,
			GrantValues: g.GrantValues, SentBirthDate: g.SentBirthDate, SentMatricule: g.SentMatricule,
			State: GrantPending, Since: now, Pending: PendingCreated, CreatedAt: now, UpdatedAt: now,
		})
		out = append(out, g.PersonID)
	}
	return out
}

// rentreeGuard extends the guard against mass deactivation to a school's
// first transfer of a school year (no live grant of that year yet): the
// active grants of the year before at the school (prev) whose person the
// snapshot does not send end with that year, at the latest the night after
// the transfer (La rentrée). When they are more than the guard allows, the
// transfer is held, its answer listing them as deactivated, until it is
// sent again with confirmDeactivations equal to their number. A school
// whose new year's data are not encoded yet thus does not end its staff's
// accesses by mistake.
func rentreeGuard(prev []GrantRecord, sent map[string]bool, confirm int, p *plan) {
	active := 0
	var ending []wire.Change
	for _, rec := range prev {
		g := rec.Grant
		if g.State != GrantActive {
			continue
		}
		active++
		if !sent[g.PersonID] {
			ending = append(ending, wire.Change{Action: wire.ActionDeactivated, LastName: g.LastName, FirstName: g.FirstName, Role: g.Role, Email: g.Email})
		}
	}
	d := len(ending)
	exceeds := float64(d) > math.Max(GuardMin, GuardShare*float64(active)) || (d > 0 && d == active)
	if !exceeds || confirm == d {
		return
	}
	p.Held, p.Deactivations = true, d
	p.Result.Counts.Deactivated = d
	p.Result.Changes = append(p.Result.Changes, ending...)
	sortChanges(p.Result.Changes)
}
