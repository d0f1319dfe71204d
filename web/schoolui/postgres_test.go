package schoolui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"passerelle/store/pgtest"
	"passerelle/store/schoolstore"
	"slices"
)

// TestOnPostgres runs the pages on PostgreSQL: sessions, the users'
// preferences (user_prefs, migration 002) and a fiche saved.
func TestOnPostgres(t *testing.T) {
	e := newEnv(t, envOptions{url: pgtest.URL(t)})
	c := e.signedIn("secretariat")
	c.post("/liste/tri", url.Values{"colonne": {"nom"}, "ordre": {"desc"}})
	c.post("/liste/colonnes", url.Values{"colonne": {"nom", "role"}})
	c.post("/liste/tri", url.Values{"colonne": {"nom"}, "ordre": {"asc"}}) // an update of the same preference
	page := c.get("/")
	hidden := hiddenColumns(t, page.body)
	if page.StatusCode != http.StatusOK || doc(t, page.body).One("#liste th.col-nom").Attr("aria-sort") != "ascending" ||
		!slices.Contains(hidden, "hide-niss") || slices.Contains(hidden, "hide-role") {
		t.Fatalf("list on PostgreSQL: status %d", page.StatusCode)
	}
	f := ficheForm(e, "Gensen")
	f.Set("email", "talia.gensen@ecole.be")
	if res := c.post("/situations/"+itoa(e.rows["Gensen"].Situation.ID), f); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("fiche: status %d", res.StatusCode)
	}
}

func TestPrefs(t *testing.T) {
	for _, db := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", "pg"}} {
		t.Run(db.name, func(t *testing.T) {
			opt := envOptions{}
			if db.url != "" {
				opt.url = pgtest.URL(t)
			}
			e := newEnv(t, opt)
			ctx := context.Background()
			p := e.st.Prefs()
			if v, ok, err := p.Pref(ctx, 1, "liste"); err != nil || ok || v != "" {
				t.Fatalf("no preference yet: %q, %v, %v", v, ok, err)
			}
			for _, v := range []string{`{"a":1}`, `{"a":2}`} {
				if err := p.SavePref(ctx, 1, "liste", v); err != nil {
					t.Fatal(err)
				}
			}
			if v, ok, err := p.Pref(ctx, 1, "liste"); err != nil || !ok || v != `{"a":2}` {
				t.Errorf("after two saves: %q, %v, %v", v, ok, err)
			}
			if _, ok, _ := p.Pref(ctx, 2, "liste"); ok {
				t.Error("another user sees the preference")
			}
			if err := p.SavePref(ctx, 1, "liste", strings.Repeat("x", schoolstore.MaxPrefBytes+1)); err == nil {
				t.Error("an oversized preference was saved")
			}
			if err := p.SavePref(ctx, 999, "liste", "{}"); err == nil {
				t.Error("a preference of a missing user was saved")
			}
		})
	}
}
