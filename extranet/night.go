package extranet

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"runtime"
	"sync"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/mail"
)

// Night-run tuning.
const (
	// nightBatch is the number of persons opened per transaction: large
	// enough to keep round trips few, small enough that a crash loses
	// little work and a transfer never waits long for the rows it locks.
	nightBatch = 500
	// idempotencyTTL is how long transfer idempotency keys are kept (at
	// least the 24 hours promised to clients).
	idempotencyTTL = 48 * time.Hour
	// maxTempFailures stops delivery after this many temporary failures in
	// a row: the mail server is down, and the messages wait for the next run.
	maxTempFailures = 3
	// maxReportErrors bounds the errors kept in a report.
	maxReportErrors = 50
)

// Night runs the night: it expires the grants of ended school years, opens
// the pending grants and applies the waiting modifications, creates the
// accounts of new persons with their invitations and tells known persons of
// their new accesses, disables the accounts left without an active grant,
// then delivers the outbox through sender (nil: the e-mails wait in the
// outbox for a later run or Deliver). at is the run's clock (zero: now); it
// decides which school years ended and stamps the changes.
//
// One run at a time: a second one, in this process or another on the same
// database, gets ErrNightRunning. Each step commits on its own (the opening
// of grants in batches of persons, each batch with its e-mails in the
// outbox, several batches in flight: one per partition of the persons by
// login base, so that the logins do not depend on the parallelism), so a run
// killed midway loses nothing: the next run carries on, and delivers the
// e-mails not yet sent, and only those.
//
// Service.NightObserver, when set, is told of the outcome of every run.
func (s *Service) Night(ctx context.Context, at time.Time, sender mail.Sender) (NightReport, error) {
	rep, err := s.runNight(ctx, at, sender)
	if s.NightObserver != nil {
		s.NightObserver(rep, err)
	}
	return rep, err
}

func (s *Service) runNight(ctx context.Context, at time.Time, sender mail.Sender) (NightReport, error) {
	if at.IsZero() {
		at = s.now()
	}
	release, err := s.Store.LockNight(ctx)
	if err != nil {
		return NightReport{}, err
	}
	defer release()

	rep := NightReport{ID: NewID(), At: at, Started: s.now(), Errors: []string{}}
	runErr := s.night(ctx, at, sender, &rep)
	if runErr != nil {
		rep.addError(runErr.Error())
	}
	rep.Finished = s.now()

	// The report must be written even when ctx was cancelled: it is how an
	// operator learns that the run stopped midway.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	saveErr := s.Store.SaveNightReport(bctx, rep)
	if saveErr == nil {
		detail, _ := json.Marshal(rep)
		saveErr = s.Store.Update(bctx, rep.Finished, func(tx Tx) error {
			return tx.AddAudit(bctx, AuditEntry{ID: NewID(), At: rep.Finished, Actor: "night", Action: AuditNightRun, Detail: string(detail)})
		})
	}
	s.log().Info("night run", "id", rep.ID, "at", at, "activated", rep.Activated, "modified", rep.Modified,
		"accounts", rep.CreatedAccounts, "invitations", rep.Invitations, "notices", rep.Notices,
		"expired", rep.Expired, "disabled", rep.Disabled, "sent", rep.Sent, "failed", rep.Failed,
		"errors", len(rep.Errors))
	if runErr != nil {
		return rep, runErr
	}
	if saveErr != nil {
		return rep, fmt.Errorf("rapport de la nuit non enregistré : %w", saveErr)
	}
	return rep, nil
}

func (r *NightReport) addError(msg string) {
	if len(r.Errors) < maxReportErrors {
		r.Errors = append(r.Errors, msg)
	}
}

