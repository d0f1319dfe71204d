package extranetstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// The eight cases where the transfer digests, a cache of the answer to a
// re-sent snapshot, once answered otherwise than a full reconciliation.
// The digests are gone; these cases stay, each asserting what re-sending
// answers, and e.transfer and e.night re-send every school's last snapshot
// after each step (checkResend).

// An operator enables again an account that the night disabled: the
// account holds its e-mail again (EmailHolders reads accounts), so another
// school's entry with that address is now rejected.
func TestResendAfterAnAccountTakesItsAddressBack(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 2222, "École B")
		e.addSchool(t, 3333, "École C")
		e.transfer(t, 2222, snapshot(person("Martin", "Luc", "1975-01-31", "", "shared@ecole.be", "Enseignant")))
		e.night(t) // account created, e-mail shared@ecole.be
		// B removes Luc; the night disables his account.
		gone := snapshot(person("Autre", "Prof", "1970-02-02", "", "autre@b.be", "Enseignant"))
		gone.ConfirmDeactivations = 1
		e.transfer(t, 2222, gone)
		e.night(t)
		// C gives the address to someone else: nobody holds it now.
		cSnap := snapshot(person("Durand", "Paul", "1981-03-03", "", "shared@ecole.be", "Enseignant"))
		wantCounts(t, e.transfer(t, 3333, cSnap).Counts, wire.Counts{Created: 1})

		var accountID string
		if err := e.st.DB().Read().QueryRow(e.ctx, `SELECT a.id FROM accounts a JOIN persons p ON p.id = a.person_id WHERE p.last_name = 'Martin'`).Scan(&accountID); err != nil {
			t.Fatal(err)
		}
		portal := &extranet.Portal{Store: e.st, Service: e.svc}
		if _, err := portal.SetAccountDisabled(e.ctx, accountID, false, "operator:test"); err != nil {
			t.Fatal(err)
		}
		wantCounts(t, e.resend(t, 3333, cSnap, "").Counts, wire.Counts{Rejected: 1}) // e-mail taken
		e.checkResend(t)
	})
}

// A school's own grant recognises a person by the names it sent, which
// are no longer the person's (the night renamed them). A new person with
// those names (another school, no matricule) makes the school's line
// ambiguous for a key lookup; the school's own grant still recognises its
// line by the spelling it sent, and re-sending it changes nothing.
func TestResendOfALineRecognisedByAFormerSpelling(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.addSchool(t, 3333, "École C")
		e.addSchool(t, 4444, "École D")
		e.transfer(t, 1111, snapshot(person("Dupont-Durand", "Anne", "1980-05-04", "28005040123", "anne@a.be", "Enseignant")))
		cSnap := snapshot(person("Dupont-Durand", "Anne", "1980-05-04", "", "anne@c.be", "Enseignant"))
		e.transfer(t, 3333, cSnap)
		e.night(t)
		e.transfer(t, 2222, snapshot(person("Durand", "Anne", "1980-05-04", "28005040123", "anne@b.be", "Directeur")))
		e.night(t) // the person is now "Durand Anne"
		wantCounts(t, e.transfer(t, 3333, cSnap).Counts, wire.Counts{Unchanged: 1})
		// D sends another Anne Dupont-Durand born the same day, without
		// matricule: a new person with the key of C's sent spelling.
		e.transfer(t, 4444, snapshot(person("Dupont-Durand", "Anne", "1980-05-04", "", "anne@d.be", "Enseignant")))
		wantCounts(t, e.resend(t, 3333, cSnap, "").Counts, wire.Counts{Unchanged: 1})
	})
}

// The same person as a new staff entry and as a keep entry: the first
// transfer creates them (the keep entry found nobody), a second full
// transfer rejects the staff entry (reasonAlsoKept).
func TestResendWithKeepEntries(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École")
		snap := snapshot(person("Leroy", "Marc", "1979-09-09", "", "marc@e.be", "Enseignant"))
		snap.Keep = []wire.KeepEntry{{LastName: "Leroy", FirstName: "Marc", BirthDate: "1979-09-09"}}
		wantCounts(t, e.transfer(t, 4242, snap).Counts, wire.Counts{Created: 1})
		wantCounts(t, e.resend(t, 4242, snap, "").Counts, wire.Counts{Rejected: 1})
	})
}

