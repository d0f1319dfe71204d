package extranetstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/store/schematest"
)

// The two migration trees build the same tables, columns and indexes, so
// that nothing has to be kept in step by hand: a migration written for one
// engine and forgotten for the other fails here.
func TestSchemasEquivalent(t *testing.T) {
	ctx := context.Background()
	lite, err := extranetstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := extranetstore.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	a := schematest.Describe(t, lite.DB(), extranetstore.Schema)
	b := schematest.Describe(t, pg.DB(), extranetstore.Schema)
	if len(a) < 10 {
		t.Fatalf("only %d tables described", len(a))
	}
	for _, d := range schematest.Diff(a, b) {
		t.Errorf("SQLite vs PostgreSQL: %s", d)
	}
}
