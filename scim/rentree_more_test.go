package scim

// More cases of the SCIM rentrée and of inactive users.

import (
	"context"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/wire"
)

// A school that sent its staff by snapshot in September, then switched to
// SCIM (its identity provider adopted the users and created new ones), is
// fed by SCIM at the rentrée: its latest write decides.
func TestSwitchedToSCIMDuringTheYear(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		snap := wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{
			{LastName: "Lenoir", FirstName: "Alice", BirthDate: "1975-01-01", Email: "alice@a.be", Role: "Directeur"}}}
		e.now = time.Date(2026, time.September, 15, 10, 0, 0, 0, frtext.Brussels)
		if _, err := e.svc.Transfer(ctx, faseA, snap, extranet.TransferOptions{Actor: "api:4242"}); err != nil {
			t.Fatal(err)
		}
		e.nightAt(t, 2026, time.October, 1)
		// The IdP takes over: it finds Alice by userName and writes her.
		resp, m := e.do("GET", "/Users?filter="+`userName%20eq%20"alice@a.be"`, e.tokenA, nil)
		e.want(resp, m, 200, "")
		aliceID := ids(m)[0]
		resp, m = e.do("PATCH", "/Users/"+aliceID, e.tokenA, ops(map[string]any{"op": "replace", "path": "externalId", "value": "ext-alice"}))
		e.want(resp, m, 200, "")
		bobID := e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		e.nightAt(t, 2026, time.November, 26)

		rep := e.nightAt(t, 2027, time.July, 2)
		resp, m = e.do("GET", "/Users", e.tokenA, nil)
		t.Logf("rentrée: renewed %d; users of 2027-2028: %v", rep.SCIMSchoolsRenewed, ids(m))
		// The IdP's next change to Bob (a role change) in August.
		e.now = time.Date(2027, time.August, 20, 10, 0, 0, 0, frtext.Brussels)
		resp2, m2 := e.do("PATCH", "/Users/"+bobID, e.tokenA, ops(map[string]any{"op": "replace", "path": extranetUser + ":role", "value": "Directeur"}))
		t.Logf("PATCH Bob's role in August: %d %v", resp2.StatusCode, m2["detail"])
		rep = e.nightAt(t, 2027, time.September, 30)
		a, _ := e.yearGrant(t, faseA, "2026-2027", "alice@a.be")
		b, _ := e.yearGrant(t, faseA, "2026-2027", "bob@a.be")
		_, na := e.yearGrant(t, faseA, "2027-2028", "alice@a.be")
		t.Logf("night of 1 October: expired %d disabled %d; Alice 2026-2027 %s, Bob %s; Alice has a 2027-2028 grant: %v", rep.Expired, rep.Disabled, a.State, b.State, na)
		if !na {
			t.Fatalf("a school fed by SCIM since November (its IdP writes every user) lost all its accesses at the grace deadline because it sent one snapshot in September; SCIM users of 2027-2028: none, role PATCH answered %d", resp2.StatusCode)
		}
	})
}

