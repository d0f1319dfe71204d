package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/wire"
)

// check verifies, from the database, that the run lost nothing and did
// nothing twice, and prints each verification. After kills, it first runs
// one more night run, which must complete.
func (r *runner) check(ctx context.Context) error {
	add := r.addCheck
	if r.ran[PhaseSCIM] {
		return r.checkSCIM(ctx, add)
	}
	nightRan := r.ran[PhaseNight]
	if r.cfg.Crash > 0 {
		r.checkFinalNight(ctx, nightRan)
		nightRan = true
	}

	transferred := r.ran[PhaseInitial]
	if transferred {
		bad, detail, err := r.checkGrants(ctx)
		if err != nil {
			return err
		}
		add("every school's grants are its last acknowledged snapshot", bad == 0,
			"%d of %d schools differ%s", bad, len(r.net.Schools), detail)
	}

	v, err := r.store.BenchInvariants(ctx)
	if err != nil {
		return err
	}
	add("every school is registered once", v.Schools == len(r.net.Schools), "%d schools", v.Schools)
	wantPersons := 0
	if transferred {
		wantPersons = len(r.net.Persons)
	}
	add("no person duplicated", v.DuplicatePersons == 0 && v.Persons == wantPersons,
		"%d persons for %d sent, %d identities held twice", v.Persons, wantPersons, v.DuplicatePersons)
	add("every grant and account has its person and school", v.Orphans == 0, "%d orphans", v.Orphans)
	live, people, addresses := 0, map[*Person]bool{}, map[string]bool{}
	if transferred {
		live, people, addresses = r.net.staffSent()
	}
	add("live grants are the staff sent", v.GrantsPending+v.GrantsActive == live,
		"%d pending + %d active for %d staff", v.GrantsPending, v.GrantsActive, live)
	rollover := r.ran[PhaseRollover]
	if nightRan && !rollover {
		r.checkNightOpened(v, len(people), len(addresses))
	}
	if rollover {
		r.checkRollover(add, v, len(people))
	}
	if r.ran[PhaseSMTP] {
		add("every e-mail delivered, once unless killed between sending and marking",
			v.OutboxUnsent == r.rolloverEmails && r.smtpCount == r.smtpSent+r.preMarkKill,
			"%d received by the SMTP server for %d marked sent and %d kills before the mark; %d unsent",
			r.smtpCount, r.smtpSent, r.preMarkKill, v.OutboxUnsent)
	}
	return nil
}

// addCheck records a verification and prints it.
func (r *runner) addCheck(what string, ok bool, format string, args ...any) {
	c := Check{What: what, OK: ok, Detail: fmt.Sprintf(format, args...)}
	r.out.Checks = append(r.out.Checks, c)
	mark := "ok  "
	if !ok {
		mark = "FAIL"
	}
	line := fmt.Sprintf("check %s %s", mark, what)
	if c.Detail != "" {
		line += " (" + c.Detail + ")"
	}
	fmt.Fprintln(r.cfg.Out, line)
}

// checkFinalNight runs one more night run after kills, which must complete
// and, if a night already ran, find nothing it left.
func (r *runner) checkFinalNight(ctx context.Context, nightRan bool) {
	rep, _, err := r.worker(ctx, JobNight, time.Now(), "", 0, false, "final-night")
	switch {
	case err != nil:
		r.addCheck("a night run after the crashes completes", false, "%v", err)
	case len(rep.Errors) > 0:
		r.addCheck("a night run after the crashes completes", false, "%d errors, first: %s", len(rep.Errors), rep.Errors[0])
	case nightRan && (rep.Activated > 0 || rep.Invitations+rep.Notices > 0):
		r.addCheck("a night run after the crashes completes", false,
			"it found work the interrupted night left: %d grants opened, %d e-mails", rep.Activated, rep.Invitations+rep.Notices)
	default:
		r.addCheck("a night run after the crashes completes", true, "%d grants opened, %.2f s", rep.Activated, rep.Seconds)
	}
}

// staffSent counts the staff the schools sent, and returns the persons and
// the addresses among them.
func (n *Network) staffSent() (live int, people map[*Person]bool, addresses map[string]bool) {
	people, addresses = map[*Person]bool{}, map[string]bool{}
	for _, s := range n.Schools {
		live += len(s.Members)
		for _, m := range s.Members {
			people[m.Person] = true
			addresses[m.Email] = true
		}
	}
	return live, people, addresses
}

