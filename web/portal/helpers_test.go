package portal

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/internal/htmlcheck"
	"passerelle/internal/testkit"
	"passerelle/mail"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/store/sqlsession"
	"passerelle/web"
	"passerelle/wire"
)

func TestMain(m *testing.M) {
	testkit.CheapBcrypt() // operators' passwords are hashed in every test
	os.Exit(pgtest.Main(m))
}

const (
	year     = "2026-2027"
	faseA    = 4242
	faseB    = 5353
	schoolA  = "École Saint-Joseph"
	schoolB  = "École Sainte-Marie"
	password = "un mot de passe sûr"
)

// env is an extranet with its API and portal over real HTTP, wired as
// cmd/passerelle does: the portal mounted at "/" of the API server.
type env struct {
	t       testing.TB
	ctx     context.Context
	st      *extranetstore.Store
	svc     *extranet.Service
	portal  *extranet.Portal
	srv     *server
	ts      *httptest.Server
	clock   *testkit.Clock
	mailDir string
	sender  *mail.DirSender
	tokenA  string
	tokenB  string
}

type envOptions struct {
	noDemo bool
	url    string // the store; "": SQLite in a temporary folder
}

func newEnv(t testing.TB, opts ...envOptions) *env {
	t.Helper()
	var o envOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()
	dir := t.TempDir()
	e := &env{t: t, ctx: ctx, clock: testkit.NewClock(time.Date(2026, 11, 26, 18, 3, 0, 0, frtext.Brussels)),
		mailDir: filepath.Join(dir, "mail")}
	var err error
	if e.sender, err = mail.NewDirSender(e.mailDir); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	x := testkit.StartExtranet(t, testkit.ExtranetOptions{
		DB: o.url, Now: e.clock.Now, Log: quiet,
		Schools: []testkit.School{{FASE: faseA, Name: schoolA}, {FASE: faseB, Name: schoolB}},
		// The portal at "/" of the API server, as cmd/passerelle mounts it.
		Mount: func(x *testkit.Extranet) {
			x.Service.PortalURL = x.URL + "/"
			e.srv, err = newServer(Config{
				Service: x.Service, Store: x.Store, Sessions: sqlsession.New(x.Store.DB()), Sender: e.sender,
				MailDir: e.mailDir, Demo: !o.noDemo, Now: e.clock.Now, Log: quiet,
			})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/", e.srv.handler)
			x.API.Mount("/", mux)
		},
	})
	t.Cleanup(func() { e.srv.bgWait.Wait() })
	e.st, e.svc, e.ts = x.Store, x.Service, x.Server
	e.portal = &extranet.Portal{Store: x.Store, Service: x.Service}
	e.tokenA, e.tokenB = x.Tokens[faseA], x.Tokens[faseB]
	return e
}

func staff(last, first, birth, email, role string) wire.StaffEntry {
	return wire.StaffEntry{LastName: last, FirstName: first, BirthDate: birth, Email: email, Role: role}
}

// The people of the tests, with their logins.
var (
	jean   = staff("Dupont", "Jean", "1980-05-04", "jean.dupont@ecole.be", "Enseignant") // jean.dupont.040580
	luc    = staff("Martin", "Luc", "1975-01-31", "luc.martin@ecole.be", "Enseignant")   // luc.martin.310175
	remy   = staff("Milord", "Rémy", "1967-03-15", "remy.milord@ecole.be", "Directeur")  // remy.milord.150367
	eve    = staff("Daniel", "Ève", "1989-10-15", "eve.daniel@marie.be", "Directeur")    // eve.daniel.151089
	staffA = []wire.StaffEntry{jean, luc, remy}
)

func (e *env) transfer(fase int, people ...wire.StaffEntry) wire.TransferResult {
	e.t.Helper()
	res, err := e.svc.Transfer(e.ctx, fase, wire.Snapshot{SchoolYear: year, Staff: people}, extranet.TransferOptions{})
	if err != nil {
		e.t.Fatalf("transfer to %d: %v", fase, err)
	}
	return res
}

// night runs the night at the next 02:00, e-mails to the folder, and moves
// the clock to the morning after.
func (e *env) night() extranet.NightReport {
	e.t.Helper()
	at := extranet.NextNight(e.clock.Now())
	e.clock.Set(at)
	rep, err := e.svc.Night(e.ctx, at, e.sender)
	if err != nil {
		e.t.Fatalf("night: %v", err)
	}
	e.clock.Set(at.Add(6 * time.Hour))
	return rep
}

