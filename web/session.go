package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"passerelle/token"
)

// Session kinds: who signed in. Require checks the kind so that, for example,
// a staff member's session never opens the operators' console.
const (
	KindSchool   = "school"
	KindStaff    = "staff"
	KindOperator = "operator"
)

// ErrNoSession is returned by a SessionStore when no session has the hash.
var ErrNoSession = errors.New("web: no such session")

// Session is a signed-in person's server-side session. The browser holds only
// a random token; the store holds its SHA-256 hash, so a leaked database or
// backup cannot be replayed as a cookie.
type Session struct {
	TokenHash string            // hex SHA-256 of the cookie's token
	UserID    string            // the caller's identifier for the person
	Kind      string            // KindSchool, KindStaff or KindOperator
	CSRF      string            // the token that forms must send back
	Created   time.Time         // when the person signed in
	Expires   time.Time         // pushed forward while the person is active
	Data      map[string]string // small extra values, such as a display name
}

// SessionStore persists sessions. The school and extranet databases each
// implement it; MemorySessionStore is for tests.
type SessionStore interface {
	// CreateSession stores s; s.TokenHash is set.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session with the hash, or ErrNoSession.
	GetSession(ctx context.Context, tokenHash string) (Session, error)
	// DeleteSession removes a session; removing a missing one is no error.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteUserSessions removes every session of a person, for example
	// after a password change or when an account is closed.
	DeleteUserSessions(ctx context.Context, userID string) error
	// TouchSession moves a session's expiry.
	TouchSession(ctx context.Context, tokenHash string, expires time.Time) error
}

// MemorySessionStore is a SessionStore in memory, for tests. Its zero value
// is ready to use.
type MemorySessionStore struct {
	mu       sync.Mutex
	sessions map[string]Session
}

// CreateSession implements SessionStore.
func (m *MemorySessionStore) CreateSession(_ context.Context, s Session) error {
	if s.TokenHash == "" {
		return errors.New("web: session without token hash")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions == nil {
		m.sessions = make(map[string]Session)
	}
	s.Data = maps.Clone(s.Data) // the caller's map must not alias the stored one
	m.sessions[s.TokenHash] = s
	return nil
}

// GetSession implements SessionStore.
func (m *MemorySessionStore) GetSession(_ context.Context, tokenHash string) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[tokenHash]
	if !ok {
		return Session{}, ErrNoSession
	}
	s.Data = maps.Clone(s.Data)
	return s, nil
}

// DeleteSession implements SessionStore.
func (m *MemorySessionStore) DeleteSession(_ context.Context, tokenHash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, tokenHash)
	return nil
}

// DeleteUserSessions implements SessionStore.
func (m *MemorySessionStore) DeleteUserSessions(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, s := range m.sessions {
		if s.UserID == userID {
			delete(m.sessions, h)
		}
	}
	return nil
}

// TouchSession implements SessionStore.
func (m *MemorySessionStore) TouchSession(_ context.Context, tokenHash string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[tokenHash]
	if !ok {
		return ErrNoSession
	}
	s.Expires = expires
	m.sessions[tokenHash] = s
	return nil
}

// Len returns the number of stored sessions, expired ones included.
func (m *MemorySessionStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// DefaultSessionTTL is the idle time after which a session ends when
// Sessions.TTL is zero: a working day.
const DefaultSessionTTL = 8 * time.Hour

// touchInterval is how much an expiry must move before the store is written
// again, so that a busy page does not write the database on every request.
const touchInterval = time.Minute

// Sessions starts, loads and ends sessions held in Store, with the token in a
// cookie. The school and the extranet run on the same host in the demo, and
// browsers share cookies across ports, so each application must use its own
// CookieName.
type Sessions struct {
	Store      SessionStore
	CookieName string           // default "session"
	TTL        time.Duration    // idle lifetime; default DefaultSessionTTL
	Secure     bool             // mark cookies Secure even on plain HTTP (behind a TLS proxy)
	Now        func() time.Time // default time.Now; tests fix the clock
}

func (s *Sessions) cookieName() string {
	if s.CookieName == "" {
		return "session"
	}
	return s.CookieName
}

func (s *Sessions) ttl() time.Duration {
	if s.TTL <= 0 {
		return DefaultSessionTTL
	}
	return s.TTL
}

func (s *Sessions) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Sessions) secure(r *http.Request) bool {
	return s.Secure || r.TLS != nil
}

// Start signs a person in: it creates a session, sets its cookie and returns
// it. Any session the request already carried is deleted first, so a token
// planted before sign-in (session fixation) is worth nothing after it.
func (s *Sessions) Start(w http.ResponseWriter, r *http.Request, userID, kind string, data map[string]string) (Session, error) {
	if userID == "" || kind == "" {
		return Session{}, errors.New("web: session needs a user and a kind")
	}
	ctx := r.Context()
	if c, err := r.Cookie(s.cookieName()); err == nil && c.Value != "" {
		if err := s.Store.DeleteSession(ctx, token.Hash(c.Value)); err != nil && !errors.Is(err, ErrNoSession) {
			return Session{}, fmt.Errorf("web: rotating session: %w", err)
		}
	}
	value := token.New(tokenBytes)
	now := s.now()
	sess := Session{
		TokenHash: token.Hash(value),
		UserID:    userID,
		Kind:      kind,
		CSRF:      token.New(tokenBytes),
		Created:   now,
		Expires:   now.Add(s.ttl()),
		Data:      maps.Clone(data),
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return Session{}, fmt.Errorf("web: creating session: %w", err)
	}
	// No Expires on the cookie: the server decides when the session ends,
	// and closing the browser ends it too.
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
	if st := stateFor(r, s); st != nil {
		st.setSession(sess, true)
	}
	return sess, nil
}

