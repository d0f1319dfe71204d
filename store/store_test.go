package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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

func TestTimeRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 3, 11, 123456000, time.FixedZone("CET", 3600))
	s := store.FormatTime(now)
	if s != "2026-11-26T16:03:11.123456Z" {
		t.Fatalf("FormatTime = %s", s)
	}
	back, err := store.ParseTime(s)
	if err != nil || !back.Equal(now) {
		t.Fatalf("ParseTime = %v, %v", back, err)
	}
}
