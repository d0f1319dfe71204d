package scim

import (
	"context"
	"passerelle/wire"
	"testing"
	"time"

	"passerelle/extranet"
)

// At the rentrée, the night sends the new school year for a school fed by
// SCIM, whose identity provider sends a user only when it changes: its
// users go on in the new year with their ids and creation, without a gap
// or an e-mail, their accesses of the ended year give way the same night,
// and a deactivation works at once. A school fed by snapshots keeps the
// carry-over until it sends.
func TestRentreeCarriesTheSCIMUsers(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		night := func(y int, m time.Month, d int) extranet.NightReport {
			t.Helper()
			rep := e.nightAt(t, y, m, d)
			if len(rep.Errors) > 0 {
				t.Fatalf("night of %d/%d: %+v", d, m, rep)
			}
			return rep
		}
		e.seed(faseB, 3) // a school fed by snapshots

		alice := user("alice@a.be", "Lenoir", "Alice", "1975-01-01")
		alice[extranetUser] = map[string]any{"birthDate": "1975-01-01", "role": "Directeur"}
		aliceID := e.create(e.tokenA, alice)
		bobID := e.create(e.tokenA, user("bob@a.be", "Dubois", "Bob", "1980-02-02"))
		danID := e.create(e.tokenA, user("dan@a.be", "Petit", "Dan", "1990-04-04"))
		resp, m := e.do("PATCH", "/Users/"+danID, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
		e.want(resp, m, 200, "")
		night(2026, time.November, 26)
		resp, before := e.do("GET", "/Users/"+aliceID, e.tokenA, nil)
		e.want(resp, before, 200, "")

		// The last day of 2026-2027 is Friday 2 July 2027.
		rep := night(2027, time.July, 2)
		if rep.SCIMSchoolsRenewed != 1 || rep.Renewed != 2 || rep.Invitations != 0 || rep.Notices != 0 ||
			rep.CarriedSchools != 1 || rep.CarriedOver != 3 || rep.Disabled != 0 {
			t.Fatalf("the rentrée's night: %+v", rep)
		}
		resp, m = e.do("GET", "/Users", e.tokenA, nil)
		e.want(resp, m, 200, "")
		if got := ids(m); len(got) != 2 || !(got[0] == aliceID && got[1] == bobID || got[0] == bobID && got[1] == aliceID) {
			t.Fatalf("users of 2027-2028: %v (want %s and %s)", got, aliceID, bobID)
		}
		resp, m = e.do("GET", "/Users/"+aliceID, e.tokenA, nil)
		e.want(resp, m, 200, "")
		ext, _ := m[extranetUser].(map[string]any)
		meta, _ := m["meta"].(map[string]any)
		bmeta, _ := before["meta"].(map[string]any)
		if m["userName"] != "alice@a.be" || m["externalId"] != "ext-alice@a.be" || m["active"] != true || ext["role"] != "Directeur" ||
			ext["state"] != "active" || meta["created"] != bmeta["created"] {
			t.Fatalf("Alice in 2027-2028: %v (before: %v)", m, before)
		}
		resp, m = e.do("GET", "/Users?filter="+`userName%20eq%20"bob@a.be"`, e.tokenA, nil)
		e.want(resp, m, 200, "")
		if got := ids(m); len(got) != 1 || got[0] != bobID {
			t.Fatalf("filter on Bob: %v", m)
		}
		resp, m = e.do("GET", "/Users/"+danID, e.tokenA, nil)
		e.want(resp, m, 404, "")
		if cs, _, err := e.svc.Carried(ctx, faseA); err != nil || len(cs) != 0 {
			t.Fatalf("school A still carried over: %+v %v", cs, err)
		}
		if cs, _, err := e.svc.Carried(ctx, faseB); err != nil || len(cs) != 1 {
			t.Fatalf("school B carried over: %+v %v", cs, err)
		}
		for _, y := range []string{"2026-2027", "2027-2028"} {
			recs, err := e.store.YearGrants(ctx, faseA, y)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if want := map[string]string{"2026-2027": "deactivated", "2027-2028": "active"}[y]; r.Grant.State != want {
					t.Errorf("%s, %s: %s, want %s", y, r.Grant.Email, r.Grant.State, want)
				}
			}
		}

		// Bob leaves: deactivated at once, by the id he always had.
		resp, m = e.do("PATCH", "/Users/"+bobID, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": "False"}))
		e.want(resp, m, 200, "")
		if m["active"] != false {
			t.Fatalf("Bob: %v", m)
		}
		recs, _ := e.store.YearGrants(ctx, faseA, "2027-2028")
		for _, r := range recs {
			if r.Grant.Email == "bob@a.be" && r.Grant.State != "deactivated" {
				t.Fatalf("Bob's grant of 2027-2028: %+v", r.Grant)
			}
		}
		// Deleted, then created again: a new user, a new id.
		resp, m = e.do("DELETE", "/Users/"+aliceID, e.tokenA, nil)
		e.want(resp, m, 204, "")
		resp, m = e.do("GET", "/Users/"+aliceID, e.tokenA, nil)
		e.want(resp, m, 404, "")
		resp, m = e.do("POST", "/Users", e.tokenA, alice)
		e.want(resp, m, 201, "")
		if m["id"] == aliceID {
			t.Fatalf("a deleted user's id given again: %v", m)
		}

		// The year is sent: the next night renews nothing more.
		if rep := night(2027, time.July, 3); rep.SCIMSchoolsRenewed != 0 {
			t.Fatalf("the night after: %+v", rep)
		}
	})
}

// The rentrée carries each access to the same person, without
// identifying anyone again: a user known by names and birth date only,
// who now has a namesake born the same day at another school, goes on as
// themselves, not as an ambiguous entry.
func TestRentreeKeepsEachAccessToItsPerson(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		p1 := wire.StaffEntry{LastName: "Servais", FirstName: "Paul", BirthDate: "1975-04-03", Matricule: "17504030111", Email: "p1@b.be", Role: "Enseignant"}
		if _, err := e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{p1}}, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		// School A's user is that person, recognised by names and birth
		// date; then school B sends a namesake born the same day.
		id := e.create(e.tokenA, user("paul@a.be", "Servais", "Paul", "1975-04-03"))
		e.nightAt(t, 2026, time.November, 26)
		p2 := p1
		p2.Matricule, p2.Email = "17504030222", "p2@b.be"
		if _, err := e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{p1, p2}}, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		before, err := e.store.YearGrants(ctx, faseA, year)
		if err != nil || len(before) != 1 {
			t.Fatalf("grants of %s: %+v %v", year, before, err)
		}
		rep := e.nightAt(t, 2027, time.July, 2)
		if rep.SCIMSchoolsRenewed != 1 || len(rep.Errors) != 0 || rep.Renewed != 1 || rep.Notices != 0 || rep.Invitations != 0 {
			t.Fatalf("report: %+v", rep)
		}
		after, err := e.store.YearGrants(ctx, faseA, "2027-2028")
		if err != nil || len(after) != 1 || after[0].Person.ID != before[0].Person.ID || after[0].Grant.State != "active" {
			t.Fatalf("grants of 2027-2028: %+v %v (the person was %s)", after, err, before[0].Person.ID)
		}
		resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
		e.want(resp, m, 200, "")
	})
}
