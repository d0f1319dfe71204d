package schoolstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"passerelle/store/pgtest"
	"passerelle/store/schematest"
	"passerelle/store/schoolstore"
)

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
	b := schematest.Describe(t, pg.DB(), schoolstore.Schema)
	if len(a) < 3 {
		t.Fatalf("only %d tables described", len(a))
	}
	for _, d := range schematest.Diff(a, b) {
		t.Errorf("SQLite vs PostgreSQL: %s", d)
	}
}