// seed transfers both schools' staff and runs the night.
func (e *env) seed() {
	e.t.Helper()
	e.transfer(faseA, staffA...)
	e.transfer(faseB, eve)
	e.night()
}

func (e *env) operator(login string) extranet.Operator {
	e.t.Helper()
	hash, err := web.HashPassword(password)
	if err != nil {
		e.t.Fatal(err)
	}
	op, err := e.portal.AddOperator(e.ctx, login, "Ana Opératrice", hash, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return op
}

// mails returns the e-mails of the folder, newest first, once the portal's
// background work is done.
func (e *env) mails() []mail.Entry {
	e.t.Helper()
	e.srv.bgWait.Wait()
	entries, err := mail.ListDir(e.mailDir)
	if err != nil {
		e.t.Fatal(err)
	}
	return entries
}

// mailTo returns the newest e-mail to address with subject.
func (e *env) mailTo(address, subject string) (mail.Entry, bool) {
	e.t.Helper()
	for _, m := range e.mails() {
		if strings.Contains(m.Message.To, address) && m.Message.Subject == subject {
			return m, true
		}
	}
	return mail.Entry{}, false
}

var linkPattern = regexp.MustCompile(`https?://\S+/connexion/lien\?jeton=[A-Za-z0-9_-]+`)

// linkIn returns the sign-in link of an e-mail.
func linkIn(t testing.TB, m mail.Entry) string {
	t.Helper()
	l := linkPattern.FindString(m.Message.Text)
	if l == "" {
		t.Fatalf("no sign-in link in %q", m.Message.Text)
	}
	return l
}

// client is a browser-like HTTP client with its own cookies, that does not
// follow redirects, so tests see them.
type client struct {
	t    testing.TB
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, e: e, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is what a test looks at.
type response struct {
	status   int
	location string
	body     string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.url(path), nil)
	return c.do(req)
}

func (c *client) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return c.e.ts.URL + path
}

// post sends a form from the page at from, with that page's CSRF token.
func (c *client) post(from, path string, form url.Values) response {
	c.t.Helper()
	page := c.get(from)
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", htmlcheck.Parse(c.t, page.body).CSRF())
	req, _ := http.NewRequest(http.MethodPost, c.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn signs a member of staff in through a sign-in link sent to address.
func (e *env) signIn(address string) *client {
	e.t.Helper()
	c := e.client()
	if r := c.post("/connexion", "/connexion", url.Values{"identifiant": {address}}); r.status != http.StatusSeeOther {
		e.t.Fatalf("request a link: %d", r.status)
	}
	m, ok := e.mailTo(address, extranet.SubjectSignInLink)
	if !ok {
		e.t.Fatalf("no sign-in e-mail to %s", address)
	}
	link := linkIn(e.t, m)
	u, _ := url.Parse(link)
	if r := c.post(link, "/connexion/lien", url.Values{"jeton": {u.Query().Get("jeton")}}); r.status != http.StatusSeeOther || r.location != "/" {
		e.t.Fatalf("use the link: %d → %q: %s", r.status, r.location, r.body)
	}
	return c
}

// signInOperator signs an operator in to the console.
func (e *env) signInOperator(login string) *client {
	e.t.Helper()
	c := e.client()
	r := c.post("/console/connexion", "/console/connexion", url.Values{"identifiant": {login}, "mot_de_passe": {password}})
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("operator sign-in: %d: %s", r.status, r.body)
	}
	return c
}

// wantBody checks that a page shows every piece in its text (not in its
// markup).
func wantBody(t testing.TB, r response, pieces ...string) {
	t.Helper()
	text := htmlcheck.Parse(t, r.body).One("body").Text()
	for _, p := range pieces {
		if !strings.Contains(text, p) {
			t.Errorf("page (status %d) does not show %q", r.status, p)
		}
	}
}

func noBody(t testing.TB, r response, pieces ...string) {
	t.Helper()
	for _, p := range pieces {
		if strings.Contains(html.UnescapeString(r.body), p) {
			t.Errorf("page (status %d) shows %q", r.status, p)
		}
	}
}