// The same deactivating PUT with a role the extranet does not know gets
// the same answer when sent again on the user it made inactive.
func TestSameDeactivatingPUTWithUnknownRole(t *testing.T) {
	for _, c := range []struct{ name, role, email string }{
		{"unknown-role", "Stagiaire", "anne@ecole.be"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stores(t, func(t *testing.T, dbURL string) {
				e := newEnv(t, dbURL)
				id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
				body := user("anne@ecole.be", "Martin", "Anne", "1980-01-02")
				body["active"] = false
				body[extranetUser] = map[string]any{"birthDate": "1980-01-02", "role": c.role}
				if c.email == "x" {
					long := "a@" + repeat("b", 60) + "." + repeat("c", 60) + "." + repeat("d", 60) + "." + repeat("e", 60) + ".be"
					body["emails"] = []any{map[string]any{"value": long, "type": "work", "primary": true}}
				}
				e.samePUTTwice(t, id, body)
			})
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// The account whose own grant was carried keeps its address and stays
// open; its own grant becomes the new one.
func TestOwnGrantCarried(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		e.nightAt(t, 2026, time.November, 26)
		old, _ := e.yearGrant(t, faseA, year, "alice@a.be")
		acc, err := e.store.PersonAccount(ctx, old.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		rep := e.nightAt(t, 2027, time.July, 2)
		nw, _ := e.yearGrant(t, faseA, "2027-2028", "alice@a.be")
		acc2, err := e.store.PersonAccount(ctx, old.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("report %+v", rep)
		t.Logf("account before: %s %s own=%s (old %s); after: %s %s own=%s (new %s)", acc.Email, acc.State, acc.OwnGrantID, old.ID, acc2.Email, acc2.State, acc2.OwnGrantID, nw.ID)
		if acc2.Email != "alice@a.be" || acc2.State == "disabled" || acc2.OwnGrantID != nw.ID {
			t.Fatalf("account after the rentrée: %+v", acc2)
		}
	})
}

// A school fed by SCIM also prepared the rentrée in June (Bob kept).
// Between midnight and the run, its identity provider deactivates Bob by
// his id: refused (409), since the school's snapshot of 2027-2028 decides,
// never a 200 while that access opens.
func TestOldIDDeactivationAfterPreparation(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		e.create(e.tokenA, user("alice@a.be", "Lenoir", "Alice", "1975-01-01"))
		bobID := e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		e.nightAt(t, 2026, time.November, 26)
		e.now = time.Date(2027, time.June, 10, 10, 0, 0, 0, frtext.Brussels)
		prep := wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{
			{LastName: "Lenoir", FirstName: "Alice", BirthDate: "1975-01-01", Email: "alice@a.be", Role: "Enseignant"},
			{LastName: "Dubois", FirstName: "Bob", BirthDate: "1980-02-02", Email: "bob@a.be", Role: "Enseignant"}}}
		if _, err := e.svc.Transfer(ctx, faseA, prep, extranet.TransferOptions{Actor: "api:4242"}); err != nil {
			t.Fatal(err)
		}
		e.now = time.Date(2027, time.July, 3, 0, 30, 0, 0, frtext.Brussels)
		resp, m := e.do("PATCH", "/Users/"+bobID, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		t.Logf("deactivation of Bob by his id at 00:30: %d active=%v", resp.StatusCode, m["active"])
		rep := e.nightAt(t, 2027, time.July, 2)
		g, ok := e.yearGrant(t, faseA, "2027-2028", "bob@a.be")
		t.Logf("night: renewed %d activated %d notices %d invitations %d; Bob 2027-2028: %v %s", rep.SCIMSchoolsRenewed, rep.Activated, rep.Notices, rep.Invitations, ok, g.State)
		if resp.StatusCode == 200 && ok && g.Live() {
			t.Fatalf("the IdP was told Bob is inactive (200), and Bob's access of 2027-2028 is %s", g.State)
		}
	})
}

// The same with a PATCH (active false and a role the extranet does not
// know: refused on the inactive user, as documented), and a PUT with an
// address an active user would be refused: the same answer twice.
func TestSameDeactivationTwiceVariants(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		id := e.create(e.tokenA, user("anne@ecole.be", "Martin", "Anne", "1980-01-02"))
		id2 := e.create(e.tokenA, user("paul@ecole.be", "Martin", "Paul", "1980-01-03"))
		patch := ops(map[string]any{"op": "replace", "path": "active", "value": false},
			map[string]any{"op": "replace", "path": extranetUser + ":role", "value": "Stagiaire"})
		var got []int
		for range 2 {
			resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, patch)
			got = append(got, resp.StatusCode)
			t.Logf("PATCH: %d %v", resp.StatusCode, m["detail"])
		}
		body := user("paul@ecole.be", "Martin", "Paul", "1980-01-03")
		body["active"] = false
		body["emails"] = []any{map[string]any{"value": "paul@@ecole", "type": "work", "primary": true}}
		for range 2 {
			resp, m := e.do("PUT", "/Users/"+id2, e.tokenA, body)
			got = append(got, resp.StatusCode)
			t.Logf("PUT bad address: %d %v", resp.StatusCode, m["detail"])
		}
		// The PATCH pair (200 then 400) is logged only: the docs refuse a
		// PATCH aimed at an inactive user's values.
		if got[2] != got[3] {
			t.Fatalf("the same deactivating PUT with an address an active user is refused answered %d then %d (PATCH pair: %d %d)", got[2], got[3], got[0], got[1])
		}
	})
}

