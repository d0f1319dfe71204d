package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"passerelle/web"
)

func TestHandleError(t *testing.T) {
	rd := newRenderer(t)
	secret := errors.New("pq: password authentication failed for user passerelle")
	tests := []struct {
		name     string
		rd       *web.Renderer
		err      error
		status   int
		want     string
		logged   bool
		unwanted string
	}{
		{"plain error", nil, secret, 500, "Une erreur interne est survenue.", true, "password authentication"},
		{"not found", nil, &web.Error{Status: 404, Message: "Ce membre n'existe pas."}, 404, "Ce membre n&#39;existe pas.", false, ""},
		{"default message", nil, &web.Error{Status: 404}, 404, "Cette page n&#39;existe pas ou plus.", false, ""},
		{"wrapped", nil, fmt.Errorf("saving: %w", &web.Error{Status: 400, Message: "Date invalide.", Err: secret}), 400, "Date invalide.", false, "password"},
		{"internal with message", nil, &web.Error{Status: 503, Message: "Extranet injoignable.", Err: secret}, 503, "Extranet injoignable.", true, "password"},
		{"zero status", nil, &web.Error{Message: "Oups."}, 500, "Oups.", true, ""},
		{"application page", rd, &web.Error{Status: 404, Message: "Introuvable."}, 404, `<p id="custom-error">404 Introuvable.</p>`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)
			w := httptest.NewRecorder()
			web.HandleError(w, httptest.NewRequest(http.MethodGet, "/x", nil), tt.rd, tt.err)
			body := w.Body.String()
			if w.Code != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("got %d, want %d with %q:\n%s", w.Code, tt.status, tt.want, body)
			}
			if tt.unwanted != "" && strings.Contains(body, tt.unwanted) {
				t.Errorf("internal detail %q shown:\n%s", tt.unwanted, body)
			}
			if got := strings.Contains(logs.String(), "request failed"); got != tt.logged {
				t.Errorf("logged = %v, want %v: %q", got, tt.logged, logs.String())
			}
			if tt.logged && tt.err == secret && !strings.Contains(logs.String(), "password authentication") {
				t.Errorf("internal error not in the log: %q", logs.String())
			}
		})
	}
}

func TestHandleErrorCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	logs := captureLogs(t)
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx)
	web.HandleError(w, r, nil, fmt.Errorf("query: %w", context.Canceled))
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a request the person left is logged as an error: %q", logs.String())
	}
}

func TestHandlerAdapter(t *testing.T) {
	logs := captureLogs(t)
	var rd *web.Renderer // no renderer: the built-in error page
	h := rd.Handler(func(w http.ResponseWriter, r *http.Request) error {
		if r.URL.Path == "/late" {
			w.Write([]byte("partial"))
			return errors.New("disk full")
		}
		if r.URL.Path == "/ok" {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return &web.Error{Status: http.StatusTooManyRequests}
	})

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/ok", nil))
	if w.Code != http.StatusNoContent {
		t.Errorf("/ok: %d", w.Code)
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Trop de tentatives.") {
		t.Errorf("/: %d\n%s", w.Code, w.Body.String())
	}

	// Once the response has started, the error is only logged.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/late", nil))
	if w.Code != http.StatusOK || w.Body.String() != "partial" {
		t.Errorf("/late: %d %q, want the partial answer untouched", w.Code, w.Body.String())
	}
	if !strings.Contains(logs.String(), "disk full") {
		t.Errorf("late error not logged: %q", logs.String())
	}
}

func TestErrorMessage(t *testing.T) {
	cause := errors.New("cause")
	e := &web.Error{Status: 400, Message: "Message.", Err: cause}
	if !errors.Is(e, cause) {
		t.Error("Error does not unwrap to its cause")
	}
	if e.Error() != "Message.: cause" {
		t.Errorf("Error() = %q", e.Error())
	}
	if (&web.Error{Message: "Seul."}).Error() != "Seul." {
		t.Error("Error() without cause is not the message")
	}
}
