package store

import (
	"context"
	"os"
	"testing"
	"time"

	"passerelle/store/pgtest"
)

// TestReplanCancelledDropsTheConnection: a context ended between DB.Tx
// taking its connection and renewPlans makes pgx's DeallocateAll forget
// its prepared statements without sending DEALLOCATE ALL (the context is
// checked first). Back in the pool, the connection would fail the next
// statement it prepares under the same name (42P05): renewPlans has it
// thrown away instead.
func TestReplanCancelledDropsTheConnection(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.WithParam(pgtest.URL(t), "pool_max_conns=1"), os.DirFS("testdata/migrations"), Options{Schema: "replancancel"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const q = `SELECT COUNT(*) FROM things WHERE length(name) > ?`
	var n int
	if err := db.Tx(ctx, time.Now(), func(tx *Tx) error { return tx.QueryRow(ctx, q, 3).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	db.Replan()
	cctx, cancel := context.WithCancel(ctx)
	conn, err := db.W.Conn(cctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel() // as a client going away just after DB.Tx took the connection
	if err := db.renewPlans(cctx, conn); err == nil {
		t.Fatal("renewPlans with an ended context: no error")
	}
	conn.Close()
	if err := db.Read().QueryRow(ctx, q, 3).Scan(&n); err != nil {
		t.Fatalf("a read on the pool after a cancelled Replan: %v", err)
	}
}
