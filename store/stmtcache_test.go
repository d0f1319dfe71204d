package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSQLiteTxKeepsPreparedStatements runs statements in transactions on
// SQLite with a cache of two: each is prepared after the transaction that
// ran it a second time, used prepared by the next ones, and evicted
// (closed) when two others were used since, after which it runs unprepared
// again; a statement that does not parse is never kept, and its error is
// the transaction's. Every result is checked, prepared or not.
func TestSQLiteTxKeepsPreparedStatements(t *testing.T) {
	ctx := context.Background()
	db := sqliteThings(t, `CREATE TABLE things (n INTEGER NOT NULL)`)
	db.stmts = newStmtCache(db.W, 2)
	const (
		insert = `INSERT INTO things (n) VALUES (?)`
		count  = `SELECT count(*) FROM things WHERE n >= ?`
		sum    = `SELECT coalesce(sum(n), 0) FROM things WHERE n >= ?`
	)
	run := func(i int, qs ...string) (got []int, prepared []bool) {
		t.Helper()
		err := db.Tx(ctx, time.Now(), func(tx *Tx) error {
			for _, q := range qs {
				prepared = append(prepared, db.stmts.get(q) != nil)
				if q == insert {
					if _, err := tx.Exec(ctx, q, i); err != nil {
						return err
					}
					continue
				}
				var n int
				if err := tx.QueryRow(ctx, q, 0).Scan(&n); err != nil {
					return err
				}
				got = append(got, n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		db.stmts.pending.Wait() // the preparer has done its part
		return got, prepared
	}
	want := func(what string, got, want []bool) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: prepared %v, want %v", what, got, want)
				return
			}
		}
	}
	_, p := run(1, insert)
	want("first insert", p, []bool{false})
	got, p := run(2, insert, count)
	want("second insert, first count", p, []bool{false, false})
	if got[0] != 2 {
		t.Errorf("count = %v, want 2", got)
	}
	got, p = run(3, insert, count, sum)
	want("insert prepared, count seen twice, sum once", p, []bool{true, false, false})
	if got[0] != 3 || got[1] != 6 {
		t.Errorf("count, sum = %v, want [3 6]", got)
	}
	// The cache holds insert and count; sum, seen a second time, evicts
	// insert, the least recently used, once its transaction ends.
	got, p = run(4, count, sum)
	want("count prepared, sum seen twice", p, []bool{true, false})
	if got[0] != 3 || got[1] != 6 {
		t.Errorf("count, sum = %v, want [3 6]", got)
	}
	got, p = run(5, insert, count, sum)
	want("insert evicted", p, []bool{false, true, true})
	if got[0] != 4 || got[1] != 11 {
		t.Errorf("count, sum = %v, want [4 11]", got)
	}
	if n := db.stmts.order.Len(); n != 2 {
		t.Errorf("%d statements kept, want 2", n)
	}

	// A statement that does not parse fails its transaction and is not kept.
	bad := `SELECT missing FROM nowhere WHERE n = ?`
	err := db.Tx(ctx, time.Now(), func(tx *Tx) error {
		_, err := tx.Exec(ctx, bad, 1)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("bad statement: %v", err)
	}
	db.Tx(ctx, time.Now(), func(tx *Tx) error { // seen twice
		_, err := tx.Exec(ctx, bad, 1)
		return err
	})
	db.stmts.pending.Wait()
	if db.stmts.get(bad) != nil {
		t.Error("a statement that does not parse was kept")
	}
}

// TestPostgresTxKeepsNoStatement: pgx keeps PostgreSQL's prepared
// statements; the store's cache is SQLite's alone.
func TestPostgresTxKeepsNoStatement(t *testing.T) {
	db, err := open("postgres://nobody@127.0.0.1:1/none", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.stmts != nil {
		t.Error("a statement cache on PostgreSQL")
	}
}

// TestSQLiteTxNestedPreparedQuery runs a cached query again while its own
// rows are open, in one transaction: SQLite steps a statement through one
// result at a time, so the inner run must not take the outer one's.
func TestSQLiteTxNestedPreparedQuery(t *testing.T) {
	ctx := context.Background()
	db := sqliteThings(t, `CREATE TABLE things (n INTEGER NOT NULL); INSERT INTO things VALUES (1), (2), (3)`)
	const q = `SELECT n FROM things WHERE n >= ? ORDER BY n`
	for round := range 4 { // prepared from the third
		var got []int
		err := db.Tx(ctx, time.Now(), func(tx *Tx) error {
			rows, err := tx.Query(ctx, q, 1)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var n, last int
				if err := rows.Scan(&n); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, q, 3).Scan(&last); err != nil {
					return err
				}
				got = append(got, n, last)
			}
			return rows.Err()
		})
		db.stmts.pending.Wait()
		if err != nil || len(got) != 6 || got[0] != 1 || got[2] != 2 || got[4] != 3 || got[5] != 3 {
			t.Errorf("round %d (prepared %v): %v, %v; want [1 3 2 3 3 3]", round, db.stmts.get(q) != nil, got, err)
		}
	}
}

// TestSQLiteStatementsPreparedInTheBackground: handing statements to the
// preparer does not wait for the writer, which another transaction may
// hold for long (the night, an import); they are prepared once it is free,
// and closing the DB stops the preparer.
func TestSQLiteStatementsPreparedInTheBackground(t *testing.T) {
	ctx := context.Background()
	db := sqliteThings(t, `CREATE TABLE things (n INTEGER NOT NULL)`)
	const q = `INSERT INTO things (n) VALUES (?)`
	db.stmts.later([]string{q}) // first sight: nothing to prepare
	held, release := make(chan struct{}), make(chan struct{})
	go db.Tx(ctx, time.Now(), func(tx *Tx) error {
		close(held)
		<-release
		return nil
	})
	<-held
	handed := make(chan struct{})
	go func() {
		db.stmts.later([]string{q}) // second sight
		close(handed)
	}()
	select {
	case <-handed:
	case <-time.After(5 * time.Second):
		t.Fatal("later waited for the writer")
	}
	if db.stmts.get(q) != nil {
		t.Fatal("prepared while the writer was held")
	}
	close(release)
	db.stmts.pending.Wait()
	if db.stmts.get(q) == nil {
		t.Fatal("not prepared once the writer was free")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-db.stmts.stopped:
	default:
		t.Fatal("the preparer still runs after Close")
	}
}

// TestSQLiteTxCacheUnderConcurrentWriters: writers in parallel with a
// cache of one statement, so that statements are prepared, evicted and
// prepared again while others run them; every write counts once.
func TestSQLiteTxCacheUnderConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	db := sqliteThings(t, `CREATE TABLE things (n INTEGER NOT NULL)`)
	db.stmts = newStmtCache(db.W, 1)
	qs := []string{`INSERT INTO things (n) VALUES (?)`, `INSERT INTO things (n) SELECT ? + 0`, `INSERT INTO things (n) SELECT ? * 1`}
	const writers, rounds = 8, 30
	errc := make(chan error, writers)
	for w := range writers {
		go func() {
			var err error
			for r := 0; r < rounds && err == nil; r++ {
				err = db.Tx(ctx, time.Now(), func(tx *Tx) error {
					var before int
					if err := tx.QueryRow(ctx, `SELECT count(*) FROM things WHERE n >= ?`, 0).Scan(&before); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, qs[(w+r)%len(qs)], w)
					return err
				})
			}
			errc <- err
		}()
	}
	for range writers {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.W.QueryRow(`SELECT count(*) FROM things`).Scan(&n); err != nil || n != writers*rounds {
		t.Fatalf("%d rows, %v; want %d", n, err, writers*rounds)
	}
	db.stmts.pending.Wait()
	if got := db.stmts.order.Len(); got > 1 {
		t.Errorf("%d statements kept, at most 1", got)
	}
}

// sqliteThings opens a SQLite database in a temporary folder, runs ddl on
// it, and closes it at the end of the test.
func sqliteThings(t *testing.T, ddl string) *DB {
	t.Helper()
	db, err := open("sqlite:"+filepath.Join(t.TempDir(), "x.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.W.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	return db
}
