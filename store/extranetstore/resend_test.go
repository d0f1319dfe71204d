package extranetstore_test

import (
	"errors"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

// resend sends a snapshot again, for real, as the API does.
func (e *env) resend(t *testing.T, fase int, snap wire.Snapshot, key string) wire.TransferResult {
	t.Helper()
	res, err := e.svc.Transfer(e.ctx, fase, snap, extranet.TransferOptions{IdempotencyKey: key})
	if err != nil {
		t.Fatalf("re-send (%d): %v", fase, err)
	}
	return res
}

// predict answers what sending a snapshot again would answer now (a dry
// run).
func (e *env) predict(t *testing.T, fase int, snap wire.Snapshot) wire.TransferResult {
	t.Helper()
	res, err := e.svc.Transfer(e.ctx, fase, snap, extranet.TransferOptions{DryRun: true})
	if err != nil {
		t.Fatalf("dry run (%d): %v", fase, err)
	}
	return res
}

func TestResendAnswersAnUnchangedSnapshot(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		staff := numbered("Prof", 5)
		snap := snapshot(append([]wire.StaffEntry{}, staff...)...)
		e.transfer(t, 4242, snap)

		audits, journal := e.count(t, `SELECT COUNT(*) FROM audit`), e.count(t, `SELECT COUNT(*) FROM transfer_log`)
		r := e.resend(t, 4242, snap, "key-1")
		wantCounts(t, r.Counts, wire.Counts{Unchanged: 5})
		if len(r.Changes) != 5 || r.Changes[0].Action != wire.ActionUnchanged || r.Changes[0].LastName != "Prof01" ||
			r.TransferID == "" || r.DryRun || r.SchoolYear != year || !r.EffectiveAt.Equal(extranet.NextNight(e.clock.Now())) {
			t.Fatalf("re-send = %+v", r)
		}
		// Recorded as a transfer: audit, journal, idempotency key.
		if e.count(t, `SELECT COUNT(*) FROM audit WHERE action = 'transfer.applied'`) < 2 || e.count(t, `SELECT COUNT(*) FROM audit`) != audits+1 {
			t.Fatal("audit row missing")
		}
		if e.count(t, `SELECT COUNT(*) FROM transfer_log`) != journal+1 ||
			e.count(t, `SELECT COUNT(*) FROM transfer_log WHERE id = ? AND live_grants = 5 AND outcome = 'applied'`, r.TransferID) != 1 {
			t.Fatal("journal entry missing or wrong")
		}
		if again := e.resend(t, 4242, snap, "key-1"); again.TransferID != r.TransferID {
			t.Fatalf("replayed key: %+v", again)
		}
		other := snapshot(staff[:4]...)
		if _, err := e.svc.Transfer(e.ctx, 4242, other, extranet.TransferOptions{IdempotencyKey: "key-1"}); !errors.Is(err, extranet.ErrIdempotencyConflict) {
			t.Fatalf("same key, other body: %v", err)
		}
		if _, err := e.svc.Transfer(e.ctx, 9999, snap, extranet.TransferOptions{}); !errors.Is(err, extranet.ErrUnknownSchool) {
			t.Fatalf("unknown school: %v", err)
		}
		// Another school sending the same body creates its own grants.
		e.addSchool(t, 5555, "Institut Sainte-Marie")
		wantCounts(t, e.predict(t, 5555, snap).Counts, wire.Counts{Created: 5})

		// A change, then the changed snapshot again.
		staff[1].Role = "Directeur"
		changed := snapshot(staff...)
		r = e.transfer(t, 4242, changed)
		wantCounts(t, r.Counts, wire.Counts{Modified: 1, Unchanged: 4})
		wantCounts(t, e.predict(t, 4242, snap).Counts, wire.Counts{Modified: 1, Unchanged: 4})
		r = e.resend(t, 4242, changed, "")
		if r.Counts != (wire.Counts{Unchanged: 5}) || r.Changes[1].Role != "Directeur" {
			t.Fatalf("re-send after the change = %+v", r)
		}

		// The night opens the grants: the answer stays (e.night re-sends
		// every school's last snapshot and compares).
		e.night(t)
		wantCounts(t, e.resend(t, 4242, changed, "").Counts, wire.Counts{Unchanged: 5})

		// A snapshot with a rejected entry answers it again.
		bad := append(append([]wire.StaffEntry{}, staff...), person("Sans", "Rôle", "1970-01-01", "", "sans.role@ecole.be", "Concierge"))
		r = e.transfer(t, 4242, snapshot(bad...))
		wantCounts(t, r.Counts, wire.Counts{Unchanged: 5, Rejected: 1})
		wantCounts(t, e.resend(t, 4242, snapshot(bad...), "").Counts, wire.Counts{Unchanged: 5, Rejected: 1})
		if e.resent == 0 {
			t.Fatal("checkResend re-sent nothing")
		}
	})
}

