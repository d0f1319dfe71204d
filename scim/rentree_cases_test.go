package scim

// The rentrée of a school fed by SCIM (rentree_scim.go): the cases around
// the night's run.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/wire"
)

// paulAtB gives Paul Servais an access at school B for the year, by its
// snapshot: the person whose account other schools' accesses are told to.
func (e *env) paulAtB(t *testing.T) wire.StaffEntry {
	t.Helper()
	p := wire.StaffEntry{LastName: "Servais", FirstName: "Paul", BirthDate: "1975-04-03", Email: "p@b.be", Role: "Enseignant"}
	if _, err := e.svc.Transfer(context.Background(), faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{p}}, extranet.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	return p
}

// samePUTTwice sends body twice to user id, and fails when the two
// answers differ: the same PUT gets the same answer.
func (e *env) samePUTTwice(t *testing.T, id string, body map[string]any) {
	t.Helper()
	var got []int
	for range 2 {
		resp, m := e.do("PUT", "/Users/"+id, e.tokenA, body)
		got = append(got, resp.StatusCode)
		t.Logf("PUT: %d %v %v", resp.StatusCode, m["scimType"], m["detail"])
	}
	if got[0] != got[1] {
		t.Fatalf("the same PUT answered %d then %d", got[0], got[1])
	}
}

// nightAt runs the night that follows 20:00 on the given Brussels day and
// leaves the clock 8 hours later.
func (e *env) nightAt(t *testing.T, y int, m time.Month, d int) extranet.NightReport {
	t.Helper()
	at := extranet.NextNight(time.Date(y, m, d, 20, 0, 0, 0, frtext.Brussels))
	e.now = at
	rep, err := e.svc.Night(context.Background(), at, nil)
	if err != nil {
		t.Fatalf("night of %d/%d: %+v %v", d, m, rep, err)
	}
	e.now = at.Add(8 * time.Hour)
	return rep
}

func (e *env) yearGrant(t *testing.T, fase int, y, email string) (extranet.Grant, bool) {
	t.Helper()
	recs, err := e.store.YearGrants(context.Background(), fase, y)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Grant.Target().Email == email {
			return r.Grant, true
		}
	}
	return extranet.Grant{}, false
}

// Between midnight and the night's run, a DELETE by an id of the ended
// year reaches its access, carried over: an identity provider takes the
// answer for done, and the run does not carry the user into the new year.
func TestDeletionBeforeTheRentreeRun(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		bobID := e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		e.nightAt(t, 2026, time.November, 26)

		// Saturday 3 July 2027, 00:30: Bob leaves, the IdP deletes him.
		e.now = time.Date(2027, time.July, 3, 0, 30, 0, 0, frtext.Brussels)
		resp, m := e.do("DELETE", "/Users/"+bobID, e.tokenA, nil)
		t.Logf("DELETE in the window: %d %v", resp.StatusCode, m["detail"])

		rep := e.nightAt(t, 2027, time.July, 2)
		t.Logf("night: renewed schools %d, errors %v", rep.SCIMSchoolsRenewed, rep.Errors)
		resp, m = e.do("GET", "/Users/"+bobID, e.tokenA, nil)
		if g, ok := e.yearGrant(t, faseA, "2027-2028", "bob@a.be"); ok && g.Live() {
			t.Fatalf("Bob, deleted by the IdP (answered %d), is carried into 2027-2028: grant %s, GET /Users/%s → %d active=%v",
				404, g.State, bobID, resp.StatusCode, m["active"])
		}
	})
}

