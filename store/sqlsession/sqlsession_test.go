package sqlsession_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"passerelle/store"
	"passerelle/store/pgtest"
	"passerelle/store/sqlsession"
	"passerelle/web"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestSessions(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			url := "sqlite:" + filepath.Join(t.TempDir(), "s.db")
			if backend == "postgres" {
				url = pgtest.URL(t)
			}
			db, err := store.Open(ctx, url, os.DirFS("testdata/migrations"), store.Options{Schema: "s"})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			st := sqlsession.New(db)
			now := time.Now().Truncate(time.Microsecond)
			in := web.Session{TokenHash: "h1", UserID: "7", Kind: web.KindSchool, CSRF: "c", Created: now, Expires: now.Add(time.Hour), Data: map[string]string{"name": "Rémy"}}
			if err := st.CreateSession(ctx, in); err != nil {
				t.Fatal(err)
			}
			got, err := st.GetSession(ctx, "h1")
			if err != nil {
				t.Fatal(err)
			}
			if got.UserID != "7" || got.Data["name"] != "Rémy" || !got.Expires.Equal(in.Expires) || got.Kind != web.KindSchool {
				t.Fatalf("got %+v", got)
			}
			later := now.Add(2 * time.Hour)
			if err := st.TouchSession(ctx, "h1", later); err != nil {
				t.Fatal(err)
			}
			if got, _ := st.GetSession(ctx, "h1"); !got.Expires.Equal(later) {
				t.Fatalf("expiry not moved: %v", got.Expires)
			}
			if err := st.CreateSession(ctx, web.Session{TokenHash: "h2", UserID: "7", Kind: web.KindSchool, CSRF: "d", Created: now, Expires: later}); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteUserSessions(ctx, "7"); err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{"h1", "h2"} {
				if _, err := st.GetSession(ctx, h); !errors.Is(err, web.ErrNoSession) {
					t.Fatalf("%s: err = %v, want ErrNoSession", h, err)
				}
			}
		})
	}
}
