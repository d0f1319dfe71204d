package store

import (
	"context"
	"testing"
	"time"
)

// TestSQLiteCheckpointsAside commits on a SQLite file and checks that the
// writer's own threshold is the backstop, that the checkpointer waits for
// its number of commits, then copies the whole log on its own (its own
// result: every frame logged is copied), that a lone commit is
// checkpointed after the wait, and that closing stops it, twice without
// harm.
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
	// waitRuns waits for the checkpointer's runs, then checks that the
	// last one copied a log that was not empty, whole.
	waitRuns := func(runs int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for db.ckpt.runs.Load() < runs {
			if time.Now().After(deadline) {
				t.Fatalf("%d checkpoints after 10 s, want %d", db.ckpt.runs.Load(), runs)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if logged, copied := db.ckpt.logged.Load(), db.ckpt.copied.Load(); logged == 0 || copied != logged {
			t.Errorf("checkpoint of a log of %d frames copied %d", logged, copied)
		}
	}

	// Eight commits, and a wait long enough never to come.
	db.ckpt.close()
	db.ckpt = startCheckpointer(db.R, 8, time.Hour)
	for i := range 7 {
		insert(i)
	}
	time.Sleep(200 * time.Millisecond)
	if n := db.ckpt.runs.Load(); n != 0 {
		t.Fatalf("%d checkpoints after 7 commits, want none before 8", n)
	}
	insert(7)
	waitRuns(1)

	// A commit alone, checkpointed after the wait.
	db.ckpt.close()
	db.ckpt = startCheckpointer(db.R, 1000, 50*time.Millisecond)
	insert(8)
	waitRuns(1)

	var n int
	if err := db.R.QueryRow(`SELECT count(*) FROM things`).Scan(&n); err != nil || n != 9 {
		t.Fatalf("%d rows (%v), want 9", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.ckpt.close() // a second time: returns at once
}
