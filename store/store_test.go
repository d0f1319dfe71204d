package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/store"
	"passerelle/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func each(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+filepath.Join(t.TempDir(), "x.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.URL(t)) })
}

func TestOpenMigrateTx(t *testing.T) {
	each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		fsys := os.DirFS("testdata/migrations")
		db, err := store.Open(ctx, url, fsys, store.Options{Schema: "test"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// Migrating again is a no-op.
		if err := db.Migrate(ctx, fsys); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Pending(ctx, fsys); err != nil || n != 0 {
			t.Fatalf("Pending = %d, %v; want 0", n, err)
		}
		err = db.Tx(ctx, time.Now(), func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO things (name) VALUES (?)`, "a?b"); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A failing transaction leaves nothing behind.
		boom := errors.New("boom")
		err = db.Tx(ctx, time.Now(), func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO things (name) VALUES (?)`, "c"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		var n int
		if err := db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM things WHERE name <> '?'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("count = %d, want 1", n)
		}
	})
}

func TestOpenBadURL(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://x", os.DirFS("testdata/migrations"), store.Options{})
	if err == nil {
		t.Fatal("want error")
	}
}

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"sqlite:passerelle.db", "sqlite:passerelle.db"},
		{"sqlite:/var/lib/passerelle/école.db", "sqlite:/var/lib/passerelle/école.db"},
		{"data/passerelle.db", "data/passerelle.db"},
		{"postgres://passerelle:s3cret@db.example:5432/passerelle?sslmode=require",
			"postgres://passerelle:xxxxx@db.example:5432/passerelle?sslmode=require"},
		{"postgresql://passerelle:s3cret@db/passerelle", "postgresql://passerelle:xxxxx@db/passerelle"},
		{"postgres://passerelle@db/passerelle", "postgres://passerelle@db/passerelle"},
		{"postgres://db/passerelle?user=p&password=s3cret&sslpassword=k3y",
			"postgres://db/passerelle?user=p&password=xxxxx&sslpassword=xxxxx"},
		// Unescaped characters in the password.
		{"postgres://u:pa@ss@db/x", "postgres://u:xxxxx@db/x"},
		{"postgres://u:pa#ss@db/x", "postgres://xxxxx@db/x"},
		{"postgres://u:12/34@db/x", "postgres://xxxxx@db/x"},
		{"postgres://u:s3cret@db:port/x", "postgres://xxxxx@db:port/x"},
		// Not a URL Open accepts, still no password shown.
		{"mysql://root:s3cret@db/x", "mysql://root:xxxxx@db/x"},
		{"host=db user=p password=s3cret dbname=x", "host=db user=p password=xxxxx dbname=x"},
		{"host=db password='s3 cret' dbname=x", "host=db password=xxxxx dbname=x"},
	} {
		got := store.Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, secret := range []string{"s3cret", "pa@ss", "pa#ss", "12/34", "k3y", "s3 cret"} {
			if strings.Contains(tt.in, secret) && strings.Contains(got, secret) {
				t.Errorf("Redact(%q) = %q shows %q", tt.in, got, secret)
			}
		}
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://root:s3cret@db/x", os.DirFS("testdata/migrations"), store.Options{})
	if err == nil {
		t.Fatal("want error")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the password: %v", err)
	}
	_, err = store.Open(context.Background(), "postgres://u:s3cret@db:port/x", os.DirFS("testdata/migrations"), store.Options{})
	if err == nil {
		t.Fatal("want error")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the password: %v", err)
	}
}