// PostgreSQL: a re-send that waits for the school's row behind a
// transaction that changes the school's grants must read them as that
// transaction left them (a statement that waits for a lock reads the other
// tables as they were before the wait).
func TestResendWaitsForAConcurrentWrite(t *testing.T) {
	e := newEnv(t, pgtest.URL(t), true)
	e.addSchool(t, 4242, "École")
	snap := snapshot(numbered("Prof", 3)...)
	e.transfer(t, 4242, snap)

	locked, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			if _, err := tx.LockSchool(e.ctx, 4242); err != nil {
				return err
			}
			grants, err := tx.LockYearGrants(e.ctx, 4242, year)
			if err != nil {
				return err
			}
			// As a transfer or an operator would.
			if err := tx.DeactivateGrants(e.ctx, []string{grants[0].Grant.ID}, extranet.EndRemoved); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}()
	<-locked
	done := e.transferWaiting(t, 4242, snap, "the re-send did not wait for the school's row")
	close(release)
	wg.Wait()
	got := <-done
	wantCounts(t, got.Counts, wire.Counts{Created: 1, Unchanged: 2})
}

// A keep entry names, by matricule, a person the school gives no access
// to. Another school fills that person's birth date: the keep entry now
// conflicts, designates the namesake by names and birth date — a person the
// school's staff entry names — and the staff entry is rejected.
func TestResendWithAKeepOfAPersonWithoutGrant(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.addSchool(t, 3333, "École C")
		e.transfer(t, 2222, snapshot(person("Martin", "Paul", "", "18001010123", "paul@b.be", "Enseignant")))
		aSnap := snapshot(person("Martin", "Paul", "1980-01-01", "", "paul@a.be", "Enseignant"))
		aSnap.Keep = []wire.KeepEntry{{LastName: "Martin", FirstName: "Paul", BirthDate: "1980-01-01", Matricule: "18001010123"}}
		e.transfer(t, 1111, aSnap)
		// C knows the matricule's holder with another birth date.
		e.transfer(t, 3333, snapshot(person("Martin", "Paul", "1985-05-05", "18001010123", "paul@c.be", "Enseignant")))
		if r := e.resend(t, 1111, aSnap, ""); r.Counts.Rejected != 1 {
			t.Fatalf("A's re-send = %+v, want its staff entry rejected", r.Counts)
		}
	})
}

// Not a fixpoint inside one snapshot: entry 1 fills a birth date by
// matricule (new key K), entry 2 without matricule has key K and creates a
// person. The second full transfer finds both under K.
func TestOneSnapshotNamingAPersonTwoWays(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.transfer(t, 2222, snapshot(person("Martin", "Paul", "", "18001010123", "paul@b.be", "Enseignant")))
		r := e.transfer(t, 1111, snapshot(person("Martin", "Paul", "1980-01-01", "18001010123", "paul@a.be", "Enseignant"),
			person("Martin", "Paul", "1980-01-01", "", "paul2@a.be", "Enseignant")))
		// The second line would be recognised as the first next time: the
		// same person twice, both rejected now already, nobody created.
		wantCounts(t, r.Counts, wire.Counts{Rejected: 2})
		if n := e.count(t, `SELECT COUNT(*) FROM persons`); n != 1 {
			t.Fatalf("persons = %d, want 1", n)
		}
	})
}