// A user created on the last day of the year (pending, never opened) is
// carried as a new access, not a continuation: the person's account is
// told of it (docs/security.md rule 3).
func TestLastDayUserIsToldAsANewAccess(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		// Paul is known at school B, with his account at p@b.be.
		e.paulAtB(t)
		e.nightAt(t, 2026, time.November, 26)
		// School A has its own SCIM user, and on Friday 2 July (the last
		// day, after that night's run) creates Paul at another address.
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		e.nightAt(t, 2026, time.November, 27)
		e.now = time.Date(2027, time.July, 2, 14, 0, 0, 0, frtext.Brussels)
		e.create(e.tokenA, user("evil@a.be", "Servais", "Paul", "1975-04-03"))

		rep := e.nightAt(t, 2027, time.July, 2)
		g, ok := e.yearGrant(t, faseA, "2027-2028", "evil@a.be")
		t.Logf("night: %+v; Paul's grant of 2027-2028 at A: %v %s", rep, ok, g.State)
		var toAccount []string
		for after := ""; ; {
			ms, err := e.store.UnsentAfter(ctx, after, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 {
				break
			}
			for _, m := range ms {
				after = m.ID
				if m.NightID == rep.ID {
					toAccount = append(toAccount, m.Kind+" to "+m.To+": "+m.Subject)
				}
			}
		}
		t.Logf("e-mails of the rentrée's night: %q", toAccount)
		if ok && g.State == extranet.GrantActive && len(toAccount) == 0 {
			t.Fatalf("an access at evil@a.be opened for Paul's account, never opened before, and p@b.be is told nothing (notices %d)", rep.Notices)
		}
	})
}

// A user the identity provider created in the new year, then deactivated,
// stays deactivated: the renewal leaves a person with a grant of the new
// year to it, and ends the access of the ended year.
func TestNewYearDeactivationStays(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		e.nightAt(t, 2026, time.November, 26)

		e.now = time.Date(2027, time.July, 3, 0, 30, 0, 0, frtext.Brussels)
		bob := user("bob@a.be", "Dubois", "Bob", "1980-02-02")
		newID := e.create(e.tokenA, bob)
		resp, m := e.do("PATCH", "/Users/"+newID, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		e.want(resp, m, 200, "")

		rep := e.nightAt(t, 2027, time.July, 2)
		g, _ := e.yearGrant(t, faseA, "2027-2028", "bob@a.be")
		resp, m = e.do("GET", "/Users/"+newID, e.tokenA, nil)
		t.Logf("night: renewed %d, errors %v; Bob 2027-2028 %s; GET %d active=%v", rep.SCIMSchoolsRenewed, rep.Errors, g.State, resp.StatusCode, m["active"])
		if g.Live() {
			t.Fatalf("Bob, deactivated by the IdP in 2027-2028, is active again after the renewal (%s)", g.State)
		}
		if rep.SCIMSchoolsRenewed != 1 {
			t.Fatalf("the school is not renewed because the IdP deactivated one user of the new year: %v", rep.Errors)
		}
	})
}

// raceStore runs hook once, just before the first transaction after the
// listing of the schools to renew (the renewal of the first school).
type raceStore struct {
	extranet.Store
	n    int
	hook func()
}

func (r *raceStore) Update(ctx context.Context, now time.Time, fn func(tx extranet.Tx) error) error {
	r.n++
	if r.n == 2 && r.hook != nil {
		h := r.hook
		r.hook = nil
		h()
	}
	return r.Store.Update(ctx, now, fn)
}

