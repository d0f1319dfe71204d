package extranetstore_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

// What SCIM keeps beside the grants, on both stores.
func TestSCIMStore(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École A")
		e.transfer(t, 4242, snapshot(numbered("Garde", 3)...))
		g := e.grants(t, 4242)
		if len(g) != 3 {
			t.Fatalf("grants %v", g)
		}
		recs, err := e.st.YearGrants(e.ctx, 4242, year)
		if err != nil {
			t.Fatal(err)
		}
		id := recs[0].Grant.ID
		now := e.clock.Now()
		update := func(fn func(tx extranet.Tx) error) {
			t.Helper()
			if err := e.st.Update(e.ctx, now, fn); err != nil {
				t.Fatal(err)
			}
		}

		// Meta: stored, replaced, read in and out of a transaction.
		update(func(tx extranet.Tx) error {
			return tx.SaveSCIMMeta(e.ctx, 4242, id, extranet.SCIMMeta{ExternalID: "a", UserName: "U", DisplayName: "D"})
		})
		update(func(tx extranet.Tx) error {
			return tx.SaveSCIMMeta(e.ctx, 4242, id, extranet.SCIMMeta{ExternalID: "b", UserName: "U", DeletedAt: now})
		})
		m, err := e.st.SCIMMeta(e.ctx, 4242)
		if err != nil || len(m) != 1 || m[id].ExternalID != "b" || m[id].DisplayName != "" || !m[id].DeletedAt.Equal(now) {
			t.Fatalf("meta %+v %v", m, err)
		}
		if other, _ := e.st.SCIMMeta(e.ctx, 5353); len(other) != 0 {
			t.Fatalf("another school's meta: %+v", other)
		}

		// Recent deactivations: those the school removed after since.
		e.transfer(t, 4242, snapshot(numbered("Garde", 1)...))
		update(func(tx extranet.Tx) error {
			n, err := tx.RecentDeactivations(e.ctx, 4242, year, now.Add(-time.Hour))
			if err == nil && n != 2 {
				t.Errorf("recent deactivations %d, want 2", n)
			}
			n, err = tx.RecentDeactivations(e.ctx, 4242, year, now.Add(time.Hour))
			if err == nil && n != 0 {
				t.Errorf("deactivations after now %d", n)
			}
			return err
		})

		// One entry's rejection: the latest for an address stays open.
		rej := func(key string) *extranet.Rejection {
			return &extranet.Rejection{Key: key, LastName: "X", FirstName: "Y", Email: "x@a.be", Role: "Enseignant", Reason: "r " + key}
		}
		open := func() []extranet.Rejection {
			rs, err := e.st.Rejections(e.ctx, extranet.RejectionFilter{FASE: 4242, OpenOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		update(func(tx extranet.Tx) error { return tx.SaveEntryRejection(e.ctx, 4242, year, "t1", "x@a.be", rej("k1")) })
		update(func(tx extranet.Tx) error { return tx.SaveEntryRejection(e.ctx, 4242, year, "t2", "x@a.be", rej("k2")) })
		if rs := open(); len(rs) != 1 || rs[0].Key != "k2" || rs[0].TransferID != "t2" {
			t.Fatalf("open rejections %+v", rs)
		}
		update(func(tx extranet.Tx) error { return tx.SaveEntryRejection(e.ctx, 4242, year, "t3", "x@a.be", nil) })
		if rs := open(); len(rs) != 0 {
			t.Fatalf("open after a write that went through: %+v", rs)
		}

		// Confirmations: the largest in the window.
		update(func(tx extranet.Tx) error { return tx.ConfirmDeactivations(e.ctx, 4242, 7, "operator:a") })
		update(func(tx extranet.Tx) error { return tx.ConfirmDeactivations(e.ctx, 4242, 5, "operator:b") })
		update(func(tx extranet.Tx) error {
			n, err := tx.ConfirmedDeactivations(e.ctx, 4242, now.Add(-time.Hour))
			if err == nil && n != 7 {
				t.Errorf("confirmed %d, want 7", n)
			}
			n, err = tx.ConfirmedDeactivations(e.ctx, 4242, now.Add(time.Hour))
			if err == nil && n != 0 {
				t.Errorf("confirmed after now %d", n)
			}
			return err
		})
	})
}

// SCIM writes and re-syncs: after each write, every school's last snapshot
// sent again answers what a dry run predicts (checkResend).
func TestSCIMWritesAndResend(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École A")
		e.addSchool(t, 5353, "École B")
		e.transfer(t, 4242, snapshot(
			person("Dupont", "Jean", "1970-01-02", "", "jean@a.be", "Enseignant"),
			person("Martin", "Anne", "1971-02-03", "", "anne@a.be", "Directeur")))
		e.transfer(t, 5353, snapshot(person("Lambert", "Luc", "1972-03-04", "", "luc@b.be", "Enseignant")))
		create := func(fase int, last, first, birth, matricule, email string) extranet.SCIMUser {
			t.Helper()
			u, err := e.svc.SCIMCreate(e.ctx, fase, extranet.SCIMUserInput{UserName: email, LastName: last, FirstName: first,
				BirthDate: birth, Matricule: matricule, Email: email, Role: "Enseignant", Active: true}, extranet.SCIMOptions{})
			if err != nil {
				t.Fatalf("SCIMCreate: %v", err)
			}
			e.checkResend(t)
			return u
		}
		// B gives access to Jean Dupont by names and birth date: a weak
		// match, A's snapshot unchanged.
		create(5353, "Dupont", "Jean", "1970-01-02", "", "jean.dupont@b.be")
		// B gives Anne Martin a matricule: the person A knows learns it.
		create(5353, "Martin", "Anne", "1971-02-03", "27102030111", "anne.martin@b.be")
		// C, with another matricule, creates a namesake: A's entry without
		// matricule becomes ambiguous.
		e.addSchool(t, 6464, "École C")
		create(6464, "Martin", "Anne", "1971-02-03", "27102030222", "anne.martin@c.be")
		// A creates someone B's snapshot does not know.
		u := create(4242, "Neuve", "Paule", "1980-05-06", "", "paule@a.be")
		// A renames and then deletes.
		_, err := e.svc.SCIMReplace(e.ctx, 4242, u.ID, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
			in := extranet.SCIMUserInput{UserName: cur.UserName, LastName: "Neuve-Durand", FirstName: cur.FirstName,
				BirthDate: cur.BirthDate, Email: cur.Email, Role: cur.Role, Active: true}
			return in, nil
		}, extranet.SCIMOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e.checkResend(t)
		if err := e.svc.SCIMDelete(e.ctx, 4242, u.ID, nil, extranet.SCIMOptions{}); err != nil {
			t.Fatal(err)
		}
		e.checkResend(t)
		res, err := e.svc.Transfer(e.ctx, 4242, e.sent[sentKeyOf(4242)], extranet.TransferOptions{DryRun: true})
		if err != nil || res.Counts.Rejected != 1 {
			t.Fatalf("A's snapshot after C's namesake: %+v %v", res.Counts, err)
		}
		if e.resent == 0 {
			t.Fatal("no school re-sent: the checks compared nothing")
		}
	})
}

