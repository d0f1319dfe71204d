package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"passerelle/web"
)

// csrfHandler answers 200 with the token it would put in a form.
func csrfHandler(sessions *web.Sessions) http.Handler {
	return web.CSRF(sessions)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, b := web.CSRFToken(r), web.CSRFToken(r)
		if a != b {
			http.Error(w, "token changed within a request", http.StatusInternalServerError)
			return
		}
		w.Write([]byte(web.CSRFField(w, r)))
	}))
}

func TestCSRFPreSessionToken(t *testing.T) {
	h := csrfHandler(nil)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	resp := w.Result()
	if n := len(resp.Cookies()); n != 1 {
		t.Fatalf("%d cookies set, want exactly one csrf cookie", n)
	}
	ck := cookieFrom(resp, web.CSRFCookieName)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("csrf cookie = %+v", ck)
	}
	if token := csrfFrom(t, w.Body.String()); token != ck.Value {
		t.Fatalf("field %q differs from cookie %q", token, ck.Value)
	}

	// A visitor who has the cookie keeps it.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(ck)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if len(w.Result().Cookies()) != 0 || csrfFrom(t, w.Body.String()) != ck.Value {
		t.Error("a second page changed the pre-session token")
	}

	tests := []struct {
		name   string
		method string
		cookie string
		field  string
		status int
	}{
		{"matching", http.MethodPost, ck.Value, ck.Value, http.StatusOK},
		{"PUT matching", http.MethodPut, ck.Value, ck.Value, http.StatusOK},
		{"no cookie", http.MethodPost, "", ck.Value, http.StatusForbidden},
		{"no field", http.MethodPost, ck.Value, "", http.StatusForbidden},
		{"both empty", http.MethodPost, "", "", http.StatusForbidden},
		{"mismatch", http.MethodPost, ck.Value, strings.Repeat("x", 43), http.StatusForbidden},
		{"malformed cookie equal to field", http.MethodPost, "abc", "abc", http.StatusForbidden},
		{"DELETE without token", http.MethodDelete, "", "", http.StatusForbidden},
		{"PATCH without token", http.MethodPatch, "", "", http.StatusForbidden},
		{"GET without token", http.MethodGet, "", "", http.StatusOK},
		{"HEAD without token", http.MethodHead, "", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", strings.NewReader("csrf="+tt.field))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: web.CSRFCookieName, Value: tt.cookie})
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
		})
	}
}

func TestCSRFRefusalPage(t *testing.T) {
	logs := captureLogs(t)
	h := csrfHandler(nil)
	r := httptest.NewRequest(http.MethodPost, "/membres/1/supprimer", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := w.Body.String()
	for _, want := range []string{expiredMessage, `<html lang="fr">`, "Page expirée", "/static/base.css?v="} {
		if !strings.Contains(body, want) {
			t.Errorf("refusal page lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(logs.String(), "/membres/1/supprimer") {
		t.Errorf("refusal not logged with its path: %q", logs.String())
	}
}

func TestCSRFMultipart(t *testing.T) {
	// The CSV import is an upload: the token travels in the multipart body.
	sessions, _, _ := newSessions()
	sess, ck := start(t, sessions, requestWith(nil))
	h := csrfHandler(sessions)

	body := "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + sess.CSRF +
		"\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nNom;Prénom\r\n--B--\r\n"
	r := httptest.NewRequest(http.MethodPost, "/import", strings.NewReader(body))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	r.AddCookie(ck)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("multipart POST with the session token: %d, want 200", w.Code)
	}
}

func TestCSRFTokenWithoutMiddleware(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if got := web.CSRFToken(r); got != "" {
		t.Errorf("CSRFToken without middleware or cookie = %q, want \"\"", got)
	}
	w := httptest.NewRecorder()
	field := web.CSRFField(w, r)
	ck := cookieFrom(w.Result(), web.CSRFCookieName)
	if ck == nil || !strings.Contains(string(field), ck.Value) {
		t.Errorf("CSRFField without middleware: field %q, cookie %+v", field, ck)
	}
}
