package schoolstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"passerelle/store"
	"passerelle/store/pgtest"
	"passerelle/store/schematest"
	"passerelle/store/schoolstore"
)

// A database that migrations 001-003 built and filled, with their
// conventions (instants and dates as text, ” for none, flags as 0/1),
// migrates to the native types and reads back the same values.
func TestUpgradeToNativeTypes(t *testing.T) {
	for _, engine := range []struct{ name, url string }{
		{"sqlite", "sqlite:" + filepath.Join(t.TempDir(), "old.db")},
		{"postgres", ""},
	} {
		t.Run(engine.name, func(t *testing.T) {
			url := engine.url
			if url == "" {
				url = pgtest.URL(t)
			}
			ctx := context.Background()
			old, err := store.Open(ctx, url, schematest.Upto(t, os.DirFS("migrations"), 3), store.Options{Schema: schoolstore.Schema})
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO schools (fase, name) VALUES (95, 'Athénée')`,
				`INSERT INTO members (id, last_name, first_name, birth_date) VALUES (1, 'Dupont', 'Anne', '1980-05-04'), (2, 'Martin', 'Paul', '')`,
				`INSERT INTO situations (id, member_id, fase, start_date, end_date, present, active, promotion, function)
					VALUES (10, 1, 95, '2025-09-01', '', 1, 0, 1, 'IN'), (11, 2, 95, '', '2026-06-30', 0, 1, 0, 'IN')`,
				`INSERT INTO settings (fase, auto, auto_consent_at) VALUES (95, 1, '')`,
				`INSERT INTO transfers (id, fase, at, dry_run, outcome, seen_by, seen_at) VALUES
					(20, 95, '2026-11-26T17:03:11.123456Z', 1, 'failed', 'direction', '2026-11-27T08:00:00.000000Z'),
					(21, 95, '2026-11-27T17:03:11.000000Z', 0, 'failed', '', '')`,
				`INSERT INTO users (id, login, password_hash, direction, created_at) VALUES (30, 'direction', 'h', 1, '2026-01-02T03:04:05.000006Z')`,
				`INSERT INTO user_prefs (user_id, key, value, updated_at) VALUES (30, 'cols', '[]', '2026-01-02T03:04:05.000006Z')`,
				`INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, expires_at)
					VALUES ('t', '30', 'school', 'c', '2026-01-02T03:04:05.000006Z', '2999-01-01T00:00:00.000000Z')`,
			} {
				if _, err := old.W.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			old.Close()

			st, err := schoolstore.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rows, err := st.Rows(ctx, 95)
			if err != nil || len(rows) != 2 {
				t.Fatalf("Rows = %d, %v", len(rows), err)
			}
			byID := map[int64]int{rows[0].Situation.ID: 0, rows[1].Situation.ID: 1}
			a, b := rows[byID[10]], rows[byID[11]]
			if !a.Member.BirthDate.Equal(day(1980, 5, 4)) || !a.Situation.Start.Equal(day(2025, 9, 1)) || !a.Situation.End.IsZero() ||
				!a.Situation.Present || a.Situation.Active || !a.Situation.Promotion {
				t.Errorf("row 10 = %+v", a)
			}
			if !b.Member.BirthDate.IsZero() || !b.Situation.Start.IsZero() || !b.Situation.End.Equal(day(2026, 6, 30)) ||
				b.Situation.Present || !b.Situation.Active || b.Situation.Promotion {
				t.Errorf("row 11 = %+v", b)
			}
			set, err := st.Settings(ctx, 95)
			if err != nil || !set.Auto || !set.AutoConsentAt.IsZero() {
				t.Errorf("Settings = %+v, %v", set, err)
			}
			seen, err := st.Transfer(ctx, 95, 20)
			if err != nil || !seen.At.Equal(time.Date(2026, 11, 26, 17, 3, 11, 123456000, time.UTC)) || !seen.DryRun ||
				!seen.SeenAt.Equal(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)) {
				t.Errorf("Transfer 20 = %+v, %v", seen, err)
			}
			unseen, err := st.Transfer(ctx, 95, 21)
			if err != nil || unseen.DryRun || !unseen.SeenAt.IsZero() {
				t.Errorf("Transfer 21 = %+v, %v", unseen, err)
			}
			// The unseen one can still be marked, once.
			if err := st.MarkTransferSeen(ctx, 95, 21, "direction"); err != nil {
				t.Fatal(err)
			}
			if unseen, err = st.Transfer(ctx, 95, 21); err != nil || unseen.SeenAt.IsZero() {
				t.Errorf("after MarkTransferSeen: %+v, %v", unseen, err)
			}
			u, err := st.UserByID(ctx, 30)
			if err != nil || !u.Direction || !u.Created.Equal(time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)) {
				t.Errorf("User = %+v, %v", u, err)
			}
			sessions, _ := st.UIStores(time.Now)
			sess, err := sessions.GetSession(ctx, "t")
			if err != nil || !sess.Expires.Equal(time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("Session = %+v, %v", sess, err)
			}
		})
	}
}