// The carry ends never-opened accesses as removed: it does not count
// against the school's next SCIM deactivations.
func TestGuardAfterTheCarry(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		var idsA []string
		for i := range 6 {
			idsA = append(idsA, e.create(e.tokenA, user("u"+string(rune('a'+i))+"@a.be", "Nom"+string(rune('A'+i)), "Prénom", "1980-01-0"+string(rune('1'+i)))))
		}
		e.nightAt(t, 2026, time.November, 26)
		e.now = time.Date(2027, time.July, 2, 14, 0, 0, 0, frtext.Brussels)
		for i := range 4 {
			idsA = append(idsA, e.create(e.tokenA, user("n"+string(rune('a'+i))+"@a.be", "Neuf"+string(rune('A'+i)), "Prénom", "1991-01-0"+string(rune('1'+i)))))
		}
		rep := e.nightAt(t, 2027, time.July, 2)
		if rep.SCIMSchoolsRenewed != 1 {
			t.Fatalf("%+v", rep)
		}
		for i := range 4 {
			resp, m := e.do("PATCH", "/Users/"+idsA[i], e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
			if resp.StatusCode != 200 {
				t.Fatalf("deactivation %d after the carry: %d %v", i+1, resp.StatusCode, m["detail"])
			}
		}
	})
}

// Between midnight and the run, the identity provider gives the userName
// of a user of the ended year to a new user of the new year: the carry
// keeps one user a userName, the carried one shown by its address, and
// the report says so.
func TestCarryKeepsOneUserAUserName(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		old := user("jdupont@a.be", "Dupont", "Jean", "1970-01-01")
		old["emails"] = []any{map[string]any{"value": "jean.dupont@a.be", "type": "work", "primary": true}}
		jeanID := e.create(e.tokenA, old)
		e.nightAt(t, 2026, time.November, 26)
		e.now = time.Date(2027, time.July, 3, 0, 30, 0, 0, frtext.Brussels)
		nw := user("jdupont@a.be", "Dupont", "Julie", "1995-05-05")
		nw["emails"] = []any{map[string]any{"value": "julie.dupont@a.be", "type": "work", "primary": true}}
		resp, m := e.do("POST", "/Users", e.tokenA, nw)
		t.Logf("POST Julie with Jean's userName in the window: %d %v", resp.StatusCode, m["detail"])
		rep := e.nightAt(t, 2027, time.July, 2)
		resp, m = e.do("GET", "/Users?filter="+`userName%20eq%20"jdupont@a.be"`, e.tokenA, nil)
		t.Logf("rentrée: renewed %d errors %v; userName jdupont@a.be: %v", rep.SCIMSchoolsRenewed, rep.Errors, ids(m))
		two := ids(m)
		resp, m = e.do("PATCH", "/Users/"+jeanID, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		t.Logf("Jean leaves, deactivated by his id: %d %v", resp.StatusCode, m["detail"])
		if len(two) > 1 {
			t.Fatalf("two users of 2027-2028 share the userName jdupont@a.be: %v; Jean's deactivation answers %d", two, resp.StatusCode)
		}
	})
}