// PostgreSQL: a transfer that links an existing person by names and birth
// date, paused after writing its grant, while another school's transfer
// creates a namesake and commits: neither sees the other's uncommitted
// rows; the first school's re-send then finds both.
func TestNamesakeCreatedWhileATransferLinks(t *testing.T) {
	e := newEnv(t, pgtest.URL(t), true)
	gate := &gatedStore{Store: e.st, enter: make(chan struct{}), release: make(chan struct{})}
	slow := &extranet.Service{Store: gate, Now: e.clock.Now, Log: e.svc.Log}
	e.addSchool(t, 1111, "École A")
	e.addSchool(t, 2222, "École B")
	e.addSchool(t, 3333, "École C")
	e.transfer(t, 1111, snapshot(person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@a.be", "Enseignant")))
	bSnap := snapshot(person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@b.be", "Enseignant"))

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := slow.Transfer(e.ctx, 2222, bSnap, extranet.TransferOptions{}); err != nil {
			t.Error(err)
		}
	}()
	<-gate.enter // B has reconciled and written its grant, not committed
	r, err := e.svc.Transfer(e.ctx, 3333, snapshot(person("Dupont", "Jean", "1980-05-04", "18005040222", "jean.dupont@c.be", "Enseignant")), extranet.TransferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r.Counts, wire.Counts{Created: 1})
	close(gate.release)
	wg.Wait()
	wantCounts(t, e.resend(t, 2222, bSnap, "").Counts, wire.Counts{Rejected: 1})
	e.sent[sentKey{2222, year}] = bSnap
	e.checkResend(t)
}

// gatedStore pauses the first transfer after it wrote its grants, until
// release.
type gatedStore struct {
	extranet.Store
	once           sync.Once
	enter, release chan struct{}
}

type gatedTx struct {
	extranet.Tx
	g *gatedStore
}

func (g *gatedStore) Update(ctx context.Context, now time.Time, fn func(extranet.Tx) error) error {
	return g.Store.Update(ctx, now, func(tx extranet.Tx) error { return fn(gatedTx{tx, g}) })
}

func (x gatedTx) InsertGrants(ctx context.Context, gs []extranet.Grant) error {
	if err := x.Tx.InsertGrants(ctx, gs); err != nil {
		return err
	}
	x.g.once.Do(func() {
		close(x.g.enter)
		<-x.g.release
	})
	return nil
}

// PostgreSQL: two schools give the same new address to two people at once.
// The first, paused after writing its grant, holds the address's lock; the
// second waits for it, then finds the first's grant and rejects its entry.
func TestTwoSchoolsGivingOneAddressAtOnce(t *testing.T) {
	e := newEnv(t, pgtest.URL(t), true)
	gate := &gatedStore{Store: e.st, enter: make(chan struct{}), release: make(chan struct{})}
	slow := &extranet.Service{Store: gate, Now: e.clock.Now, Log: e.svc.Log}
	e.addSchool(t, 2222, "École B")
	e.addSchool(t, 3333, "École C")
	bSnap := snapshot(person("Martin", "Luc", "1975-01-31", "", "shared@ecole.be", "Enseignant"))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := slow.Transfer(e.ctx, 2222, bSnap, extranet.TransferOptions{}); err != nil {
			t.Error(err)
		}
	}()
	<-gate.enter // B has written its grant, not committed
	cSnap := snapshot(person("Durand", "Paul", "1981-03-03", "", "shared@ecole.be", "Enseignant"))
	cDone := e.transferWaiting(t, 3333, cSnap, "C did not wait for B's address")
	close(gate.release)
	wg.Wait()
	r := <-cDone
	wantCounts(t, r.Counts, wire.Counts{Rejected: 1})
	if c := change(t, r, wire.ActionRejected, "Durand"); !strings.Contains(c.Reason, "shared@ecole.be") {
		t.Fatalf("reason = %q", c.Reason)
	}
	e.sent[sentKey{2222, year}] = bSnap
	e.sent[sentKey{3333, year}] = cSnap
	e.checkResend(t)
}

// transferWaiting starts a transfer of snap for fase and fails the test with
// failure when it answers within 300 ms, instead of waiting for a lock held
// elsewhere; the channel gives its answer once that lock is released.
func (e *env) transferWaiting(t *testing.T, fase int, snap wire.Snapshot, failure string) <-chan wire.TransferResult {
	t.Helper()
	done := make(chan wire.TransferResult, 1)
	go func() {
		r, err := e.svc.Transfer(e.ctx, fase, snap, extranet.TransferOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	select {
	case r := <-done:
		t.Fatalf("%s: %+v", failure, r.Counts)
	case <-time.After(300 * time.Millisecond):
	}
	return done
}
