package schoolui_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"passerelle/internal/syncbuf"
	"passerelle/web"
	"slices"
)

func TestNoStaffDataWithoutSignIn(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.client()
	for _, path := range []string{"/", "/situations/1", "/verifier", "/transfert", "/transferts", "/rentree", "/importer", "/exporter/csv", "/parametres", "/mot-de-passe", "/?q=zimmer"} {
		res := c.get(path)
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET %s: status %d, want 303 to the sign-in page", path, res.StatusCode)
			continue
		}
		if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/connexion?next=") {
			t.Errorf("GET %s: redirect to %q, want the sign-in page", path, loc)
		}
		if strings.Contains(res.body, "Zimmer") {
			t.Errorf("GET %s shows staff data without sign-in", path)
		}
	}
	// Posts are refused too: without a session the CSRF token of a
	// visitor only opens the sign-in form.
	for _, path := range []string{"/liste/tri", "/rentree", "/rentree/apercu"} {
		res := c.post(path, url.Values{"colonne": {"nom"}, "ordre": {"desc"}, "csrf": {c.token("/connexion")}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/connexion") {
			t.Errorf("POST %s without session: status %d, location %q", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if res := c.get("/healthz"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "ok") {
		t.Errorf("GET /healthz: %d %q", res.StatusCode, res.body)
	}
}

func TestSignInAndOut(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.client()

	page := c.get("/connexion")
	if got := doc(t, page.body).One("h1").Text(); got != "Connexion" {
		t.Errorf("heading %q", got)
	}
	signin := doc(t, page.body).Form("/connexion")
	signin.CSRF()
	if !signin.Has(`input[name=identifiant]`) || !signin.Has(`input[type=password][name=mot_de_passe]`) {
		t.Errorf("sign-in form: %s", signin.HTML())
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}

	res := c.signIn("direction", "wrong password")
	if res.StatusCode != http.StatusUnauthorized || !flashed(t, res.body, "Identifiant ou mot de passe incorrect.") {
		t.Fatalf("wrong password: status %d\n%s", res.StatusCode, res.body)
	}
	res = c.signIn("inconnu", password)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown login: status %d", res.StatusCode)
	}

	res = c.post("/connexion", url.Values{"identifiant": {"Direction"}, "mot_de_passe": {password}, "next": {"/verifier"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/verifier" {
		t.Fatalf("sign-in: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "passerelle_ecole" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v", cookie)
	}
	list := c.get("/")
	if list.StatusCode != http.StatusOK || !slices.Contains(listNames(t, list.body), "Zimmer Anne") || !has(t, list.body, "Rémy Milord") {
		t.Fatalf("list after sign-in: status %d", list.StatusCode)
	}

	// An open redirect through ?next= is refused.
	c2 := e.client()
	res = c2.post("/connexion", url.Values{"identifiant": {"direction"}, "mot_de_passe": {password}, "next": {"//evil.example/"}})
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Errorf("next=//evil.example: location %q, want /", loc)
	}

	res = c.post("/deconnexion", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/connexion" {
		t.Fatalf("sign-out: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if page := c.follow(res); !flashed(t, page.body, "Vous êtes déconnecté.") {
		t.Errorf("sign-out page lacks its message")
	}
	if res := c.get("/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("list after sign-out: status %d, want 303", res.StatusCode)
	}
}

// TestSignInThrottled checks that failures slow down one login from one
// address, more each time, without locking its owner out: from another
// address the right password works at once, and from the same one after
// the wait.
func TestSignInThrottled(t *testing.T) {
	now := testNow
	e := newEnv(t, envOptions{trustProxy: true, backoff: &web.Backoff{Now: func() time.Time { return now }}})
	attempt := func(login, pw, from string) response {
		t.Helper()
		c := e.client()
		form := url.Values{"identifiant": {login}, "mot_de_passe": {pw}, "csrf": {c.token("/connexion")}}
		req, _ := http.NewRequest("POST", e.srv.URL+"/connexion", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		return c.do(req)
	}
	const attacker, owner = "203.0.113.9", "198.51.100.7"
	for i := range 4 {
		if res := attempt("secretariat", "wrong password", attacker); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, res.StatusCode)
		}
	}
	res := attempt("secretariat", password, attacker)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.body, "Patientez 2 secondes avant de réessayer.") {
		t.Fatalf("5th attempt: status %d\n%s", res.StatusCode, res.body)
	}
	if res := attempt("secretariat", password, owner); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the owner from another address: status %d, want 303", res.StatusCode)
	}
	if res := attempt("direction", password, attacker); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("other login: status %d", res.StatusCode)
	}
	now = now.Add(2 * time.Second)
	if res := attempt("secretariat", password, attacker); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the wait: status %d, want 303", res.StatusCode)
	}
}

