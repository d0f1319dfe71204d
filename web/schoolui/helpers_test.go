package schoolui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/internal/htmlcheck"
	"passerelle/internal/testkit"
	"passerelle/school"
	"passerelle/store/pgtest"
	"passerelle/store/schoolstore"
	"passerelle/transfer"
	"passerelle/web"
	"passerelle/web/schoolui"
)

func TestMain(m *testing.M) {
	testkit.CheapBcrypt()
	os.Exit(pgtest.Main(m))
}

// testNow is a Thursday morning of the 2026-2027 school year.
var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, frtext.Brussels)

const (
	fase     = 4242
	password = "correct-horse-battery"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// person builds a current, active row of a teacher.
func person(last, first, email, function string, role fwb.Role) school.Row {
	return school.Row{
		Member: school.Member{LastName: last, FirstName: first, BirthDate: day(1980, 5, 4), Sex: fwb.SexFemale, SchoolEmail: email},
		Situation: school.Situation{
			Start: day(2015, 9, 1), Present: true, Active: true, Status: "D", Function: function,
			Charge: []fwb.ChargeLine{{Code: function, Periods: 24, FullTime: 24}}, Role: role,
		},
	}
}

// fixtureRows are the test school's staff: an accented name to sort, a
// member without school e-mail (blocking), one without a role (completed by
// the transfer), a director and a former teacher (not active).
func fixtureRows() []school.Row {
	gone := person("Ancien", "Paul", "paul.ancien@ecole.be", "IP", fwb.RoleEnseignant)
	gone.Situation.Active, gone.Situation.Present, gone.Situation.End = false, false, day(2025, 6, 30)
	dir := person("Milord", "Rémy", "remy.milord@ecole.be", "D", fwb.RoleDirecteur)
	dir.Situation.Promotion = true
	dir.Member.NISS, dir.Member.Matricule = "67031502481", "16703150248"
	return []school.Row{
		person("Zimmer", "Anne", "anne.zimmer@ecole.be", "IP", fwb.RoleEnseignant),
		person("Écrivain", "Émile", "emile.ecrivain@ecole.be", "IM", fwb.RoleEnseignant),
		person("Abel", "Marc", "marc.abel@ecole.be", "IP", fwb.RoleEnseignant),
		person("Fabre", "Anne", "anne.fabre@ecole.be", "ME", fwb.RoleNone),
		person("Dupont", "Jean", "jean.dupont@ecole.be", "IP", fwb.RoleEnseignant),
		person("Gensen", "Talia", "", "IM", fwb.RoleEnseignant),
		dir,
		gone,
	}
}

// env is the school pages over HTTP on a real SQLite store, with an
// optional real extranet.
type env struct {
	t        testing.TB
	st       *schoolstore.Store
	handler  http.Handler
	srv      *httptest.Server
	rows     map[string]school.Row // by last name
	extranet *extranet.Service
	extURL   string
}

type envOptions struct {
	url      string // the school database; empty means a new SQLite file
	rows     []school.Row
	extranet bool // start an extranet and store its address and token
	// ipLimiter and trustProxy go to the Config as they are.
	ipLimiter  *web.Limiter
	trustProxy bool
	backoff    *web.Backoff
	log        *slog.Logger // nil: slog.Default()
	// now is the clock of both sides; zero: testNow.
	now time.Time
}

func newEnv(t testing.TB, opt envOptions) *env {
	t.Helper()
	ctx := context.Background()
	at := testNow
	if !opt.now.IsZero() {
		at = opt.now
	}
	now := func() time.Time { return at }
	dbURL := opt.url
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(t.TempDir(), "school.db")
	}
	st, err := schoolstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.Now = now
	if err := st.SaveSchool(ctx, school.School{FASE: fase, Name: "École Sainte-Marie"}); err != nil {
		t.Fatal(err)
	}
	rows := opt.rows
	if rows == nil {
		rows = fixtureRows()
	}
	saved, err := st.SaveRows(ctx, fase, rows)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, rows: map[string]school.Row{}}
	for _, r := range saved {
		e.rows[r.Member.LastName] = r
	}
	for _, u := range []school.User{
		{Login: "direction", Name: "Rémy Milord", Direction: true},
		{Login: "secretariat", Name: "Sophie Secrétaire"},
	} {
		u.PasswordHash, err = web.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if opt.extranet {
		e.startExtranet(now)
	}
	sessions, prefs := st.UIStores(now)
	e.handler, err = schoolui.New(schoolui.Config{
		Store:    st,
		Sessions: sessions,
		Prefs:    prefs,
		Ready:    st.DB().Ping,
		Runner:   &transfer.Runner{Store: st, Now: now},
		FASE:     fase,
		Now:      now,
		Log:      opt.log,

		IPLimiter:  opt.ipLimiter,
		TrustProxy: opt.trustProxy,
		Backoff:    opt.backoff,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	return e
}

// startExtranet starts a real extranet over HTTP, registers the school and
// stores its address and token in the school's settings.
func (e *env) startExtranet(now func() time.Time) {
	x := testkit.StartExtranet(e.t, testkit.ExtranetOptions{
		Now: now, Log: slog.New(slog.DiscardHandler),
		Schools: []testkit.School{{FASE: fase, Name: "École Sainte-Marie"}},
	})
	e.extranet, e.extURL = x.Service, x.URL
	set := school.Settings{FASE: fase, ExtranetURL: x.URL, Token: x.Tokens[fase], AutoHour: school.DefaultAutoHour}
	if err := e.st.SaveSettings(context.Background(), set); err != nil {
		e.t.Fatal(err)
	}
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed unless asked.
type client struct {
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn returns a client signed in as login.
func (e *env) signedIn(login string) *client {
	c := e.client()
	res := c.signIn(login, password)
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in as %s: status %d, want 303\n%s", login, res.StatusCode, res.body)
	}
	return c
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return response{res, string(b)}
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.srv.URL+path, nil)
	return c.do(req)
}

// follow GETs the target of a redirect.
func (c *client) follow(res response) response {
	c.e.t.Helper()
	loc := res.Header.Get("Location")
	if loc == "" {
		c.e.t.Fatalf("no redirect (status %d)", res.StatusCode)
	}
	return c.get(loc)
}

// token reads the CSRF token of a page of the site.
func (c *client) token(path string) string {
	c.e.t.Helper()
	return htmlcheck.Parse(c.e.t, c.get(path).body).CSRF()
}

// post sends a form with the CSRF token of the list page (or of the
// sign-in page for a visitor).
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	from := "/"
	if path == "/connexion" {
		from = "/connexion"
	}
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", c.token(from))
	}
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) signIn(login, pw string) response {
	return c.post("/connexion", url.Values{"identifiant": {login}, "mot_de_passe": {pw}})
}

// order returns the position of each needle in s, -1 when missing.
func order(s string, needles ...string) []int {
	out := make([]int, len(needles))
	for i, n := range needles {
		out[i] = strings.Index(s, n)
	}
	return out
}

func increasing(pos []int) bool {
	for i, p := range pos {
		if p < 0 || (i > 0 && p <= pos[i-1]) {
			return false
		}
	}
	return true
}

// tbody returns the list's rows, without the headings and their menus.
func tbody(t testing.TB, page string) string {
	t.Helper()
	i, j := strings.Index(page, "<tbody>"), strings.Index(page, "</tbody>")
	if i < 0 || j < i {
		t.Fatalf("no table body in the page:\n%s", page)
	}
	return page[i:j]
}
