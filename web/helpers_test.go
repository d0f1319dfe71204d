package web_test

import (
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/internal/htmlcheck"
	"passerelle/internal/syncbuf"
	"passerelle/internal/testkit"
	"passerelle/web"
)

func TestMain(m *testing.M) {
	testkit.CheapBcrypt()
	// Keep test output readable; tests that check logs install their own.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// captureLogs sends slog's output to a buffer for the rest of the test.
func captureLogs(t *testing.T) *syncbuf.Buffer {
	t.Helper()
	buf := &syncbuf.Buffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

func newRenderer(t testing.TB) *web.Renderer {
	t.Helper()
	rd, err := web.NewRenderer(os.DirFS("testdata/templates"), template.FuncMap{"upper": strings.ToUpper})
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// testApp is a tiny application built the way the real ones will be: a
// sign-in page, a protected form, flash messages, and every middleware.
type testApp struct {
	srv      *httptest.Server
	store    *web.MemorySessionStore
	sessions *web.Sessions
	clock    *testkit.Clock
	saves    atomic.Int32 // accepted POST /form
}

func newTestApp(t testing.TB) *testApp {
	t.Helper()
	rd := newRenderer(t)
	a := &testApp{
		store: &web.MemorySessionStore{},
		clock: testkit.NewClock(time.Date(2026, 11, 26, 18, 3, 0, 0, time.UTC)),
	}
	a.sessions = &web.Sessions{Store: a.store, CookieName: "ecole", Now: a.clock.Now}
	require := a.sessions.Require(web.KindSchool, "/connexion")

	mux := http.NewServeMux()
	mux.Handle("GET "+web.StaticPrefix, web.StaticHandler())
	mux.Handle("GET /connexion", rd.Handler(func(w http.ResponseWriter, r *http.Request) error {
		rd.Render(w, r, http.StatusOK, "signin", nil)
		return nil
	}))
	mux.Handle("POST /connexion", rd.Handler(func(w http.ResponseWriter, r *http.Request) error {
		user := r.PostFormValue("user")
		if user == "" {
			return &web.Error{Status: http.StatusBadRequest, Message: "Indiquez votre identifiant."}
		}
		if _, err := a.sessions.Start(w, r, user, web.KindSchool, map[string]string{"name": "Ada"}); err != nil {
			return err
		}
		web.AddFlash(w, r, web.FlashSuccess, "Bienvenue.")
		http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next"), "/form"), http.StatusSeeOther)
		return nil
	}))
	mux.Handle("GET /form", require(rd.Handler(func(w http.ResponseWriter, r *http.Request) error {
		rd.Render(w, r, http.StatusOK, "form", nil)
		return nil
	})))
	mux.Handle("GET /composants", require(rd.Handler(func(w http.ResponseWriter, r *http.Request) error {
		rd.Render(w, r, http.StatusOK, "showcase", nil)
		return nil
	})))
	mux.Handle("POST /form", require(rd.Handler(func(w http.ResponseWriter, r *http.Request) error {
		a.saves.Add(1)
		rd.Render(w, r, http.StatusOK, "form", r.PostFormValue("name"))
		return nil
	})))
	mux.Handle("POST /deconnexion", rd.Handler(func(w http.ResponseWriter, r *http.Request) error {
		if err := a.sessions.End(w, r); err != nil {
			return err
		}
		http.Redirect(w, r, "/connexion", http.StatusSeeOther)
		return nil
	}))

	handler := web.SecureHeaders(web.NewFlashKey().Middleware(web.CSRF(a.sessions)(mux)))
	a.srv = httptest.NewServer(handler)
	t.Cleanup(a.srv.Close)
	return a
}

// client returns an HTTP client with its own cookie jar that does not follow
// redirects, so tests see each response.
func (a *testApp) client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type response struct {
	*http.Response
	body string
}

func do(t testing.TB, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp, string(b)}
}

func get(t testing.TB, c *http.Client, u string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

// post sends a form; extra headers go as name, value pairs.
func post(t testing.TB, c *http.Client, u string, form url.Values, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, c, req)
}

// csrfFrom returns the token of the page's hidden field.
func csrfFrom(t testing.TB, body string) string {
	t.Helper()
	return htmlcheck.Parse(t, body).CSRF()
}

func cookieFrom(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

const expiredMessage = "La page a expiré ou la demande ne vient pas de ce site. Rechargez la page et recommencez."