// TestSignInLogSize sends 30 logins of 7 MiB, refused and throttled: the
// log grows by a few kilobytes, not by their size.
func TestSignInLogSize(t *testing.T) {
	logs := &syncbuf.Buffer{}
	e := newEnv(t, envOptions{log: slog.New(slog.NewTextHandler(logs, nil))})
	c := e.client()
	login := strings.Repeat("a", 7<<20)
	for range 30 {
		form := url.Values{"identifiant": {login}, "mot_de_passe": {"x"}, "csrf": {c.token("/connexion")}}
		req, _ := http.NewRequest("POST", e.srv.URL+"/connexion", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res := c.do(req); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", res.StatusCode)
		}
	}
	// Within the body limit, a long login is capped before it is logged.
	long := strings.Repeat("b", 60<<10)
	for range 30 {
		c.signIn(long, "x")
	}
	if n := len(logs.String()); n > 30<<10 {
		t.Fatalf("the log grew by %d bytes for 60 refused sign-ins", n)
	}
	if !strings.Contains(logs.String(), "sign-in") {
		t.Fatalf("no sign-in logged: %q", logs.String())
	}
}

// Behind a trusted proxy, each client's address has its own counter; else
// X-Forwarded-For is ignored and every attempt counts for the proxy.
func TestSignInThrottledBehindProxy(t *testing.T) {
	for _, trust := range []bool{true, false} {
		e := newEnv(t, envOptions{ipLimiter: web.NewLimiter(1, time.Hour), trustProxy: trust})
		c := e.client()
		attempt := func(xff string) int {
			t.Helper()
			form := url.Values{"identifiant": {"secretariat"}, "mot_de_passe": {"wrong password"}, "csrf": {c.token("/connexion")}}
			req, _ := http.NewRequest("POST", e.srv.URL+"/connexion", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", xff)
			return c.do(req).StatusCode
		}
		if got := attempt("203.0.113.9"); got != http.StatusUnauthorized {
			t.Fatalf("trust=%v, first attempt: status %d, want 401", trust, got)
		}
		if got := attempt("203.0.113.9"); got != http.StatusTooManyRequests {
			t.Fatalf("trust=%v, same address again: status %d, want 429", trust, got)
		}
		want := http.StatusUnauthorized
		if !trust {
			want = http.StatusTooManyRequests
		}
		if got := attempt("198.51.100.7"); got != want {
			t.Errorf("trust=%v, other forwarded address: status %d, want %d", trust, got, want)
		}
	}
}

func TestCSRFRequired(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("direction")
	res := c.post("/liste/tri", url.Values{"colonne": {"nom"}, "ordre": {"desc"}, "csrf": {"forged"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("forged token: status %d, want 403", res.StatusCode)
	}
	res = c.post("/liste/tri", url.Values{"colonne": {"nom"}, "ordre": {"desc"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("right token: status %d, want 303", res.StatusCode)
	}
}

// A session whose user is gone is ended at once.
func TestSessionOfRemovedUser(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	if _, err := e.st.DB().W.Exec(`DELETE FROM user_prefs; DELETE FROM users WHERE login = 'secretariat'`); err != nil {
		t.Fatal(err)
	}
	res := c.get("/")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/connexion" {
		t.Fatalf("status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.get("/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/connexion?next=") {
		t.Errorf("the session survived: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}
