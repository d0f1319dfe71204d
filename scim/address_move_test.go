package scim

import (
	"context"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/wire"
)

// An address move made through SCIM on the last day (a pending
// modification) is carried as a new grant at the new address: a
// continuation, but at another address, so the account's address is told
// of the move, as on any other day (docs/security.md rule 3: « or moves
// one of the account's accesses to another address »).
func TestLastDayAddressMoveIsTold(t *testing.T) {
	for _, lastDay := range []bool{false, true} {
		t.Run(map[bool]string{false: "ordinary-day", true: "last-day"}[lastDay], func(t *testing.T) {
			stores(t, func(t *testing.T, dbURL string) {
				e := newEnv(t, dbURL)
				e.paulAtB(t)
				e.nightAt(t, 2026, time.November, 26)
				// School A gives Paul's access the account's own address.
				u := user("paul@a.be", "Servais", "Paul", "1975-04-03")
				u["emails"] = []any{map[string]any{"value": "p@b.be", "type": "work", "primary": true}}
				id := e.create(e.tokenA, u)
				r0 := e.nightAt(t, 2026, time.November, 27)
				t.Logf("A's access opened: notices %d", r0.Notices)
				var rep extranet.NightReport
				if lastDay {
					e.now = time.Date(2027, time.July, 2, 14, 0, 0, 0, frtext.Brussels)
				}
				resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "evil@a.be"}))
				e.want(resp, m, 200, "")
				if lastDay {
					rep = e.nightAt(t, 2027, time.July, 2)
				} else {
					rep = e.nightAt(t, 2026, time.November, 28)
				}
				g, _ := e.yearGrant(t, faseA, extranet.CurrentSchoolYear(e.now), "evil@a.be")
				t.Logf("night: notices %d renewed %d; grant at evil@a.be: %s", rep.Notices, rep.Renewed, g.State)
				if g.State == extranet.GrantActive && rep.Notices == 0 {
					t.Fatalf("Paul's access at A moved to evil@a.be and p@b.be was told nothing")
				}
			})
		})
	}
}

// A snapshot school that moves an access off the account's address with
// its new year: the account's address is told, the access renewed.
func TestSnapshotRentreeAddressMoveIsTold(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		p := e.paulAtB(t)
		if _, err := e.svc.Transfer(ctx, faseA, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{p}}, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		e.nightAt(t, 2026, time.November, 26)
		e.now = time.Date(2027, time.July, 2, 14, 0, 0, 0, frtext.Brussels)
		q := p
		q.Email = "evil@a.be"
		if _, err := e.svc.Transfer(ctx, faseA, wire.Snapshot{SchoolYear: "2027-2028", Staff: []wire.StaffEntry{q}}, extranet.TransferOptions{}); err != nil {
			t.Fatal(err)
		}
		rep := e.nightAt(t, 2027, time.July, 2)
		g, _ := e.yearGrant(t, faseA, "2027-2028", "evil@a.be")
		if rep.Notices != 1 || rep.Renewed != 1 || g.State != extranet.GrantActive {
			t.Fatalf("snapshot rentrée: notices %d renewed %d; grant at evil@a.be: %s", rep.Notices, rep.Renewed, g.State)
		}
	})
}

// After a SCIM rentrée every user continues an access of the year before,
// so a reactivation is a continuation: deactivated, moved to another
// address (while inactive, or by the reactivating PATCH), then reactivated,
// the access is told to the account's address, as the same move on the
// active user is (docs/security.md rule 3).
func TestMoveThenReactivationIsTold(t *testing.T) {
	for _, via := range []string{"direct", "inactive", "one-patch-reactivation"} {
		t.Run(via, func(t *testing.T) {
			stores(t, func(t *testing.T, dbURL string) {
				e := newEnv(t, dbURL)
				ctx := context.Background()
				p := wire.StaffEntry{LastName: "Servais", FirstName: "Paul", BirthDate: "1975-04-03", Email: "p@b.be", Role: "Enseignant"}
				for _, y := range []string{year, "2027-2028"} {
					if _, err := e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: y, Staff: []wire.StaffEntry{p}}, extranet.TransferOptions{}); err != nil {
						t.Fatal(err)
					}
					if y == year {
						e.nightAt(t, 2026, time.November, 26)
						e.now = time.Date(2027, time.June, 5, 10, 0, 0, 0, frtext.Brussels)
					}
				}
				u := user("paul@a.be", "Servais", "Paul", "1975-04-03")
				u["emails"] = []any{map[string]any{"value": "p@b.be", "type": "work", "primary": true}}
				e.now = time.Date(2026, time.November, 27, 10, 0, 0, 0, frtext.Brussels)
				id := e.create(e.tokenA, u)
				e.nightAt(t, 2026, time.November, 27)
				rep := e.nightAt(t, 2027, time.July, 2)
				if rep.SCIMSchoolsRenewed != 1 {
					t.Fatalf("rentrée: %+v", rep)
				}
				e.now = time.Date(2027, time.September, 6, 10, 0, 0, 0, frtext.Brussels)
				move := ops(map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "evil@a.be"})
				if via == "direct" {
					resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, move)
					e.want(resp, m, 200, "")
				} else if via == "one-patch-reactivation" {
					resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, ops(map[string]any{"op": "replace", "path": "active", "value": false}))
					e.want(resp, m, 200, "")
					rep = e.nightAt(t, 2027, time.September, 5)
					e.now = time.Date(2027, time.September, 6, 10, 0, 0, 0, frtext.Brussels)
					resp, m = e.do("PATCH", "/Users/"+id, e.tokenA, ops(
						map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "evil@a.be"},
						map[string]any{"op": "replace", "path": "active", "value": true}))
					e.want(resp, m, 200, "")
				} else {
					for _, body := range []map[string]any{
						ops(map[string]any{"op": "replace", "path": "active", "value": false}),
						move,
						ops(map[string]any{"op": "replace", "path": "active", "value": true}),
					} {
						resp, m := e.do("PATCH", "/Users/"+id, e.tokenA, body)
						e.want(resp, m, 200, "")
					}
				}
				rep = e.nightAt(t, 2027, time.September, 6)
				g, _ := e.yearGrant(t, faseA, "2027-2028", "evil@a.be")
				t.Logf("%s: notices %d renewed %d; A's grant at evil@a.be %s", via, rep.Notices, rep.Renewed, g.State)
				if g.State == extranet.GrantActive && rep.Notices == 0 {
					t.Fatalf("Paul's access at A left p@b.be for evil@a.be and p@b.be was told nothing")
				}
			})
		})
	}
}
