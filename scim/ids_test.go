package scim

import (
	"context"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/wire"
)

// TestDeletedIDAfterSnapshotReopen: a user deleted through SCIM, given
// access again by the school's snapshot (shown as id.1), then deleted
// again through SCIM and created again, does not get id.1 back: every
// DELETE ends a generation.
func TestDeletedIDAfterSnapshotReopen(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		id := e.create(e.tokenA, user("jean.dupont@ecole.be", "Dupont", "Jean", "1980-02-03"))
		resp, _ := e.do("DELETE", "/Users/"+id, e.tokenA, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("DELETE: %d", resp.StatusCode)
		}
		// The school's own transfer gives the access back.
		e.now = e.now.Add(time.Hour)
		snap := wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{{LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-02-03", Email: "jean.dupont@ecole.be", Role: "Enseignant"}}}
		if _, err := e.svc.Transfer(ctx, faseA, snap, extranet.TransferOptions{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		resp, m := e.do("GET", "/Users", e.tokenA, nil)
		e.want(resp, m, 200, "")
		got := ids(m)
		if len(got) != 1 || got[0] != id+".1" {
			t.Fatalf("after the snapshot: %v, want [%s.1]", got, id)
		}
		second := got[0]
		e.now = e.now.Add(time.Hour)
		resp, _ = e.do("DELETE", "/Users/"+second, e.tokenA, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("DELETE %s: %d", second, resp.StatusCode)
		}
		e.now = e.now.Add(time.Hour)
		third := e.create(e.tokenA, user("jean.dupont@ecole.be", "Dupont", "Jean", "1980-02-03"))
		if third == second {
			t.Fatalf("created again as %s: the id DELETEd an hour before", third)
		}
	})
}

// TestUserGivenBackBySnapshotStaysShown: id.1, given by the school's
// snapshot after a DELETE, stays (inactive) when a later snapshot
// deactivates it, as any user no client deleted: only a DELETE hides.
func TestUserGivenBackBySnapshotStaysShown(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		id := e.create(e.tokenA, user("jean.dupont@ecole.be", "Dupont", "Jean", "1980-02-03"))
		e.create(e.tokenA, user("anne.martin@ecole.be", "Martin", "Anne", "1981-02-03"))
		e.do("DELETE", "/Users/"+id, e.tokenA, nil)
		jean := wire.StaffEntry{LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-02-03", Email: "jean.dupont@ecole.be", Role: "Enseignant"}
		anne := wire.StaffEntry{LastName: "Martin", FirstName: "Anne", BirthDate: "1981-02-03", Email: "anne.martin@ecole.be", Role: "Enseignant"}
		e.now = e.now.Add(time.Hour)
		if _, err := e.svc.Transfer(ctx, faseA, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{jean, anne}}, extranet.TransferOptions{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		resp, m := e.do("GET", "/Users/"+id+".1", e.tokenA, nil)
		e.want(resp, m, 200, "")
		e.now = e.now.Add(time.Hour)
		if _, err := e.svc.Transfer(ctx, faseA, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{anne}}, extranet.TransferOptions{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		resp, m = e.do("GET", "/Users/"+id+".1", e.tokenA, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s.1 after the school removed it: %d %v", id, resp.StatusCode, m)
		}
	})
}