func (s *Service) night(ctx context.Context, at time.Time, sender mail.Sender, rep *NightReport) error {
	// 1. Expire the grants of ended school years, first, so that a grant of
	// an ended year is never opened; those of the schools that have not sent
	// the new year are carried over until the grace deadline (rentree.go).
	today := fwb.Date(at.In(frtext.Brussels))
	// 0. At the rentrée, carry the accesses of the schools fed by SCIM
	// into the new year, which their identity provider will not send
	// (rentree_scim.go): first, so that the new grants open tonight.
	if err := s.renewSCIMSchools(ctx, at, today, rep); err != nil {
		return fmt.Errorf("rentrée des écoles approvisionnées par SCIM : %w", err)
	}
	err := s.Store.Update(ctx, at, func(tx Tx) error {
		rep.Expired = 0
		if err := s.expireEnded(ctx, tx, today, rep); err != nil {
			return err
		}
		_, err := tx.PurgeIdempotency(ctx, at.Add(-idempotencyTTL))
		return err
	})
	if err != nil {
		return fmt.Errorf("expiration des accès : %w", err)
	}

	// 2. Give the accounts whose own grant ended another of their person's
	// grants, with its address (docs/security.md), before the accesses open
	// and their e-mails are written to the account's address.
	err = s.Store.Update(ctx, at, func(tx Tx) error {
		n, err := tx.RehomeAccounts(ctx)
		if n > 0 {
			s.log().Info("accounts given another own grant", "accounts", n)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("adresses des comptes : %w", err)
	}

	// 3. Open pending grants and apply waiting modifications, by batches of
	// persons, in partitions opened side by side.
	current := fwb.SchoolYearAt(today).String()
	parts := make(loginPartitions, s.nightWorkers())
	if err := s.Store.PendingPersons(ctx, current, parts.add); err != nil {
		return fmt.Errorf("accès en attente : %w", err)
	}
	if err := s.openPartitions(ctx, at, rep, current, parts); err != nil {
		return fmt.Errorf("ouverture des accès : %w", err)
	}

	// 4. Disable the accounts left without an active grant.
	err = s.Store.Update(ctx, at, func(tx Tx) error {
		n, err := tx.DisableOrphanAccounts(ctx)
		rep.Disabled = n
		return err
	})
	if err != nil {
		return fmt.Errorf("désactivation des comptes : %w", err)
	}
	if err := s.reportCarried(ctx, today, rep); err != nil {
		return fmt.Errorf("accès reconduits : %w", err)
	}
	if err := s.warnDirections(ctx, at, today, rep.ID, rep); err != nil {
		return fmt.Errorf("avis de rentrée aux directions : %w", err)
	}

	// 5. Deliver the outbox, including what an interrupted run left.
	if sender == nil {
		return nil
	}
	sent, failed, errs, err := s.deliver(ctx, sender)
	rep.Sent, rep.Failed = sent, failed
	for _, e := range errs {
		rep.addError(e)
	}
	return err
}

// loginPartitions splits the persons, given in the order of their IDs,
// into partitions by a hash of their login base (LoginBase): two persons who
// may compete for a login, base or suffix, are always in the same partition,
// in the order of their IDs, whatever the number of partitions. Partitions
// share no login and no person, so they are opened side by side, each by
// batches in its order, and the logins are those of a single partition.
type loginPartitions []idList

func (ps loginPartitions) add(p *Person) {
	ps[loginPartition(LoginBase(*p), len(ps))].add(p.ID)
}

// idList holds IDs packed in one buffer: 300,000 persons at four times the
// network take 9 MB and nothing for the garbage collector to scan, where a
// []string took three times as much.
type idList struct {
	buf  []byte
	ends []uint32
}

func (l *idList) add(id string) {
	l.buf = append(l.buf, id...)
	l.ends = append(l.ends, uint32(len(l.buf)))
}

func (l *idList) len() int { return len(l.ends) }

// slice returns the IDs from i to j (excluded).
func (l *idList) slice(i, j int) []string {
	out := make([]string, 0, j-i)
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	for _, end := range l.ends[i:j] {
		out = append(out, string(l.buf[start:end]))
		start = end
	}
	return out
}

// loginPartition is the partition of a login base among n: FNV-1a, fixed
// across versions and machines.
func loginPartition(base string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(base))
	return int(h.Sum32() % uint32(n))
}

// DefaultNightWorkers is the number of partitions of persons the night run
// opens side by side when Service.NightWorkers is zero: one a core of the
// process, between one and eight. On two cores, after a first load of
// 1,200 schools, two partitions opened the network in 4.7–5.1 s where one
// took 6.8–7.1 s: two backends keep both cores busy, where one left the
// second core mostly idle; three or four were no faster
// (docs/benchmarks.md, « The night on every core »). SQLite's single writer
// makes the partitions take turns, at no cost. The database's cores, not
// the process's, bound the gain beyond eight.
func DefaultNightWorkers() int { return min(8, max(1, runtime.GOMAXPROCS(0))) }

func (s *Service) nightWorkers() int {
	if s.NightWorkers > 0 {
		return s.NightWorkers
	}
	return DefaultNightWorkers()
}

// openPartitions opens the pending grants of the partitions' persons, one
// goroutine a partition, each by batches of nightBatch persons in its
// order, one transaction a batch with its e-mails. The first error stops
// every partition; what committed stays, and the next run carries on.
func (s *Service) openPartitions(ctx context.Context, at time.Time, rep *NightReport, current string, parts loginPartitions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for _, part := range parts {
		if part.len() == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := 0; start < part.len() && ctx.Err() == nil; start += nightBatch {
				batch := part.slice(start, min(start+nightBatch, part.len()))
				var c batchCounts
				err := s.Store.Update(ctx, at, func(tx Tx) error {
					c = batchCounts{}
					return s.openBatch(ctx, tx, rep.ID, current, batch, &c)
				})
				mu.Lock()
				if err == nil {
					c.addTo(rep)
				} else if first == nil {
					first = err
				}
				mu.Unlock()
				if err != nil {
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

type batchCounts struct {
	activated, modified, accounts, reactivated, invitations, notices int
	// renewed counts the grants opened that continue an access
	// (Continuation), roleChanges those of them with another role.
	renewed, roleChanges int
	// blocked counts the persons whose account an operator disabled: their
	// grants opened, their account stayed closed.
	blocked int
}

func (c batchCounts) addTo(r *NightReport) {
	r.Activated += c.activated
	r.Modified += c.modified
	r.CreatedAccounts += c.accounts
	r.Reactivated += c.reactivated
	r.KeptDisabled += c.blocked
	r.Invitations += c.invitations
	r.Notices += c.notices
	r.Renewed += c.renewed
	r.RoleChanges += c.roleChanges
}

// openBatch opens the pending grants of some persons, in one transaction
// with the accounts and e-mails that go with them.
func (s *Service) openBatch(ctx context.Context, tx Tx, nightID, current string, personIDs []string, c *batchCounts) error {
	pending, err := tx.OpenPendingGrants(ctx, personIDs, current)
	if err != nil {
		return err
	}
	prior, err := priorGrants(ctx, tx, pending)
	if err != nil {
		return err
	}
	now := tx.Now()
	people := groupByPerson(pending)
	taken, err := takenLogins(ctx, tx, people)
	if err != nil {
		return err
	}
	linked, err := linkedAddresses(ctx, tx, people)
	if err != nil {
		return err
	}
	b := &batchWrites{now: now, prior: prior, taken: taken, linked: linked, c: c}
	b.out.from, b.out.nightID, b.out.portalURL, b.out.now = s.mailFrom(), nightID, s.PortalURL, now
	for _, w := range people {
		b.open(w)
	}
	c.activated, c.modified = b.opened, len(b.modify)
	return b.write(ctx, tx)
}

// mailFrom is the sender of the night's e-mails.
func (s *Service) mailFrom() string {
	if s.MailFrom == "" {
		return DefaultMailFrom
	}
	return s.MailFrom
}

// personWork is a person's pending grants in a batch, with their account
// (nil if they have none yet).
type personWork struct {
	person  Person
	account *Account
	grants  []PendingGrant
}

// groupByPerson groups pending grants by person, keeping the store's order
// (person, then school).
func groupByPerson(pending []PendingGrant) []*personWork {
	var people []*personWork
	index := map[string]*personWork{}
	for _, pg := range pending {
		w := index[pg.Person.ID]
		if w == nil {
			w = &personWork{person: pg.Person, account: pg.Account}
			index[pg.Person.ID] = w
			people = append(people, w)
		}
		w.grants = append(w.grants, pg)
	}
	return people
}

// takenLogins returns the logins already taken among the bases of the
// accounts to create: one query, then newAccount takes the first free suffix
// in the order of persons, which is stable.
func takenLogins(ctx context.Context, tx NightTx, people []*personWork) (map[string]bool, error) {
	var bases []string
	for _, w := range people {
		if w.account == nil {
			bases = append(bases, LoginBase(w.person))
		}
	}
	taken := map[string]bool{}
	if len(bases) > 0 {
		logins, err := tx.TakenLogins(ctx, bases)
		if err != nil {
			return nil, err
		}
		for _, l := range logins {
			taken[l] = true
		}
	}
	return taken, nil
}

// linkedAddresses returns the linked addresses of the existing accounts,
// which are told of what opens in their name.
func linkedAddresses(ctx context.Context, tx TrustTx, people []*personWork) (map[string][]string, error) {
	var accountIDs []string
	for _, w := range people {
		if w.account != nil {
			accountIDs = append(accountIDs, w.account.ID)
		}
	}
	return tx.LinkedAddresses(ctx, accountIDs)
}

// batchWrites gathers what a batch of the night writes: the grants to open,
// the accounts and persons to create or update, and the e-mails.
type batchWrites struct {
	now    time.Time
	prior  []Grant
	taken  map[string]bool
	linked map[string][]string
	c      *batchCounts

	opened      int
	modify      []string
	newAccounts []Account
	updAccounts []Account
	updPersons  []Person
	out         nightMail
}

// open opens a person's pending grants: their account is created, left
// closed by an operator, or updated, and the person takes the names their
// grants send.
func (b *batchWrites) open(w *personWork) {
	for _, pg := range w.grants {
		switch pg.Grant.Pending {
		case PendingCreated:
			b.opened++ // OpenPendingGrants opened it
		case PendingModified:
			b.modify = append(b.modify, pg.Grant.ID)
		}
	}
	var acc Account
	// Accesses that continue those of the year before are quiet
	// (Continuation), unless at another address; the others are told.
	fresh, changed, moved, renewed := splitContinued(filter(w.grants, created), b.prior)
	told := append(append(fresh, filter(w.grants, modified)...), moved...)
	switch a := w.account; {
	case a == nil:
		acc = b.createAccount(w)
	case a.State == AccountDisabled && a.DisabledBy != "":
		acc = b.keepClosed(w, told)
	default:
		acc = b.updateAccount(w, fresh, changed, told, renewed)
	}
	if p, ok := ownNames(w.person, acc, w.grants); ok {
		p.UpdatedAt = b.now
		b.updPersons = append(b.updPersons, p)
	}
}

// createAccount creates the account of a person who has none, and invites
// them.
func (b *batchWrites) createAccount(w *personWork) Account {
	acc := newAccount(w.person, w.grants, b.taken, b.now)
	b.newAccounts = append(b.newAccounts, acc)
	b.c.accounts++
	b.out.invitations(w.person.ID, acc, w.grants, []string{acc.Email}, b.c)
	return acc
}

// keepClosed handles an account disabled by an operator: the grants open,
// as the schools decided, but the account stays closed and nobody is told,
// until an operator enables it again.
func (b *batchWrites) keepClosed(w *personWork, told []PendingGrant) Account {
	acc := *w.account
	if e := followedEmail(acc, w.grants); e != acc.Email {
		acc.Email = e
		b.updAccounts = append(b.updAccounts, acc)
	}
	b.c.blocked++
	// Told all the same: the account's address must know of an
	// access opened in its name, whatever the account's state.
	b.out.foreign(w.person, acc, told, append([]string{acc.Email}, b.linked[acc.ID]...), false, b.c)
	return acc
}

// updateAccount brings an existing account to the address its grants
// follow, reactivates it if the schools had closed it, and tells the person.
func (b *batchWrites) updateAccount(w *personWork, fresh, changed, told []PendingGrant, renewed int) Account {
	a := w.account
	acc := *a
	own := append([]string{acc.Email}, b.linked[acc.ID]...)
	if e := followedEmail(acc, w.grants); e != acc.Email {
		acc.Email, acc.UpdatedAt = e, b.now
		own = append(own, e)
	}
	if acc.State == AccountDisabled {
		acc.State, acc.DisabledAt, acc.UpdatedAt = AccountInvited, time.Time{}, b.now
		if !acc.ActivatedAt.IsZero() {
			acc.State = AccountActive
		}
		b.c.reactivated++
		b.out.reactivated(w.person.ID, acc, w.grants, own, b.c)
	} else {
		b.c.renewed += renewed
		b.c.roleChanges += len(changed)
		b.out.notices(w.person.ID, acc, fresh, changed, own, b.c)
	}
	if acc != *a {
		b.updAccounts = append(b.updAccounts, acc)
	}
	b.out.foreign(w.person, acc, told, own, true, b.c)
	return acc
}

// write writes the batch: persons, accounts, notices, grants, e-mails.
func (b *batchWrites) write(ctx context.Context, tx Tx) error {
	if err := tx.UpdatePersons(ctx, b.updPersons); err != nil {
		return err
	}
	if err := tx.InsertAccounts(ctx, b.newAccounts); err != nil {
		return err
	}
	if err := tx.InsertGrantNotices(ctx, b.out.disputes); err != nil {
		return err
	}
	if err := tx.UpdateAccounts(ctx, b.updAccounts); err != nil {
		return err
	}
	if err := tx.ApplyModifications(ctx, b.modify); err != nil {
		return err
	}
	return tx.Enqueue(ctx, b.out.messages)
}

// Deliver sends the outbox messages not yet sent, each marked sent right
// after the mail server accepted it. It is what the night run does last, and
// can run on its own to retry deliveries.
func (s *Service) Deliver(ctx context.Context, sender mail.Sender) (sent, failed int, err error) {
	sent, failed, _, err = s.deliver(ctx, sender)
	return sent, failed, err
}

func (s *Service) deliver(ctx context.Context, sender mail.Sender) (sent, failed int, errs []string, err error) {
	after := ""
	tempFailures := 0
	for {
		batch, err := s.Store.UnsentAfter(ctx, after, 100)
		if err != nil {
			return sent, failed, errs, fmt.Errorf("lecture des e-mails à envoyer : %w", err)
		}
		if len(batch) == 0 {
			return sent, failed, errs, nil
		}
		for _, m := range batch {
			after = m.ID
			if err := ctx.Err(); err != nil {
				return sent, failed, errs, fmt.Errorf("envoi des e-mails interrompu : %w", err)
			}
			msg, sendErr := s.outgoing(ctx, m)
			if sendErr == nil {
				sendErr = sender.Send(ctx, msg)
			}
			// Marks are written even if ctx ends now: a message the server
			// accepted must never be sent again.
			mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if sendErr == nil {
				err := s.Store.MarkSent(mctx, m.ID, s.now())
				cancel()
				if err != nil {
					return sent, failed, errs, fmt.Errorf("e-mail %s envoyé mais non marqué : %w", m.ID, err)
				}
				sent++
				tempFailures = 0
				continue
			}
			if ctx.Err() != nil {
				cancel()
				return sent, failed, errs, fmt.Errorf("envoi des e-mails interrompu : %w", ctx.Err())
			}
			permanent := mail.IsPermanent(sendErr)
			err := s.Store.MarkAttempt(mctx, m.ID, s.now(), sendErr.Error(), permanent)
			cancel()
			if err != nil {
				return sent, failed, errs, err
			}
			failed++
			errs = append(errs, fmt.Sprintf("e-mail %s à %s : %v", m.ID, ReadableRecipient(m.To), sendErr))
			if permanent {
				continue
			}
			tempFailures++
			if tempFailures >= maxTempFailures {
				return sent, failed, errs, fmt.Errorf("envoi des e-mails suspendu après %d échecs de suite, les autres attendent la prochaine nuit : %w", tempFailures, sendErr)
			}
		}
	}
}

// NightReports lists the latest night runs, newest first.
func (s *Service) NightReports(ctx context.Context, limit int) ([]NightReport, error) {
	return s.Store.NightReports(ctx, limit)
}
