package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"passerelle/store"
	"passerelle/store/pgtest"
)

// TestReplan shows the plan cache's trap that Replan gets out of: a
// statement first run on an empty table keeps being planned at every call
// once the table has grown, its average plan having been so cheap; after
// Replan, its connection prepares it anew and settles on one plan.
func TestReplan(t *testing.T) {
	ctx := context.Background()
	fsys := os.DirFS("testdata/migrations")
	db, err := store.Open(ctx, pgtest.WithParam(pgtest.URL(t), "pool_max_conns=1"), fsys, store.Options{Schema: "replan"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const probe = `SELECT COUNT(*) FROM things WHERE length(name) > ?`
	// run executes the probe n times in a transaction, then reads its
	// plans as the connection's prepared statement counts them.
	run := func(n int) (custom, generic int) {
		t.Helper()
		err := db.Tx(ctx, time.Now(), func(tx *store.Tx) error {
			for range n {
				var c int
				if err := tx.QueryRow(ctx, probe, 3).Scan(&c); err != nil {
					return err
				}
			}
			return tx.QueryRow(ctx, `SELECT COALESCE(SUM(custom_plans), 0), COALESCE(SUM(generic_plans), 0)
FROM pg_prepared_statements WHERE statement LIKE 'SELECT COUNT(*) FROM things WHERE length%'`).Scan(&custom, &generic)
		})
		if err != nil {
			t.Fatal(err)
		}
		return custom, generic
	}
	c0, g0 := run(6) // on an empty table: cheap plans
	err = db.Tx(ctx, time.Now(), func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO things (name) SELECT 'thing ' || i FROM generate_series(1, 20000) i`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write().Exec(ctx, `ANALYZE things`); err != nil {
		t.Fatal(err)
	}
	custom, generic := run(20)
	if generic != g0 || custom != c0+20 {
		t.Fatalf("before Replan: %d custom and %d generic plans after %d and %d, want 20 more custom ones (the premise of Replan)", custom, generic, c0, g0)
	}
	db.Replan()
	custom, generic = run(20)
	if custom > 5 || generic < 15 {
		t.Fatalf("after Replan: %d custom and %d generic plans, want at most 5 custom", custom, generic)
	}
	// Without another Replan, the connection keeps its statements.
	if c, g := run(1); c != custom || g != generic+1 {
		t.Fatalf("a later transaction: %d custom and %d generic plans, want %d and %d", c, g, custom, generic+1)
	}
}
