package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"passerelle/internal/htmlcheck"
)

// TestExampleForm walks the whole plumbing as a browser would: a sign-in
// form protected by the pre-session token, a session, a protected form
// rendered by the Renderer, and the CSRF refusals.
func TestExampleForm(t *testing.T) {
	app := newTestApp(t)
	c := app.client(t)
	base := app.srv.URL

	// The protected page sends an unknown visitor to sign in.
	resp := get(t, c, base+"/form")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connexion?next=%2Fform" {
		t.Fatalf("GET /form without session: %d %q, want 303 to /connexion?next=%%2Fform",
			resp.StatusCode, resp.Header.Get("Location"))
	}

	// The sign-in page: strict CSP, and a pre-session token in both the
	// cookie and the field.
	resp = get(t, c, base+"/connexion")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /connexion: %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if csp == "" || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q, want a strict policy without 'unsafe-inline'", csp)
	}
	pre := csrfFrom(t, resp.body)
	if ck := cookieFrom(resp.Response, "csrf"); ck == nil || ck.Value != pre || !ck.HttpOnly {
		t.Fatalf("csrf cookie = %v, want HttpOnly with the field's value %q", ck, pre)
	}

	// Signing in without the token is refused with the French page.
	resp = post(t, c, base+"/connexion", url.Values{"user": {"direction"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, expiredMessage) {
		t.Fatalf("POST /connexion without token: %d, want 403 with %q\n%s", resp.StatusCode, expiredMessage, resp.body)
	}
	// With it, the person is signed in and sent on.
	resp = post(t, c, base+"/connexion", url.Values{"user": {"direction"}, "csrf": {pre}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/form" {
		t.Fatalf("POST /connexion: %d %q, want 303 to /form\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
	}

	// The form page shows the flash once, and carries the session's token,
	// not the pre-session one.
	resp = get(t, c, base+"/form")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /form: %d\n%s", resp.StatusCode, resp.body)
	}
	form := htmlcheck.Parse(t, resp.body)
	if got := form.Texts(`p.flash.flash-success[role=status]`); len(got) != 1 || got[0] != "Bienvenue." {
		t.Errorf("GET /form after sign-in: flash %q, want one « Bienvenue. »", got)
	}
	if got := form.One("#user.app-user").Text(); got != "direction" {
		t.Errorf("GET /form shows the user %q", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	token := csrfFrom(t, resp.body)
	if token == pre {
		t.Fatal("the session's CSRF token equals the pre-session one")
	}
	if again := get(t, c, base+"/form"); htmlcheck.Parse(t, again.body).Has(".flash") {
		t.Error("the flash is shown twice")
	}

	tests := []struct {
		name    string
		form    url.Values
		headers []string
		status  int
		want    string
	}{
		{"no token", url.Values{"name": {"Ada"}}, nil, http.StatusForbidden, expiredMessage},
		{"wrong token", url.Values{"name": {"Ada"}, "csrf": {pre}}, nil, http.StatusForbidden, expiredMessage},
		{"token in field", url.Values{"name": {"Ada"}, "csrf": {token}}, nil, http.StatusOK, "Enregistré : Ada"},
		{"token in header", url.Values{"name": {"Ada"}}, []string{"X-CSRF-Token", token}, http.StatusOK, "Enregistré : Ada"},
		{"cross-site with token", url.Values{"name": {"Ada"}, "csrf": {token}},
			[]string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, expiredMessage},
		{"other origin with token", url.Values{"name": {"Ada"}, "csrf": {token}},
			[]string{"Origin", "https://evil.example"}, http.StatusForbidden, expiredMessage},
		{"same-origin browser", url.Values{"name": {"Ada"}, "csrf": {token}},
			[]string{"Sec-Fetch-Site", "same-origin", "Origin", base}, http.StatusOK, "Enregistré : Ada"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, c, base+"/form", tt.form, tt.headers...)
			if resp.StatusCode != tt.status || !strings.Contains(resp.body, tt.want) {
				t.Errorf("POST /form: %d, want %d with %q\n%s", resp.StatusCode, tt.status, tt.want, resp.body)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy on the answer")
			}
		})
	}

	// After signing out, the old token opens nothing.
	if resp := post(t, c, base+"/deconnexion", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /deconnexion: %d\n%s", resp.StatusCode, resp.body)
	}
	if n := app.store.Len(); n != 0 {
		t.Errorf("%d sessions left after sign-out", n)
	}
	resp = post(t, c, base+"/form", url.Values{"name": {"Ada"}, "csrf": {token}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /form with the token of an ended session: %d, want 403", resp.StatusCode)
	}
}