// A snapshot of the new year that lands between the listing of the
// schools to renew and the school's turn decides: the renewal checks
// again under the school's lock, and carries no one the snapshot left out.
func TestRenewalAfterTheSchoolSentTheYear(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		e.nightAt(t, 2026, time.November, 26)

		at := extranet.NextNight(time.Date(2027, time.July, 2, 20, 0, 0, 0, frtext.Brussels))
		e.now = at
		orig := e.svc.Store
		rs := &raceStore{Store: orig}
		rs.hook = func() {
			e.svc.Store = orig
			// The school sends 2027-2028: Alice only, Bob has left.
			snap := wire.Snapshot{SchoolYear: "2027-2028", ConfirmDeactivations: 1, Staff: []wire.StaffEntry{
				{LastName: "Lenoir", FirstName: "Alice", BirthDate: "1975-01-01", Email: "alice@a.be", Role: "Enseignant"}}}
			if _, err := e.svc.Transfer(ctx, faseA, snap, extranet.TransferOptions{Actor: "api:4242"}); err != nil {
				t.Errorf("transfer: %v", err)
			}
			e.svc.Store = rs
		}
		e.svc.Store = rs
		rep, err := e.svc.Night(ctx, at, nil)
		e.svc.Store = orig
		if err != nil {
			t.Fatal(err)
		}
		g, ok := e.yearGrant(t, faseA, "2027-2028", "bob@a.be")
		t.Logf("night: renewed %d errors %v; Bob 2027-2028: %v %s", rep.SCIMSchoolsRenewed, rep.Errors, ok, g.State)
		if ok && g.Live() {
			t.Fatalf("the school sent 2027-2028 without Bob; the night's renewal, listed before, gave him an access of 2027-2028 (%s)", g.State)
		}
	})
}

// A user carried at two rentrées keeps its id, and so does one with a
// generation suffix.
func TestCarriedTwiceKeepsItsID(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		aliceID := e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		bobID := e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		e.nightAt(t, 2026, time.November, 26)
		resp, m := e.do("DELETE", "/Users/"+bobID, e.tokenA, nil)
		e.want(resp, m, 204, "")
		bob2 := e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		if !strings.HasSuffix(bob2, ".1") {
			t.Fatalf("bob's second id %s", bob2)
		}
		e.nightAt(t, 2026, time.November, 27)
		for _, n := range []struct {
			y int
			d int
		}{{2027, 2}, {2028, 7}} {
			rep := e.nightAt(t, n.y, time.July, n.d)
			if rep.SCIMSchoolsRenewed != 1 || len(rep.Errors) > 0 {
				t.Fatalf("rentrée %d: %+v", n.y, rep)
			}
			for _, id := range []string{aliceID, bob2} {
				resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
				if resp.StatusCode != 200 || m["id"] != id || m["active"] != true {
					t.Fatalf("rentrée %d: GET %s → %d %v", n.y, id, resp.StatusCode, m)
				}
			}
			resp, m := e.do("GET", "/Users?filter="+`id%20eq%20"`+aliceID+`"`, e.tokenA, nil)
			if got := ids(m); resp.StatusCode != 200 || len(got) != 1 || got[0] != aliceID {
				t.Fatalf("rentrée %d: filter id: %v", n.y, m)
			}
		}
		// The deactivation by the id works after two rentrées.
		resp, m = e.do("PATCH", "/Users/"+aliceID, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		e.want(resp, m, 200, "")
	})
}

// On an ordinary day, the same creation is told to the account's address
// (« Ce n'est pas moi »), as at the rentrée.
func TestForeignAccessIsTold(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		e.paulAtB(t)
		e.nightAt(t, 2026, time.November, 26)
		e.create(e.tokenA, user("evil@a.be", "Servais", "Paul", "1975-04-03"))
		rep := e.nightAt(t, 2026, time.November, 27)
		if rep.Notices == 0 {
			t.Fatalf("baseline: no notice %+v", rep)
		}
		t.Logf("baseline night: notices %d invitations %d", rep.Notices, rep.Invitations)
	})
}

