package extranetstore_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"passerelle/extranet"
)

// resend sends a snapshot again through the fast path, for real.
func (e *env) resend(t *testing.T, fase int, snap extranet.Snapshot, key string) (extranet.TransferResult, bool) {
	t.Helper()
	res, ok, err := e.svc.Resend(e.ctx, fase, extranet.SnapshotHash(snap), extranet.TransferOptions{IdempotencyKey: key})
	if err != nil {
		t.Fatalf("Resend(%d): %v", fase, err)
	}
	if ok {
		// The answer as the school reads it.
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		res = extranet.TransferResult{}
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatal(err)
		}
	}
	return res, ok
}

func TestResendAnswersAnUnchangedSnapshot(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		staff := numbered("Prof", 5)
		snap := snapshot(append([]extranet.StaffEntry{}, staff...)...)
		if _, ok := e.resend(t, 4242, snap, ""); ok {
			t.Fatal("Resend answered before any transfer")
		}
		e.transfer(t, 4242, snap)

		audits, journal := e.count(t, `SELECT COUNT(*) FROM audit`), e.count(t, `SELECT COUNT(*) FROM transfer_log`)
		r, ok := e.resend(t, 4242, snap, "key-1")
		if !ok {
			t.Fatal("Resend did not answer the snapshot just applied")
		}
		wantCounts(t, r.Counts, extranet.Counts{Unchanged: 5})
		if len(r.Changes) != 5 || r.Changes[0].Action != extranet.ActionUnchanged || r.Changes[0].LastName != "Prof01" ||
			r.TransferID == "" || r.DryRun || r.SchoolYear != year || !r.EffectiveAt.Equal(extranet.NextNight(e.clock.Now())) {
			t.Fatalf("Resend = %+v", r)
		}
		// Recorded as a transfer: audit, journal, idempotency key.
		if n := e.count(t, `SELECT COUNT(*) FROM audit WHERE action = 'transfer.applied'`); n != 2 || e.count(t, `SELECT COUNT(*) FROM audit`) != audits+1 {
			t.Fatalf("audit rows = %d", n)
		}
		if e.count(t, `SELECT COUNT(*) FROM transfer_log`) != journal+1 ||
			e.count(t, `SELECT COUNT(*) FROM transfer_log WHERE id = ? AND live_grants = 5 AND outcome = 'applied'`, r.TransferID) != 1 {
			t.Fatal("journal entry missing or wrong")
		}
		again, ok := e.resend(t, 4242, snap, "key-1")
		if !ok || again.TransferID != r.TransferID {
			t.Fatalf("replayed key: %+v, %v", again, ok)
		}
		other := snapshot(staff[:4]...)
		if _, _, err := e.svc.Resend(e.ctx, 4242, extranet.SnapshotHash(other), extranet.TransferOptions{IdempotencyKey: "key-1"}); !errors.Is(err, extranet.ErrIdempotencyConflict) {
			t.Fatalf("same key, other body: %v", err)
		}
		if _, err := e.svc.Transfer(e.ctx, 4242, other, extranet.TransferOptions{IdempotencyKey: "key-1"}); !errors.Is(err, extranet.ErrIdempotencyConflict) {
			t.Fatalf("same key, other body through Transfer: %v", err)
		}

		// Another school's token cannot reach this digest.
		e.addSchool(t, 5555, "Institut Sainte-Marie")
		if _, ok := e.resend(t, 5555, snap, ""); ok {
			t.Fatal("another school answered from this school's digest")
		}
		if _, _, err := e.svc.Resend(e.ctx, 9999, extranet.SnapshotHash(snap), extranet.TransferOptions{}); !errors.Is(err, extranet.ErrUnknownSchool) {
			t.Fatalf("unknown school: %v", err)
		}

		// A change: the new snapshot's digest replaces the old one.
		staff[1].Role = "Directeur"
		changed := snapshot(staff...)
		r = e.transfer(t, 4242, changed)
		wantCounts(t, r.Counts, extranet.Counts{Modified: 1, Unchanged: 4})
		if _, ok := e.resend(t, 4242, snap, ""); ok {
			t.Fatal("the previous snapshot is still answered after a change")
		}
		r, ok = e.resend(t, 4242, changed, "")
		if !ok || r.Counts != (extranet.Counts{Unchanged: 5}) || r.Changes[1].Role != "Directeur" {
			t.Fatalf("Resend after the change = %+v, %v", r, ok)
		}

		// The night opens the grants: the answer stays, and stays right
		// (e.night checks every digest against a full transfer).
		e.night(t)
		if _, ok := e.resend(t, 4242, changed, ""); !ok {
			t.Fatal("the night dropped the digest")
		}

		// A snapshot with a rejected entry gets no digest.
		bad := append(append([]extranet.StaffEntry{}, staff...), person("Sans", "Rôle", "1970-01-01", "", "sans.role@ecole.be", "Concierge"))
		r = e.transfer(t, 4242, snapshot(bad...))
		wantCounts(t, r.Counts, extranet.Counts{Unchanged: 5, Rejected: 1})
		if _, ok := e.resend(t, 4242, snapshot(bad...), ""); ok {
			t.Fatal("a snapshot with a rejection was answered from a digest")
		}
		if e.resent == 0 {
			t.Fatal("checkDigests found no digest to check")
		}
	})
}

