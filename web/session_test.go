package web_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"passerelle/internal/testkit"
	"passerelle/web"
)

func newSessions() (*web.Sessions, *web.MemorySessionStore, *testkit.Clock) {
	store := &web.MemorySessionStore{}
	clk := testkit.NewClock(time.Date(2026, 11, 26, 18, 3, 0, 0, time.UTC))
	return &web.Sessions{Store: store, CookieName: "sid", TTL: time.Hour, Now: clk.Now}, store, clk
}

// start signs "u1" in and returns the session and its cookie.
func start(t *testing.T, s *web.Sessions, r *http.Request) (web.Session, *http.Cookie) {
	t.Helper()
	w := httptest.NewRecorder()
	sess, err := s.Start(w, r, "u1", web.KindStaff, map[string]string{"name": "Jean Dupont"})
	if err != nil {
		t.Fatal(err)
	}
	ck := cookieFrom(w.Result(), "sid")
	if ck == nil {
		t.Fatal("Start set no cookie")
	}
	return sess, ck
}

func requestWith(ck *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if ck != nil {
		r.AddCookie(ck)
	}
	return r
}

func TestSessionStart(t *testing.T) {
	s, store, clk := newSessions()
	sess, ck := start(t, s, requestWith(nil))

	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" {
		t.Errorf("cookie = %+v, want HttpOnly, SameSite=Lax, not Secure on plain HTTP, Path=/", ck)
	}
	if len(ck.Value) != 43 {
		t.Errorf("token %q is not 256 bits in base64url", ck.Value)
	}
	sum := sha256.Sum256([]byte(ck.Value))
	if sess.TokenHash != hex.EncodeToString(sum[:]) {
		t.Error("the stored hash is not the SHA-256 of the cookie's token")
	}
	if _, err := store.GetSession(context.Background(), ck.Value); !errors.Is(err, web.ErrNoSession) {
		t.Errorf("the raw token is a key of the store (err %v)", err)
	}
	if sess.CSRF == "" || sess.CSRF == ck.Value {
		t.Errorf("CSRF token %q must be set and differ from the session token", sess.CSRF)
	}
	if want := clk.Now().Add(time.Hour); !sess.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", sess.Expires, want)
	}

	got, ok := s.Load(requestWith(ck))
	if !ok || got.UserID != "u1" || got.Kind != web.KindStaff || got.Data["name"] != "Jean Dupont" {
		t.Errorf("Load = %+v, %v", got, ok)
	}
}

func TestSessionSecureCookie(t *testing.T) {
	s, _, _ := newSessions()
	s.Secure = true
	if _, ck := start(t, s, requestWith(nil)); !ck.Secure {
		t.Error("Secure configured, cookie not Secure")
	}
	s.Secure = false
	r := requestWith(nil)
	r.TLS = &tls.ConnectionState{}
	if _, ck := start(t, s, r); !ck.Secure {
		t.Error("TLS request, cookie not Secure")
	}
}

func TestSessionRotation(t *testing.T) {
	s, store, _ := newSessions()
	_, old := start(t, s, requestWith(nil))
	_, fresh := start(t, s, requestWith(old)) // signing in again from the same browser

	if fresh.Value == old.Value {
		t.Fatal("Start reused the token")
	}
	if _, ok := s.Load(requestWith(old)); ok {
		t.Error("the previous session still loads after Start")
	}
	if _, ok := s.Load(requestWith(fresh)); !ok {
		t.Error("the new session does not load")
	}
	if n := store.Len(); n != 1 {
		t.Errorf("%d sessions stored, want 1", n)
	}
}

func TestSessionExpiryAndRenewal(t *testing.T) {
	s, store, clk := newSessions()
	sess, ck := start(t, s, requestWith(nil))

	// Within the minute: valid, and no write.
	clk.Add(30 * time.Second)
	if _, ok := s.Load(requestWith(ck)); !ok {
		t.Fatal("session lost after 30 s")
	}
	stored, _ := store.GetSession(context.Background(), sess.TokenHash)
	if !stored.Expires.Equal(sess.Expires) {
		t.Error("expiry written again within a minute")
	}

	// Active every 50 minutes for three hours: the one-hour TTL slides.
	for range 4 {
		clk.Add(50 * time.Minute)
		got, ok := s.Load(requestWith(ck))
		if !ok {
			t.Fatalf("active session expired at %v", clk.Now())
		}
		if want := clk.Now().Add(time.Hour); !got.Expires.Equal(want) {
			t.Errorf("Expires = %v, want %v", got.Expires, want)
		}
	}

	// Idle for an hour: gone, and removed from the store.
	clk.Add(time.Hour)
	if _, ok := s.Load(requestWith(ck)); ok {
		t.Error("session loads after an hour idle")
	}
	if n := store.Len(); n != 0 {
		t.Errorf("expired session kept in the store (%d)", n)
	}
}