// A school fed by SCIM, one of whose users an operator linked to its
// person (a rejected entry resolved), has its rentrée all the same.
func TestRentreeWithAnOperatorResolvedUser(t *testing.T) {
	for _, withMeta := range []bool{false, true} {
		t.Run(map[bool]string{false: "never-written", true: "written-by-scim"}[withMeta], func(t *testing.T) {
			stores(t, func(t *testing.T, dbURL string) {
				e := newEnv(t, dbURL)
				ctx := context.Background()
				p := wire.StaffEntry{LastName: "Servais", FirstName: "Paul", BirthDate: "1975-04-03", Matricule: "17504030111", Email: "p@b.be", Role: "Enseignant"}
				if _, err := e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{p}}, extranet.TransferOptions{}); err != nil {
					t.Fatal(err)
				}
				e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
				u := user("paul@a.be", "Servais", "Paul", "1975-04-04")
				u[enterpriseUser] = map[string]any{"employeeNumber": "17504030111"}
				resp, m := e.do("POST", "/Users", e.tokenA, u)
				t.Logf("POST Paul with another birth date: %d %v", resp.StatusCode, m["detail"])
				rs, err := e.store.Rejections(ctx, extranet.RejectionFilter{FASE: faseA, OpenOnly: true})
				if err != nil || len(rs) != 1 {
					t.Fatalf("rejections %+v %v", rs, err)
				}
				b, _ := e.yearGrant(t, faseB, year, "p@b.be")
				portal := &extranet.Portal{Store: e.store, Service: e.svc}
				if _, err := portal.ResolveRejection(ctx, rs[0].ID, b.PersonID, "operator:ana"); err != nil {
					t.Fatal(err)
				}
				e.nightAt(t, 2026, time.November, 26)
				resp, m = e.do("GET", "/Users?filter="+`userName%20eq%20"paul@a.be"`, e.tokenA, nil)
				t.Logf("Paul at A after the operator: %v", ids(m))
				if withMeta {
					// The IdP, having matched Paul by userName, writes him once.
					resp, m = e.do("PATCH", "/Users/"+ids(m)[0], e.tokenA, ops(map[string]any{"op": "replace", "path": "displayName", "value": "Paul S."}))
					t.Logf("PATCH Paul: %d %v", resp.StatusCode, m["detail"])
				}
				rep := e.nightAt(t, 2027, time.July, 2)
				t.Logf("rentrée: renewed %d errors %v", rep.SCIMSchoolsRenewed, rep.Errors)
				resp, m = e.do("GET", "/Users", e.tokenA, nil)
				if rep.SCIMSchoolsRenewed != 1 {
					t.Fatalf("school A (SCIM) is not renewed because of one user an operator resolved; its users in 2027-2028: %v", ids(m))
				}
			})
		})
	}
}

// A person's names changed at their own grant's school (a marriage name):
// school A keeps its spelling on its grant (docs/security.md rule 4), and
// its rentrée carries the access to the same person.
func TestRenamedElsewhereStillRenewed(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		p := wire.StaffEntry{LastName: "Servais", FirstName: "Paula", BirthDate: "1975-04-03", Matricule: "27504030111", Email: "p@b.be", Role: "Enseignant"}
		if _, err := e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{p}}, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		e.nightAt(t, 2026, time.November, 26)
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		e.create(e.tokenA, user("paula@a.be", "Servais", "Paula", "1975-04-03"))
		e.nightAt(t, 2026, time.November, 27)
		p.LastName = "Dupont"
		if _, err := e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{p}}, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		e.nightAt(t, 2026, time.November, 28)
		rep := e.nightAt(t, 2027, time.July, 2)
		resp, m := e.do("GET", "/Users", e.tokenA, nil)
		t.Logf("rentrée: renewed %d errors %v; A's users in 2027-2028: %d %v", rep.SCIMSchoolsRenewed, rep.Errors, resp.StatusCode, ids(m))
		if rep.SCIMSchoolsRenewed != 1 {
			t.Fatalf("school A is not renewed (all its users vanish from SCIM) because another school renamed one of its persons")
		}
	})
}