// checkNightOpened verifies what a night leaves: every grant open, one
// account a person, one e-mail an address.
func (r *runner) checkNightOpened(v extranetstore.Invariants, people, addresses int) {
	r.addCheck("the night opened every pending grant", v.GrantsWaiting == 0 && v.GrantsPending == 0,
		"%d grants still waiting", v.GrantsWaiting)
	r.addCheck("every person with an access has one account", v.Accounts == people && v.PersonsActiveNoAccount == 0,
		"%d accounts for %d persons, %d persons with an active grant and no account", v.Accounts, people, v.PersonsActiveNoAccount)
	// One invitation an address: a person in two schools with two
	// addresses gets one at each, listing that address's access only
	// (docs/security.md).
	r.addCheck("no e-mail twice in the outbox", v.OutboxDuplicatePersons == 0 && v.OutboxDuplicateRecipients == 0 && v.Outbox == addresses,
		"%d messages for %d persons at %d addresses; %d persons and %d addresses with more than one",
		v.Outbox, people, addresses, v.OutboxDuplicatePersons, v.OutboxDuplicateRecipients)
}

// checkGrants compares every school's live grants with the last snapshot
// the extranet acknowledged, or the one sent after it when that one never
// got its answer (the server may have applied it before it was killed).
// It returns how many schools differ and the first difference.
func (r *runner) checkGrants(ctx context.Context) (bad int, detail string, err error) {
	var (
		next   atomic.Int64
		nbad   atomic.Int64
		mu     sync.Mutex
		first  string
		firstE error
		wg     sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(r.net.Schools) || ctx.Err() != nil {
					return
				}
				s := r.net.Schools[i]
				recs, err := r.store.YearGrants(ctx, s.FASE, r.net.Config.SchoolYear)
				if err != nil {
					mu.Lock()
					firstE = err
					mu.Unlock()
					return
				}
				why := "never acknowledged"
				ok := false
				if r.acked[i] != nil {
					ok, why = grantsMatch(recs, r.acked[i])
				}
				if !ok && r.sent[i] != nil && r.sent[i] != r.acked[i] {
					ok, _ = grantsMatch(recs, r.sent[i])
				}
				if !ok {
					nbad.Add(1)
					mu.Lock()
					if first == "" {
						first = fmt.Sprintf("; FASE %d: %s", s.FASE, why)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return int(nbad.Load()), first, firstE
}

// grantsMatch tells whether a school's live grants are exactly snap's
// staff, with the role, e-mail and names it sent, and says why not.
func grantsMatch(recs []extranet.GrantRecord, snap *wire.Snapshot) (bool, string) {
	want := make(map[string]wire.StaffEntry, len(snap.Staff))
	for _, e := range snap.Staff {
		want[personKey(e.Matricule, e.LastName, e.FirstName, e.BirthDate)] = e
	}
	for _, rec := range recs {
		g := rec.Grant
		if !g.Live() {
			continue
		}
		key := "k:" + rec.Person.IdentityKey
		if rec.Person.Matricule != "" {
			key = "m:" + rec.Person.Matricule
		}
		e, ok := want[key]
		if !ok {
			return false, fmt.Sprintf("%s %s has a live grant but is not in the snapshot", g.FirstName, g.LastName)
		}
		t := g.Target()
		if t != (extranet.GrantValues{Role: e.Role, Email: e.Email, LastName: e.LastName, FirstName: e.FirstName}) {
			return false, fmt.Sprintf("%s %s: grant %s <%s>, snapshot %s <%s>", t.FirstName, t.LastName, t.Role, t.Email, e.Role, e.Email)
		}
		delete(want, key)
	}
	if len(want) > 0 {
		return false, fmt.Sprintf("%d people of the snapshot have no live grant", len(want))
	}
	return true, ""
}

// checkRollover checks the end of the rentrée: the new year's grants all
// open, the ended year's all expired, the accounts of the people who left
// disabled and only those, and e-mails only for the people new or changed.
func (r *runner) checkRollover(add func(string, bool, string, ...any), v extranetstore.Invariants, people int) {
	add("the rollover's night opened every grant of the new year", v.GrantsWaiting == 0 && v.GrantsPending == 0,
		"%d grants still waiting", v.GrantsWaiting)
	add("an open account for every person with an access, none for those who left", v.AccountsOpen == people && v.PersonsActiveNoAccount == 0,
		"%d open accounts for %d persons, %d persons with an active grant and no account", v.AccountsOpen, people, v.PersonsActiveNoAccount)
	var p Phase
	if q := r.out.Result.Phase(PhaseRollover); q != nil {
		p = *q
	}
	add("the rollover wrote e-mails only to the people new or changed", p.Emails <= p.NewOrChanged && p.Renewed > 0,
		"%d e-mails for %d people new or changed, %d accesses renewed", p.Emails, p.NewOrChanged, p.Renewed)
}
