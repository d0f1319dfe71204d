package schoolstore_test

import (
	"context"
	"maps"
	"path/filepath"
	"testing"

	"passerelle/store/pgtest"
	"passerelle/store/schematest"
	"passerelle/store/schoolstore"
)

// sqliteKinds names the school side's columns that PostgreSQL stores in a
// native type and SQLite in its own (store's package doc).
var sqliteKinds = map[string]string{
	"members.birth_date":       "date",
	"situations.start_date":    "date",
	"situations.end_date":      "date",
	"situations.present":       "bool",
	"situations.active":        "bool",
	"situations.promotion":     "bool",
	"settings.auto":            "bool",
	"settings.auto_consent_at": "time",
	"transfers.at":             "time",
	"transfers.dry_run":        "bool",
	"transfers.seen_at":        "time",
	"users.direction":          "bool",
	"users.created_at":         "time",
	"user_prefs.updated_at":    "time",
	"sessions.created_at":      "time",
	"sessions.expires_at":      "time",
}

// The two migration trees of the school side build the same schema.
func TestSchemasEquivalent(t *testing.T) {
	ctx := context.Background()
	lite, err := schoolstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := schoolstore.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	a := schematest.Describe(t, lite.DB(), schoolstore.Schema)
	if err := schematest.SQLiteKinds(a, sqliteKinds); err != nil {
		t.Fatal(err)
	}
	b := schematest.Describe(t, pg.DB(), schoolstore.Schema)
	if len(a) < 3 {
		t.Fatalf("only %d tables described", len(a))
	}
	for _, d := range schematest.Diff(a, b) {
		t.Errorf("SQLite vs PostgreSQL: %s", d)
	}
	// A column the list forgets differs: the list cannot hide a text column
	// that PostgreSQL keeps as an instant.
	forgot := schematest.Describe(t, lite.DB(), schoolstore.Schema)
	kinds := maps.Clone(sqliteKinds)
	delete(kinds, "transfers.at")
	if err := schematest.SQLiteKinds(forgot, kinds); err != nil {
		t.Fatal(err)
	}
	if d := schematest.Diff(forgot, b); len(d) != 1 {
		t.Errorf("without transfers.at in the list, Diff = %v; want one difference", d)
	}
}