func TestResendAfterANamesakeAppears(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.addSchool(t, 3333, "École C")
		// A knows Jean Dupont with his matricule; B without, and is
		// recognised by names and birth date.
		e.transfer(t, 1111, snapshot(person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@a.be", "Enseignant")))
		bSnap := snapshot(person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@b.be", "Enseignant"))
		r := e.transfer(t, 2222, bSnap)
		wantCounts(t, r.Counts, wire.Counts{Created: 1})
		wantCounts(t, e.resend(t, 2222, bSnap, "").Counts, wire.Counts{Unchanged: 1})
		// C sends another Jean Dupont born the same day, with another
		// matricule: a second person; B's line now names two people.
		r = e.transfer(t, 3333, snapshot(person("Dupont", "Jean", "1980-05-04", "18005040222", "jean.dupont@c.be", "Enseignant")))
		wantCounts(t, r.Counts, wire.Counts{Created: 1})
		if e.count(t, `SELECT COUNT(*) FROM persons`) != 2 {
			t.Fatal("want two persons")
		}
		r = e.transfer(t, 2222, bSnap)
		wantCounts(t, r.Counts, wire.Counts{Rejected: 1})
	})
}

func TestResendAfterAGrantChangesOtherwise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		snap := snapshot(numbered("Prof", 3)...)
		e.transfer(t, 4242, snap)
		// A write of the school-year's grants outside a transfer (an
		// operator's, a school year's expiry): the re-send sees it.
		err := e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			grants, err := tx.LockYearGrants(e.ctx, 4242, year)
			if err != nil {
				return err
			}
			return tx.DeactivateGrants(e.ctx, []string{grants[0].Grant.ID}, extranet.EndRemoved)
		})
		if err != nil {
			t.Fatal(err)
		}
		r := e.transfer(t, 4242, snap)
		wantCounts(t, r.Counts, wire.Counts{Created: 1, Unchanged: 2})
		err = e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			_, err := tx.ExpireGrants(e.ctx, []string{year})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wantCounts(t, e.predict(t, 4242, snap).Counts, wire.Counts{Created: 3})
	})
}

// A night that renames a person: the school that sent the other spelling
// still recognises them by the names and birth date it sent.
func TestResendAfterTheNightRenamesAPerson(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.addSchool(t, 3333, "École C")
		e.transfer(t, 1111, snapshot(person("Dupont-Durand", "Anne", "1980-05-04", "28005040123", "anne@a.be", "Enseignant")))
		cSnap := snapshot(person("Dupont-Durand", "Anne", "1980-05-04", "", "anne@c.be", "Enseignant"),
			person("Martin", "Luc", "1975-01-31", "", "luc@c.be", "Enseignant"))
		wantCounts(t, e.transfer(t, 3333, cSnap).Counts, wire.Counts{Created: 2})
		e.night(t)
		// A, whose address is the account's, writes her name otherwise
		// now; the night gives the person that spelling, and with it
		// another identity key.
		wantCounts(t, e.transfer(t, 1111, snapshot(person("Durand", "Anne", "1980-05-04", "28005040123", "anne@a.be", "Enseignant"))).Counts,
			wire.Counts{Modified: 1})
		wantCounts(t, e.resend(t, 3333, cSnap, "").Counts, wire.Counts{Unchanged: 2})
		e.night(t) // re-sends C's snapshot and compares it with a dry run
		if g := e.grants(t, 3333)["Dupont-Durand Anne"]; g.State != extranet.GrantActive {
			t.Fatalf("C's grant = %+v", g)
		}
		wantCounts(t, e.transfer(t, 3333, cSnap).Counts, wire.Counts{Unchanged: 2})
		if n := e.count(t, `SELECT COUNT(*) FROM persons`); n != 2 {
			t.Fatalf("persons = %d, want 2", n)
		}
	})
}

// A process that runs the night at another time announces that time.
func TestEffectiveAtFollowsTheNightSchedule(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		at := brussels(2026, time.November, 27, 3, 30)
		e.svc.NextNight = func(time.Time) time.Time { return at }
		e.addSchool(t, 4242, "École Saint-Joseph")
		snap := snapshot(numbered("Prof", 2)...)
		if r := e.transfer(t, 4242, snap); !r.EffectiveAt.Equal(at) {
			t.Fatalf("transfer effectiveAt = %v, want %v", r.EffectiveAt, at)
		}
		if r := e.resend(t, 4242, snap, ""); !r.EffectiveAt.Equal(at) {
			t.Fatalf("re-send effectiveAt = %v, want %v", r.EffectiveAt, at)
		}
	})
}
