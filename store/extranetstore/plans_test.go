package extranetstore_test

import (
	"fmt"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// TestEndedYearReadHasItsOwnPlans: on PostgreSQL, a transfer's read of its
// year's grants and the rentrée's read of the year before are two
// statements, so that a re-sync's read settles on one plan. When they were
// one, the first transfers of new schools, whose read of the year before
// PostgreSQL rightly expects empty, held the statement's average plan
// below its one plan for all: every re-sync planned its read again.
func TestEndedYearReadHasItsOwnPlans(t *testing.T) {
	e := newEnv(t, pgtest.WithParam(pgtest.URL(t), "pool_max_conns=1"), true)
	send := func(fase int) {
		t.Helper()
		snap := wire.Snapshot{SchoolYear: year}
		for k := range 20 {
			snap.Staff = append(snap.Staff, person(fmt.Sprintf("Nom%d", k), fmt.Sprintf("École%d", fase), "1980-05-04", "",
				fmt.Sprintf("p%d@ecole%d.be", k, fase), "Enseignant"))
		}
		if _, err := e.svc.Transfer(e.ctx, fase, snap, extranet.TransferOptions{}); err != nil {
			t.Fatalf("Transfer(%d): %v", fase, err)
		}
	}
	// Thirty schools, their statistics as the store makes them, and every
	// connection's statements prepared anew.
	for fase := 1001; fase <= 1030; fase++ {
		e.addSchool(t, fase, fmt.Sprintf("École %d", fase))
		send(fase)
	}
	db := e.st.DB()
	err := db.Tx(e.ctx, time.Now(), func(tx *store.Tx) error {
		if _, err := tx.Exec(e.ctx, `SET LOCAL default_statistics_target = 10`); err != nil {
			return err
		}
		_, err := tx.Exec(e.ctx, `ANALYZE grants, persons`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Replan()
	// Ten new schools' first transfers (each reads its year and the year
	// before), then twenty re-sends of a school (its year only).
	for fase := 1031; fase <= 1040; fase++ {
		e.addSchool(t, fase, fmt.Sprintf("École %d", fase))
		send(fase)
	}
	for range 20 {
		send(1001)
	}
	var custom, generic int
	err = db.Write().QueryRow(e.ctx, `SELECT COALESCE(SUM(custom_plans), 0), COALESCE(SUM(generic_plans), 0)
FROM pg_prepared_statements WHERE statement LIKE '%WHERE g.fase = $1 AND g.school_year = $2 FOR UPDATE OF g'`).Scan(&custom, &generic)
	if err != nil {
		t.Fatal(err)
	}
	// PostgreSQL makes a plan for each of a statement's first five calls,
	// then keeps to one plan for all unless the average of those it made
	// is cheaper.
	if custom > 5 || generic == 0 {
		t.Fatalf("the read of a transfer's year: %d custom and %d generic plans, want 5 and the others on one plan", custom, generic)
	}
	var ended int
	err = db.Write().QueryRow(e.ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%WHERE g.school_year = $1 AND g.fase = $2 FOR UPDATE OF g'`).Scan(&ended)
	if err != nil || ended != 1 {
		t.Fatalf("the read of the year before: %d statements, %v", ended, err)
	}
}