// A run stopped between two schools, then the next run: no user twice,
// no second rentrée; new-year users created before the run are kept.
func TestCrashBetweenSchoolsAndNewYearCreations(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		aliceID := e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		bobID := e.create(e.tokenB, user("bob@b.be", "Dubois", "Bob", "1980-02-02"))
		e.nightAt(t, 2026, time.November, 26)
		// 00:30: school A's IdP creates a new hire in 2027-2028.
		e.now = time.Date(2027, time.July, 3, 0, 30, 0, 0, frtext.Brussels)
		carolID := e.create(e.tokenA, user("carol@a.be", "Petit", "Carol", "1990-03-03"))

		at := extranet.NextNight(time.Date(2027, time.July, 2, 20, 0, 0, 0, frtext.Brussels))
		e.now = at
		ctx, cancel := context.WithCancel(context.Background())
		orig := e.svc.Store
		rs := &raceStore{Store: orig}
		rs.n = -1 // the hook runs before the third transaction: school B's renewal
		rs.hook = cancel
		e.svc.Store = rs
		rep, err := e.svc.Night(ctx, at, nil)
		e.svc.Store = orig
		t.Logf("stopped run: renewed %d err %v", rep.SCIMSchoolsRenewed, err)
		rep, err = e.svc.Night(context.Background(), at.Add(time.Hour), nil)
		if err != nil || rep.SCIMSchoolsRenewed != 1 || len(rep.Errors) > 0 {
			t.Fatalf("second run: %+v %v", rep, err)
		}
		e.now = at.Add(8 * time.Hour)
		for _, c := range []struct{ tok, id string }{{e.tokenA, aliceID}, {e.tokenA, carolID}, {e.tokenB, bobID}} {
			resp, m := e.do("GET", "/Users/"+c.id, c.tok, nil)
			if resp.StatusCode != 200 || m["active"] != true {
				t.Fatalf("GET %s: %d %v", c.id, resp.StatusCode, m)
			}
		}
		for _, f := range []int{faseA, faseB} {
			recs, _ := e.store.YearGrants(context.Background(), f, "2027-2028")
			t.Logf("school %d: %d grants in 2027-2028", f, len(recs))
		}
	})
}

// SCIM writes of the new year while the renewal runs (both lock the
// school first): no deadlock, each write either before or after.
func TestConcurrentWritesDuringTheRenewal(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		for i := range 5 {
			e.create(e.tokenA, user(fmt.Sprintf("u%d@a.be", i), "Nom"+string(rune('A'+i)), "Prénom", fmt.Sprintf("1980-01-%02d", i+1)))
		}
		e.nightAt(t, 2026, time.November, 26)
		at := extranet.NextNight(time.Date(2027, time.July, 2, 20, 0, 0, 0, frtext.Brussels))
		e.now = at
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, _ := e.do("POST", "/Users", e.tokenA, user(fmt.Sprintf("n%d@a.be", i), "Neuf"+string(rune('A'+i)), "Prénom", fmt.Sprintf("1991-02-%02d", i+1)))
				codes[i] = resp.StatusCode
			}()
		}
		rep, err := e.svc.Night(context.Background(), at, nil)
		wg.Wait()
		t.Logf("night: renewed %d errors %v err %v; POSTs %v", rep.SCIMSchoolsRenewed, rep.Errors, err, codes)
		if err != nil || rep.SCIMSchoolsRenewed != 1 {
			t.Fatalf("night %+v %v", rep, err)
		}
		recs, _ := e.store.YearGrants(context.Background(), faseA, "2027-2028")
		if len(recs) != 13 {
			t.Fatalf("%d grants in 2027-2028, want 13", len(recs))
		}
	})
}

// The renewal's journal line and audit.
func TestRenewalJournal(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		e.nightAt(t, 2026, time.November, 26)
		e.nightAt(t, 2027, time.July, 2)
		trs, err := e.store.Transfers(context.Background(), extranet.TransferFilter{FASE: faseA})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trs {
			t.Logf("transfer %s %s actor=%s outcome=%s counts=%+v changes=%d", tr.SchoolYear, tr.At.Format(time.RFC3339), tr.Actor, tr.Outcome, tr.Counts, len(tr.Changes))
		}
		au, _ := e.store.Audit(context.Background(), extranet.AuditFilter{FASE: faseA, Actor: "night"})
		for _, a := range au {
			t.Logf("audit %s %s", a.Action, a.Actor)
		}
	})
}