func TestSessionLoadRejects(t *testing.T) {
	s, _, _ := newSessions()
	for _, v := range []string{"", "short", strings.Repeat("A", 43), strings.Repeat("!", 43)} {
		if _, ok := s.Load(requestWith(&http.Cookie{Name: "sid", Value: v})); ok {
			t.Errorf("cookie %q loads a session", v)
		}
	}
	if _, ok := s.Load(requestWith(nil)); ok {
		t.Error("no cookie loads a session")
	}
}

func TestSessionEnd(t *testing.T) {
	s, store, _ := newSessions()
	_, ck := start(t, s, requestWith(nil))
	w := httptest.NewRecorder()
	if err := s.End(w, requestWith(ck)); err != nil {
		t.Fatal(err)
	}
	cleared := cookieFrom(w.Result(), "sid")
	if cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Errorf("End's cookie = %+v, want an expired empty one", cleared)
	}
	if store.Len() != 0 {
		t.Error("End left the session in the store")
	}
}

func TestDeleteUserSessions(t *testing.T) {
	s, store, _ := newSessions()
	_, a := start(t, s, requestWith(nil))
	_, b := start(t, s, requestWith(nil)) // another browser
	if err := store.DeleteUserSessions(context.Background(), "u1"); err != nil {
		t.Fatal(err)
	}
	for _, ck := range []*http.Cookie{a, b} {
		if _, ok := s.Load(requestWith(ck)); ok {
			t.Error("session loads after DeleteUserSessions")
		}
	}
}

func TestRequire(t *testing.T) {
	s, _, _ := newSessions()
	_, staff := start(t, s, requestWith(nil))

	var seen web.Session
	h := s.Require(web.KindStaff, "/connexion")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := web.SessionFrom(r.Context())
		if !ok {
			t.Error("no session in the context behind Require")
		}
		seen = sess
		w.WriteHeader(http.StatusNoContent)
	}))
	operatorOnly := s.Require(web.KindOperator, "/ops/connexion")(h)

	tests := []struct {
		name     string
		handler  http.Handler
		method   string
		target   string
		cookie   *http.Cookie
		status   int
		location string
	}{
		{"signed in", h, http.MethodGet, "/membres?page=2", staff, http.StatusNoContent, ""},
		{"anonymous GET keeps the address", h, http.MethodGet, "/membres?page=2", nil,
			http.StatusSeeOther, "/connexion?next=%2Fmembres%3Fpage%3D2"},
		{"anonymous POST gets no next", h, http.MethodPost, "/membres", nil, http.StatusSeeOther, "/connexion"},
		{"wrong kind", operatorOnly, http.MethodGet, "/ops", staff, http.StatusSeeOther, "/ops/connexion?next=%2Fops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = web.Session{}
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.cookie != nil {
				r.AddCookie(tt.cookie)
			}
			w := httptest.NewRecorder()
			tt.handler.ServeHTTP(w, r)
			if w.Code != tt.status || w.Header().Get("Location") != tt.location {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Header().Get("Location"), tt.status, tt.location)
			}
			if tt.status == http.StatusNoContent && seen.UserID != "u1" {
				t.Errorf("handler saw session %+v", seen)
			}
		})
	}
}

func TestSessionFromEmpty(t *testing.T) {
	if _, ok := web.SessionFrom(context.Background()); ok {
		t.Error("SessionFrom of a bare context reports a session")
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/membres?page=2":        "/membres?page=2",
		"/":                      "/",
		"":                       "/accueil",
		"https://evil.example/":  "/accueil",
		"//evil.example/":        "/accueil",
		"/\\evil.example":        "/accueil",
		"\\\\evil.example":       "/accueil",
		"javascript:alert(1)":    "/accueil",
		"/a\r\nSet-Cookie: x=1":  "/accueil",
		"membres":                "/accueil",
		"/ok/../chemin#fragment": "/ok/../chemin#fragment",
	} {
		if got := web.SafeNext(next, "/accueil"); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
