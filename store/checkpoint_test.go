package store

import (
	"context"
	"testing"
	"time"
)

// TestSQLiteCheckpointsAside commits on a SQLite file and checks that the
// writer leaves checkpoints to the checkpointer below its backstop, that
// the checkpointer copies the whole log after a burst of commits and after
// a single one (within checkpointWait), and that closing the database
// stops it, twice without harm.
func TestSQLiteCheckpointsAside(t *testing.T) {
	ctx := context.Background()
	db := sqliteThings(t, `CREATE TABLE things (n INTEGER NOT NULL, pad TEXT NOT NULL)`)
	if db.ckpt == nil {
		t.Fatal("no checkpointer on a SQLite file")
	}
	var backstop int
	if err := db.W.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&backstop); err != nil || backstop != walBackstopPages {
		t.Fatalf("writer's wal_autocheckpoint = %d (%v), want %d", backstop, err, walBackstopPages)
	}
	insert := func(n int) {
		t.Helper()
		err := db.Tx(ctx, time.Now(), func(tx *Tx) error {
			// A row of 3 kB: a page or so of log per commit.
			_, err := tx.Exec(ctx, `INSERT INTO things (n, pad) VALUES (?, ?)`, n, string(make([]byte, 3000)))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// waitCopied waits for the checkpointer's runs that copied frames.
	waitCopied := func(runs int64, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for db.ckpt.runs.Load() < runs {
			if time.Now().After(deadline) {
				t.Fatalf("%d checkpoints after %v, want %d", db.ckpt.runs.Load(), within, runs)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for i := range checkpointCommits + 8 {
		insert(i)
	}
	// The burst's first checkpointCommits commits wake it at once, well
	// before checkpointWait; the last eight within it.
	waitCopied(1, checkpointWait/2)
	waitCopied(2, 3*checkpointWait)
	insert(100)
	waitCopied(3, 3*checkpointWait)
	var busy, logged, copied int
	if err := db.R.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err != nil {
		t.Fatal(err)
	}
	if logged != copied {
		t.Errorf("log of %d frames, %d copied, after the checkpointer ran", logged, copied)
	}
	var n int
	if err := db.R.QueryRow(`SELECT count(*) FROM things`).Scan(&n); err != nil || n != checkpointCommits+9 {
		t.Fatalf("%d rows (%v), want %d", n, err, checkpointCommits+9)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.ckpt.close() // a second time: returns at once
}
