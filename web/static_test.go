package web_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"passerelle/web"
)

func TestStaticFiles(t *testing.T) {
	css, err := fs.ReadFile(web.Static, "base.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{
		".field-error", ".flash-info", ".flash-warning", ".flash-error", ".flash-success",
		".app-header", ".menu", `[role="menu"]`, `[role="menuitem"]`,
		".msg-information", ".msg-avertissement", ".msg-erreur", "position: sticky",
	} {
		if !strings.Contains(string(css), sel) {
			t.Errorf("base.css lacks %s", sel)
		}
	}
	js, err := fs.ReadFile(web.Static, "app.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), "data-confirm") {
		t.Error("app.js does not handle data-confirm")
	}
}

func TestStaticHandler(t *testing.T) {
	h := web.SecureHeaders(web.StaticHandler())
	serve := func(method, target string, headers ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	versioned := web.StaticURL("base.css")
	if !strings.HasPrefix(versioned, "/static/base.css?v=") || len(versioned) < len("/static/base.css?v=")+8 {
		t.Fatalf("StaticURL = %q", versioned)
	}
	w := serve("GET", versioned)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s: %d %q", versioned, w.Code, w.Header().Get("Content-Type"))
	}
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("versioned Cache-Control = %q, want a year", cc)
	}
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	for _, target := range []string{"/static/base.css", "/static/base.css?v=old"} {
		if cc := serve("GET", target).Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control = %q, want no-cache", target, cc)
		}
	}
	if w := serve("GET", "/static/app.js", "If-None-Match", etag); w.Code != http.StatusOK {
		t.Errorf("app.js with base.css's ETag: %d", w.Code)
	}
	if w := serve("GET", "/static/base.css", "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
	if ct := serve("GET", web.StaticURL("app.js")).Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("app.js Content-Type = %q", ct)
	}
	for _, target := range []string{"/static/", "/static/nope.css", "/static/../static.go", "/other/base.css"} {
		if w := serve("GET", target); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, w.Code)
		}
	}
	if w := serve("POST", "/static/base.css"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", w.Code)
	}
	if got := web.StaticURL("nope.css"); got != "/static/nope.css" {
		t.Errorf("StaticURL of an unknown file = %q", got)
	}
}

// TestNewStatic serves an application's own files under its own prefix, as
// the school pages (/ui/) and the portal (/static/portail/) do.
func TestNewStatic(t *testing.T) {
	st := web.NewStatic(fstest.MapFS{
		"school.css":         {Data: []byte("body{}")},
		"js/app.0123abcd.js": {Data: []byte("1")},
	}, "/ui/")
	if st.Prefix() != "/ui/" {
		t.Errorf("Prefix = %q", st.Prefix())
	}
	url := st.URL("school.css")
	if !strings.HasPrefix(url, "/ui/school.css?v=") || st.URL("/school.css") != url {
		t.Fatalf("URL = %q", url)
	}
	serve := func(target string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		st.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		return w
	}
	if w := serve(url); w.Code != http.StatusOK || w.Body.String() != "body{}" || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d %q %q", url, w.Code, w.Body.String(), w.Header().Get("Cache-Control"))
	}
	if cc := serve("/ui/js/app.0123abcd.js").Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("hashed name: Cache-Control = %q", cc)
	}
	for _, target := range []string{"/ui/nope.css", "/static/school.css", "/ui/"} {
		if w := serve(target); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, w.Code)
		}
	}
	if got := st.URL("nope.css"); got != "/ui/nope.css" {
		t.Errorf("URL of an unknown file = %q", got)
	}
}