// Load returns the request's session, or false when there is none or it has
// expired. Each use pushes the expiry TTL ahead (sliding expiry), writing the
// store at most once a minute.
func (s *Sessions) Load(r *http.Request) (Session, bool) {
	st := stateFor(r, s)
	if st != nil && st.loaded {
		return st.session, st.ok
	}
	sess, ok := s.load(r)
	if st != nil {
		st.setSession(sess, ok)
	}
	return sess, ok
}

func (s *Sessions) load(r *http.Request) (Session, bool) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || !validToken(c.Value) {
		return Session{}, false
	}
	ctx := r.Context()
	hash := token.Hash(c.Value)
	sess, err := s.Store.GetSession(ctx, hash)
	if err != nil {
		if !errors.Is(err, ErrNoSession) {
			slog.ErrorContext(ctx, "loading session", "err", err)
		}
		return Session{}, false
	}
	now := s.now()
	if !now.Before(sess.Expires) {
		// Clean up now rather than wait for a sweep; a failure only
		// leaves a dead row behind.
		if err := s.Store.DeleteSession(ctx, hash); err != nil {
			slog.WarnContext(ctx, "deleting expired session", "err", err)
		}
		return Session{}, false
	}
	if next := now.Add(s.ttl()); next.Sub(sess.Expires) >= touchInterval {
		if err := s.Store.TouchSession(ctx, hash, next); err != nil {
			slog.WarnContext(ctx, "renewing session", "err", err)
		} else {
			sess.Expires = next
		}
	}
	return sess, true
}

// End signs the person out: it deletes the session and clears the cookie.
func (s *Sessions) End(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(s.cookieName()); err == nil && c.Value != "" {
		if err := s.Store.DeleteSession(r.Context(), token.Hash(c.Value)); err != nil && !errors.Is(err, ErrNoSession) {
			return fmt.Errorf("web: ending session: %w", err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
	if st := stateFor(r, s); st != nil {
		st.setSession(Session{}, false)
	}
	return nil
}

// Require returns middleware that lets through only requests with a session
// of the given kind (any kind when kind is ""), and puts the session in the
// request's context for SessionFrom. Others are sent to loginURL with a 303.
// For GET and HEAD the address asked for goes along as ?next=, so that the
// sign-in page can come back to it (check it with SafeNext); other methods
// cannot be replayed by a redirect, so they get no next.
func (s *Sessions) Require(kind string, loginURL string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = withState(r, s)
			sess, ok := s.Load(r)
			if !ok || (kind != "" && sess.Kind != kind) {
				target := loginURL
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					target = addQuery(loginURL, "next", r.URL.RequestURI())
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// SessionFrom returns the session that Require (or the CSRF middleware)
// loaded for this request. Behind Require it always succeeds; elsewhere the
// session may be of any kind.
func SessionFrom(ctx context.Context) (Session, bool) {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	if st == nil || !st.loaded || !st.ok {
		return Session{}, false
	}
	return st.session, true
}

// SafeNext returns next when it is a path on this site, and fallback
// otherwise. Sign-in pages use it on ?next= so that a crafted link cannot send
// a person to another site after they sign in (open redirect).
func SafeNext(next, fallback string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return next
}

func addQuery(target, key, value string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + url.Values{key: {value}}.Encode()
}

// tokenBytes is the size of the session and CSRF tokens: 256 random bits.
const tokenBytes = 32

// validToken reports whether v looks like a session or CSRF token, so that
// odd cookie values are rejected before they reach the store.
func validToken(v string) bool { return token.Plausible(v, tokenBytes) }

// requestState is what the middleware of this package remember about one
// request: the session once loaded (so the store is read once even though
// CSRF, Require and the page all need it) and the CSRF token issued to a
// visitor without a session. A request is served by one goroutine, so it
// needs no lock.
type requestState struct {
	sessions *Sessions
	loaded   bool
	ok       bool
	session  Session
	w        http.ResponseWriter // where CSRFToken sets the pre-session cookie
	issued   string              // pre-session CSRF token set in this response
}

type stateKey struct{}

func (st *requestState) setSession(sess Session, ok bool) {
	st.loaded, st.ok, st.session = true, ok, sess
}

// withState returns r with a requestState for s, reusing the one already
// there when it belongs to s.
func withState(r *http.Request, s *Sessions) *http.Request {
	if st, _ := r.Context().Value(stateKey{}).(*requestState); st != nil && st.sessions == s {
		return r
	}
	st := &requestState{sessions: s}
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
}

// stateFor returns the request's state when it caches sessions of s.
func stateFor(r *http.Request, s *Sessions) *requestState {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	if st == nil || st.sessions != s {
		return nil
	}
	return st
}
