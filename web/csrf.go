package web

import (
	"context"
	"crypto/subtle"
	"html/template"
	"log/slog"
	"net/http"

	"passerelle/token"
)

// Names of the CSRF token in forms, headers and the pre-session cookie.
const (
	CSRFFieldName  = "csrf"
	CSRFHeaderName = "X-CSRF-Token"
	CSRFCookieName = "csrf"
)

// csrfMessage is shown when a state-changing request fails the checks. The
// usual cause is an honest one (a form left open past the session's end), so
// it tells the person what to do rather than accuse anyone.
const csrfMessage = "La page a expiré ou la demande ne vient pas de ce site. Rechargez la page et recommencez."

// CSRF returns middleware that rejects forged state-changing requests (POST,
// PUT, PATCH, DELETE) with a 403 page. A request must pass both:
//
//   - http.CrossOriginProtection, which refuses requests that the browser
//     marks as cross-origin (Sec-Fetch-Site, or Origin against Host);
//   - a token check: the form field "csrf" or the header X-CSRF-Token must
//     equal the session's CSRF token or, for a visitor without a session (a
//     sign-in form), the value of the "csrf" cookie (double submit).
//
// Two checks because each covers the other's gap: old browsers and some
// proxies drop Sec-Fetch-Site and Origin, and a token alone does not stop a
// sibling subdomain that can plant cookies.
//
// sessions may be nil on a site without sign-in; otherwise it must be the
// *Sessions that Require uses, so that both see the same session. The middleware reads the
// form (r.ParseMultipartForm with the default memory limit, for uploads), so
// the body must be bounded before it (LimitBody); it removes the form's
// temporary files once the request is answered.
// Templates get the token with CSRFField or CSRFToken.
func CSRF(sessions *Sessions) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, _ := r.Context().Value(stateKey{}).(*requestState)
			if st == nil || st.sessions != sessions {
				st = &requestState{sessions: sessions}
				r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
			}
			st.w = w
			// The form is parsed below on this copy of the request, whose
			// temporary files net/http would not remove.
			defer removeMultipart(r)
			if err := cop.Check(r); err != nil {
				rejectCSRF(w, r, err.Error())
				return
			}
			if !isSafeMethod(r.Method) && !validCSRF(r, sessions) {
				rejectCSRF(w, r, "missing or wrong token")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func validCSRF(r *http.Request, sessions *Sessions) bool {
	sent := r.Header.Get(CSRFHeaderName)
	if sent == "" {
		sent = r.PostFormValue(CSRFFieldName)
	}
	expected := ""
	if sessions != nil {
		if sess, ok := sessions.Load(r); ok {
			expected = sess.CSRF
		}
	}
	if expected == "" {
		// Only without a session: once signed in, the session's token is
		// the one that counts, since a cookie can be planted but the
		// session's token cannot be guessed.
		if c, err := r.Cookie(CSRFCookieName); err == nil && validToken(c.Value) {
			expected = c.Value
		}
	}
	// ConstantTimeCompare says two empty strings are equal.
	return expected != "" && subtle.ConstantTimeCompare([]byte(sent), []byte(expected)) == 1
}

func rejectCSRF(w http.ResponseWriter, r *http.Request, reason string) {
	slog.InfoContext(r.Context(), "request refused by CSRF protection",
		"method", r.Method, "path", Capped(r.URL.Path), "reason", reason)
	writeBuiltinError(w, r, http.StatusForbidden, "Page expirée", csrfMessage)
}

// CSRFToken returns the token that a form of this response must send back:
// the session's token, or else the visitor's pre-session token, which it
// creates and sets as the "csrf" cookie on first use. It relies on the CSRF
// middleware to know the session and the response; without it, it returns
// the existing cookie's value or "".
func CSRFToken(r *http.Request) string {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	if st == nil {
		if c, err := r.Cookie(CSRFCookieName); err == nil && validToken(c.Value) {
			return c.Value
		}
		return ""
	}
	return csrfToken(st.w, r, st)
}

// CSRFField returns the hidden input that carries the CSRF token, for
// templates: {{.CSRF}} inside every <form method="post">. It sets the
// pre-session cookie on w when needed, so it also works for a handler that
// runs without the CSRF middleware (which then checks nothing).
func CSRFField(w http.ResponseWriter, r *http.Request) template.HTML {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	value := csrfToken(w, r, st)
	return template.HTML(`<input type="hidden" name="` + CSRFFieldName + `" value="` +
		template.HTMLEscapeString(value) + `">`)
}

func csrfToken(w http.ResponseWriter, r *http.Request, st *requestState) string {
	if st != nil && st.sessions != nil {
		if sess, ok := st.sessions.Load(r); ok {
			return sess.CSRF
		}
	}
	if st != nil && st.issued != "" {
		return st.issued
	}
	if c, err := r.Cookie(CSRFCookieName); err == nil && validToken(c.Value) {
		return c.Value
	}
	value := token.New(tokenBytes)
	secure := r.TLS != nil
	if st != nil && st.sessions != nil && st.sessions.Secure {
		secure = true
	}
	if w != nil {
		// A browser-session cookie: it outlives any form left open, and
		// the value protects nothing once the tab is closed.
		http.SetCookie(w, &http.Cookie{
			Name:     CSRFCookieName,
			Value:    value,
			Path:     "/",
			HttpOnly: true,
			Secure:   secure,
			SameSite: http.SameSiteLaxMode,
		})
	}
	if st != nil {
		st.issued = value
	}
	return value
}
