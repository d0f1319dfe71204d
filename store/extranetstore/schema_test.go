package extranetstore_test

import (
	"context"
	"maps"
	"path/filepath"
	"testing"

	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/store/schematest"
)

// sqliteKinds names the extranet's columns that PostgreSQL stores in a
// native type and SQLite in its own (store's package doc).
var sqliteKinds = map[string]string{
	"account_addresses.linked_at":     "time",
	"account_addresses.proven_at":     "time",
	"accounts.activated_at":           "time",
	"accounts.created_at":             "time",
	"accounts.disabled_at":            "time",
	"accounts.updated_at":             "time",
	"audit.at":                        "time",
	"grant_notices.created_at":        "time",
	"grant_notices.decided_at":        "time",
	"grant_notices.disputed_at":       "time",
	"grant_notices.expires_at":        "time",
	"grant_notices.suspended":         "bool",
	"grants.created_at":               "time",
	"grants.pending_since":            "time",
	"grants.sent_birth_date":          "date",
	"grants.since":                    "time",
	"grants.updated_at":               "time",
	"idempotency.created_at":          "time",
	"identity_matches.created_at":     "time",
	"identity_matches.reviewed_at":    "time",
	"locks.expires_at":                "time",
	"night_runs.started":              "time",
	"operators.created_at":            "time",
	"outbox.created_at":               "time",
	"outbox.failed_at":                "time",
	"outbox.sent_at":                  "time",
	"persons.birth_date":              "date",
	"persons.created_at":              "time",
	"persons.updated_at":              "time",
	"rejection_decisions.at":          "time",
	"rejections.first_seen":           "time",
	"rejections.last_seen":            "time",
	"rejections.resolved_at":          "time",
	"school_tokens.created_at":        "time",
	"school_tokens.revoked_at":        "time",
	"school_years_sent.first_at":      "time",
	"schools.created_at":              "time",
	"schools.updated_at":              "time",
	"scim_confirmations.confirmed_at": "time",
	"scim_users.deleted_at":           "time",
	"scim_users.recreated_at":         "time",
	"scim_users.updated_at":           "time",
	"sessions.created_at":             "time",
	"sessions.expires_at":             "time",
	"signin_links.created_at":         "time",
	"signin_links.expires_at":         "time",
	"signin_links.used_at":            "time",
	"space_items.updated_at":          "time",
	"transfer_log.at":                 "time",
	"transfer_log.dismissed_at":       "time",
}

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
	if err := schematest.SQLiteKinds(a, sqliteKinds); err != nil {
		t.Fatal(err)
	}
	b := schematest.Describe(t, pg.DB(), extranetstore.Schema)
	if len(a) < 10 {
		t.Fatalf("only %d tables described", len(a))
	}
	for _, d := range schematest.Diff(a, b) {
		t.Errorf("SQLite vs PostgreSQL: %s", d)
	}
	// A column the list forgets differs: the list cannot hide a text column
	// that PostgreSQL keeps as an instant.
	forgot := schematest.Describe(t, lite.DB(), extranetstore.Schema)
	kinds := maps.Clone(sqliteKinds)
	delete(kinds, "grants.since")
	if err := schematest.SQLiteKinds(forgot, kinds); err != nil {
		t.Fatal(err)
	}
	if d := schematest.Diff(forgot, b); len(d) != 1 {
		t.Errorf("without grants.since in the list, Diff = %v; want one difference", d)
	}
}