func sentKeyOf(fase int) sentKey { return sentKey{fase, year} }

// SCIMFedSchools lists the schools whose latest write of the ended year
// came through SCIM, with a live user written so, and only until they
// send the next year; SCIMUserGrant finds the grant of a school year that
// continues a user.
func TestSCIMFedSchoolsAndCarriedUsers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "Snapshots")
		e.addSchool(t, 4243, "SCIM")
		e.addSchool(t, 4244, "Snapshots, then SCIM")
		e.addSchool(t, 4245, "SCIM, then snapshots")
		e.transfer(t, 4242, snapshot(person("Lambert", "Anne", "1980-02-01", "", "anne@a.be", "Enseignant")))
		e.transfer(t, 4244, snapshot(person("Collin", "Marc", "1970-03-02", "", "marc@c.be", "Directeur")))
		for i, fase := range []int{4243, 4243, 4244, 4245} {
			in := extranet.SCIMUserInput{UserName: fmt.Sprintf("u%d@s.be", i), LastName: "Servais", FirstName: fmt.Sprintf("Paul%c", 'a'+i),
				BirthDate: "1975-04-03", Email: fmt.Sprintf("u%d@s.be", i), Role: "Enseignant", Active: true}
			if _, err := e.svc.SCIMCreate(e.ctx, fase, in, extranet.SCIMOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		var fed []int
		var grantID string
		read := func() {
			t.Helper()
			err := e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
				var err error
				if fed, err = tx.SCIMFedSchools(e.ctx, year, "2027-2028", 0); err != nil {
					return err
				}
				grantID, err = tx.SCIMUserGrant(e.ctx, 4243, year, "carried-id")
				return err
			})
			if err != nil && !errors.Is(err, extranet.ErrNotFound) {
				t.Fatal(err)
			}
		}
		e.clock.Set(e.clock.Now().Add(time.Minute))
		e.transfer(t, 4245, snapshot(person("Servais", "Pauld", "1975-04-03", "", "u3@s.be", "Enseignant"),
			person("Collin", "Marc", "1970-03-02", "", "marc@e.be", "Directeur")))
		read()
		if !slices.Equal(fed, []int{4243, 4244}) || grantID != "" {
			t.Fatalf("fed by SCIM: %v, carried user's grant %q", fed, grantID)
		}

		// A user carried from the year before names its id.
		recs, err := e.st.YearGrants(e.ctx, 4243, year)
		if err != nil || len(recs) != 2 {
			t.Fatalf("grants %v %v", recs, err)
		}
		err = e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			return tx.SaveSCIMMeta(e.ctx, 4243, recs[0].Grant.ID, extranet.SCIMMeta{UserName: "u0@s.be", UserID: "carried-id"})
		})
		if err != nil {
			t.Fatal(err)
		}
		read()
		if grantID != recs[0].Grant.ID {
			t.Fatalf("carried user's grant %q, want %q", grantID, recs[0].Grant.ID)
		}
		err = e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			if _, err := tx.SCIMUserGrant(e.ctx, 4243, "2027-2028", "carried-id"); !errors.Is(err, extranet.ErrNotFound) {
				return fmt.Errorf("another year: %v", err)
			}
			if _, err := tx.SCIMUserGrant(e.ctx, 4242, year, "carried-id"); !errors.Is(err, extranet.ErrNotFound) {
				return fmt.Errorf("another school: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Once the school sent the next year, it is no longer listed.
		e.transfer(t, 4243, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{
			person("Servais", "Paula", "1975-04-03", "", "u0@s.be", "Enseignant")}})
		read()
		if !slices.Equal(fed, []int{4244}) {
			t.Fatalf("fed by SCIM after 4243 sent the next year: %v", fed)
		}
	})
}