func TestDigestForgottenWhenANamesakeAppears(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.addSchool(t, 3333, "École C")
		// A knows Jean Dupont with his matricule; B without, and is
		// recognised by names and birth date.
		e.transfer(t, 1111, snapshot(person("Dupont", "Jean", "1980-05-04", "18005040123", "jean.dupont@a.be", "Enseignant")))
		bSnap := snapshot(person("Dupont", "Jean", "1980-05-04", "", "jean.dupont@b.be", "Enseignant"))
		r := e.transfer(t, 2222, bSnap)
		wantCounts(t, r.Counts, extranet.Counts{Created: 1})
		if _, ok := e.resend(t, 2222, bSnap, ""); !ok {
			t.Fatal("no digest for B")
		}
		// C sends another Jean Dupont born the same day, with another
		// matricule: a second person; B's line now names two people.
		r = e.transfer(t, 3333, snapshot(person("Dupont", "Jean", "1980-05-04", "18005040222", "jean.dupont@c.be", "Enseignant")))
		wantCounts(t, r.Counts, extranet.Counts{Created: 1})
		if e.count(t, `SELECT COUNT(*) FROM persons`) != 2 {
			t.Fatal("want two persons")
		}
		if _, ok := e.resend(t, 2222, bSnap, ""); ok {
			t.Fatal("B's digest survived a namesake")
		}
		r = e.transfer(t, 2222, bSnap)
		wantCounts(t, r.Counts, extranet.Counts{Rejected: 1})
	})
}

func TestDigestForgottenWhenAGrantChangesOtherwise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École Saint-Joseph")
		snap := snapshot(numbered("Prof", 3)...)
		e.transfer(t, 4242, snap)
		// Every write of the school-year's grants outside a transfer (an
		// operator's, a school year's expiry) forgets the digest.
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
		if _, ok := e.resend(t, 4242, snap, ""); ok {
			t.Fatal("digest survived a deactivation")
		}
		r := e.transfer(t, 4242, snap)
		wantCounts(t, r.Counts, extranet.Counts{Created: 1, Unchanged: 2})
		err = e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			_, err := tx.ExpireGrants(e.ctx, []string{year})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := e.resend(t, 4242, snap, ""); ok {
			t.Fatal("digest survived the expiry")
		}
	})
}

// A night that renames a person forgets the digests of the schools that
// give them access; the school that sent the other spelling still
// recognises them by the names and birth date it sent.
func TestDigestForgottenWhenTheNightRenamesAPerson(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.addSchool(t, 3333, "École C")
		e.transfer(t, 1111, snapshot(person("Dupont-Durand", "Anne", "1980-05-04", "28005040123", "anne@a.be", "Enseignant")))
		cSnap := snapshot(person("Dupont-Durand", "Anne", "1980-05-04", "", "anne@c.be", "Enseignant"),
			person("Martin", "Luc", "1975-01-31", "", "luc@c.be", "Enseignant"))
		wantCounts(t, e.transfer(t, 3333, cSnap).Counts, extranet.Counts{Created: 2})
		e.night(t)
		// A, whose address is the account's, writes her name otherwise
		// now; the night gives the person that spelling, and with it
		// another identity key.
		wantCounts(t, e.transfer(t, 1111, snapshot(person("Durand", "Anne", "1980-05-04", "28005040123", "anne@a.be", "Enseignant"))).Counts,
			extranet.Counts{Modified: 1})
		if _, ok := e.resend(t, 3333, cSnap, ""); !ok {
			t.Fatal("no digest for C before the night")
		}
		e.night(t) // checks C's digest against a full transfer
		if n := e.count(t, `SELECT COUNT(*) FROM transfer_digests WHERE fase = 3333`); n != 0 {
			t.Fatalf("C's digest survived the renaming of one of its staff")
		}
		if g := e.grants(t, 3333)["Dupont-Durand Anne"]; g.State != extranet.GrantActive {
			t.Fatalf("C's grant = %+v", g)
		}
		wantCounts(t, e.transfer(t, 3333, cSnap).Counts, extranet.Counts{Unchanged: 2})
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
		if r, ok := e.resend(t, 4242, snap, ""); !ok || !r.EffectiveAt.Equal(at) {
			t.Fatalf("re-send effectiveAt = %v (%v), want %v", r.EffectiveAt, ok, at)
		}
	})
}