// Instants, dates and flags go in as Go values and come back the same on
// both engines, the zero time as NULL; instants compare in SQL.
func TestValuesRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, err := store.Open(ctx, url, os.DirFS("testdata/migrations"), store.Options{Schema: "test"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		at := time.Date(2026, 11, 26, 17, 3, 11, 123456789, time.FixedZone("CET", 3600))
		day := time.Date(1984, 2, 29, 0, 0, 0, 0, time.UTC)
		err = db.Tx(ctx, at, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO moments (id, at, day, flag) VALUES (?, ?, ?, ?)`, 1, at, store.Date(day), true); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO moments (id, at, day, flag) VALUES (?, ?, ?, ?)`, 2, time.Time{}, store.Date{}, false)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var gotAt, gotDay time.Time
		var flag bool
		var dayText string
		if err := db.Read().QueryRow(ctx, `SELECT day FROM moments WHERE id = 1`).Scan(store.ScanDateText(&dayText)); err != nil || dayText != "1984-02-29" {
			t.Errorf("ScanDateText = %q, %v", dayText, err)
		}
		if err := db.Read().QueryRow(ctx, `SELECT at, day, flag FROM moments WHERE id = 1 AND at > ? AND flag = ?`, at.Add(-time.Microsecond), true).
			Scan(store.ScanTime(&gotAt), store.ScanDate(&gotDay), &flag); err != nil {
			t.Fatal(err)
		}
		if want := at.UTC().Truncate(time.Microsecond); gotAt != want || gotDay != day || !flag {
			t.Errorf("got %v, %v, %v; want %v, %v, true", gotAt, gotDay, flag, want, day)
		}
		var nulls int
		if err := db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM moments WHERE id = 2 AND at IS NULL AND day IS NULL AND flag = ?`, false).Scan(&nulls); err != nil || nulls != 1 {
			t.Fatalf("zero values as NULL: %d, %v", nulls, err)
		}
		if err := db.Read().QueryRow(ctx, `SELECT at, day, flag FROM moments WHERE id = 2`).
			Scan(store.ScanTime(&gotAt), store.ScanDate(&gotDay), &flag); err != nil {
			t.Fatal(err)
		}
		if !gotAt.IsZero() || !gotDay.IsZero() || flag {
			t.Errorf("NULL read as %v, %v, %v", gotAt, gotDay, flag)
		}
	})
}

func TestFormatTime(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 3, 11, 123456000, time.FixedZone("CET", 3600))
	if s := store.FormatTime(now); s != "2026-11-26T16:03:11.123456Z" {
		t.Fatalf("FormatTime = %s", s)
	}
	if s := store.FormatTime(time.Time{}); s != "" {
		t.Fatalf("FormatTime(zero) = %q", s)
	}
}

// TestPoolSize: a PostgreSQL pool has DefaultMaxConns connections, or what
// the URL's pool_max_conns says, which PostgreSQL is not sent; a bad value
// is refused with a message that says what to write.
func TestPoolSize(t *testing.T) {
	ctx := context.Background()
	fsys := os.DirFS("testdata/migrations")
	base := pgtest.URL(t)
	for _, c := range []struct {
		url  string
		want int
	}{
		{base, store.DefaultMaxConns()},
		{pgtest.WithParam(base, "pool_max_conns=7"), 7},
	} {
		db, err := store.Open(ctx, c.url, fsys, store.Options{Schema: "pool"})
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if got := db.W.Stats().MaxOpenConnections; got != c.want {
			t.Errorf("%s: pool of %d connections, want %d", c.url, got, c.want)
		}
		if err := db.Ping(ctx); err != nil {
			t.Errorf("%s: %v", c.url, err)
		}
		db.Close()
	}
	if n := store.DefaultMaxConns(); n < 4 {
		t.Errorf("DefaultMaxConns() = %d, want at least 4", n)
	}
	for _, bad := range []string{"0", "abc", "-3", "5000"} {
		_, err := store.Open(ctx, pgtest.WithParam(base, "pool_max_conns="+bad), fsys, store.Options{Schema: "pool"})
		if err == nil || !strings.Contains(err.Error(), "pool_max_conns="+bad) || !strings.Contains(err.Error(), "entre 1 et 1000") {
			t.Errorf("pool_max_conns=%s: err = %v, want a message naming it", bad, err)
		}
	}
}

// TestReady: a database is ready when it answers and holds exactly the
// migrations given; otherwise the refusal says what to do, in French.
func TestReady(t *testing.T) {
	each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		fsys := os.DirFS("testdata/migrations")
		db, err := store.Open(ctx, url, fsys, store.Options{Schema: "ready"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Ready(ctx, fsys); err != nil {
			t.Fatalf("Ready: %v", err)
		}
		if _, err := db.Write().Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future.sql', '2027-01-01T00:00:00.000000Z')`); err != nil {
			t.Fatal(err)
		}
		if err := db.Ready(ctx, fsys); err == nil || !strings.HasPrefix(err.Error(), "la base a été migrée par une version plus récente") {
			t.Errorf("Ready on a newer database: %v", err)
		}
		if _, err := db.Write().Exec(ctx, `DELETE FROM schema_migrations`); err != nil {
			t.Fatal(err)
		}
		if err := db.Ready(ctx, fsys); err == nil || !strings.Contains(err.Error(), "non appliquée(s) : redémarrez le service") {
			t.Errorf("Ready with migrations left: %v", err)
		}
		db.Close()
		if err := db.Ready(ctx, fsys); err == nil || !strings.HasPrefix(err.Error(), "base de données injoignable") {
			t.Errorf("Ready on a closed database: %v", err)
		}
	})
}

// TestTxPanicDoesNotHang: a panic in a transaction's function reaches the
// caller at once, nothing of the transaction stays, and the next
// transaction runs (on SQLite once the panicked one's context ends, which
// net/http does for a request).
func TestTxPanicDoesNotHang(t *testing.T) {
	each(t, func(t *testing.T, url string) {
		db, err := store.Open(context.Background(), url, os.DirFS("testdata/migrations"), store.Options{Schema: "panics"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const insert = `INSERT INTO things (name) VALUES (?)`
		// Run once before, so that the panicking transaction runs it a
		// second time: on SQLite, a statement to prepare on the way out.
		if err := db.Tx(ctx, time.Now(), func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, insert, "kept")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		done := make(chan any)
		go func() {
			defer func() { done <- recover() }()
			db.Tx(ctx, time.Now(), func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, insert, "lost"); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		select {
		case r := <-done:
			if r != "boom" {
				t.Fatalf("recovered %v, want boom", r)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Tx hung after a panic")
		}
		cancel()
		var n int
		err = db.Tx(context.Background(), time.Now(), func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT count(*) FROM things WHERE name = ?`, "lost").Scan(&n)
		})
		if err != nil || n != 0 {
			t.Fatalf("after the panic: %d rows, %v", n, err)
		}
	})
}
