package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/errs/wrapcheck"
	"passerelle/store"
)

// wrapExceptions are the exported functions that name no operation, and why.
var wrapExceptions = map[string]string{
	// fn's error is its caller's, returned as it is; the store method
	// that calls Tx names a failure to begin or commit.
	"DB.Tx": "plumbing of the stores' methods",
}

func TestExportedMethodsWrapErrors(t *testing.T) {
	wrapcheck.Check(t, []string{"DB"}, wrapExceptions)
}

func TestFailuresNameTheirOperation(t *testing.T) {
	ctx := context.Background()
	fsys := os.DirFS("testdata/migrations")
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.db"), fsys, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = db.Pending(canceled, fsys)
	if err == nil || !strings.HasPrefix(err.Error(), "store: count pending migrations: ") || !errors.Is(err, context.Canceled) {
		t.Errorf("Pending = %v, want it named and context.Canceled", err)
	}
	if err := db.Ping(canceled); err == nil || !strings.HasPrefix(err.Error(), "store: ping: ") || !errors.Is(err, context.Canceled) {
		t.Errorf("Ping = %v, want it named and context.Canceled", err)
	}
	// Tx names nothing: its caller does.
	err = db.Tx(canceled, time.Now(), func(*store.Tx) error { return nil })
	if !errors.Is(err, context.Canceled) || strings.HasPrefix(err.Error(), "store: ") {
		t.Errorf("Tx = %v, want context.Canceled as it is", err)
	}

	// A bad address is a refusal for the person who typed it: no prefix.
	_, err = store.Open(ctx, "mysql://x", fsys, store.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "adresse de base de données") {
		t.Errorf("Open(mysql://x) = %v, want the French refusal as it is", err)
	}
	// A database that cannot be opened is named.
	_, err = store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.db"), os.DirFS("testdata/none"), store.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "store: migrate: ") {
		t.Errorf("Open with no migrations = %v, want it named", err)
	}
}
