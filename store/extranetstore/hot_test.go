package extranetstore_test

import (
	"fmt"
	"testing"

	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// TestOpeningsWriteNoIndex: on PostgreSQL, the night's opening of a grant
// changes no indexed column, and the grants' pages keep room for the new
// versions, so that most openings write no index entry (a heap-only
// tuple). An index on state, pending, since or updated_at, or pages filled
// to the brim, would make every opening write one entry in each of the
// table's indexes (docs/benchmarks.md, « Issue 14: openings without index
// writes »).
func TestOpeningsWriteNoIndex(t *testing.T) {
	e := newEnv(t, pgtest.URL(t), true)
	for fase := 2001; fase <= 2004; fase++ {
		e.addSchool(t, fase, fmt.Sprintf("École %d", fase))
		snap := wire.Snapshot{SchoolYear: year}
		for k := range 40 {
			snap.Staff = append(snap.Staff, person(fmt.Sprintf("Nom%d", k), fmt.Sprintf("École%d", fase), "1980-05-04", "",
				fmt.Sprintf("p%d@ecole%d.be", k, fase), "Enseignant"))
		}
		e.transfer(t, fase, snap)
	}
	var ids []string
	if err := e.st.PendingPersons(e.ctx, year, func(p *extranet.Person) { ids = append(ids, p.ID) }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 160 {
		t.Fatalf("%d pending persons, want 160", len(ids))
	}
	var updated, heapOnly int64
	err := e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
		opened, err := tx.OpenPendingGrants(e.ctx, ids, year)
		if err != nil {
			return err
		}
		if len(opened) != 160 {
			return fmt.Errorf("%d grants opened, want 160", len(opened))
		}
		updated, heapOnly, err = extranetstore.GrantUpdates(e.ctx, tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Pages filled to 70 % hold a new version for about two rows in five
	// the first time every row changes; none without room or with an
	// index on what changes.
	if updated != 160 || heapOnly < updated/4 {
		t.Fatalf("%d grants updated, %d without index writes: want 160, and at least a quarter", updated, heapOnly)
	}
}
