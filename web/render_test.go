package web_test

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"passerelle/internal/htmlcheck"
	"passerelle/web"
)

func TestRendererPages(t *testing.T) {
	rd := newRenderer(t)
	for _, page := range []string{"form", "form.html", "signin", "admin/list", "error"} {
		if !rd.Has(page) {
			t.Errorf("page %q missing", page)
		}
	}
	for _, notPage := range []string{"layout", "_note", "note"} {
		if rd.Has(notPage) {
			t.Errorf("%q is a page; layout and partials must not be", notPage)
		}
	}

	// Each page has its own "title": the sets do not overwrite each other.
	for page, title := range map[string]string{"form": "Formulaire", "signin": "Connexion", "admin/list": "Liste"} {
		w := httptest.NewRecorder()
		rd.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, page, nil)
		if got, want := htmlcheck.Parse(t, w.Body.String()).One("head title").Text(), title+" – Passerelle"; got != want {
			t.Errorf("page %s: title %q, want %q", page, got, want)
		}
	}
}

func TestRenderHeadersAndStatus(t *testing.T) {
	rd := newRenderer(t)
	w := httptest.NewRecorder()
	rd.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusUnprocessableEntity, "form", "Ada")
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	body := w.Body.String()
	page := htmlcheck.Parse(t, body)
	if got := page.One("p#saved").Text(); got != "Enregistré : Ada" {
		t.Errorf("saved %q", got)
	}
	if got := page.One("p.hint").Text(); got != "Les champs sont facultatifs." {
		t.Errorf("hint %q", got)
	}
	page.One("form").CSRF()

	w = httptest.NewRecorder()
	rd.Render(w, httptest.NewRequest(http.MethodHead, "/", nil), http.StatusOK, "form", nil)
	if w.Body.Len() != 0 || w.Header().Get("Content-Length") == "0" {
		t.Errorf("HEAD: body %d bytes, Content-Length %q", w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestRenderEscapes(t *testing.T) {
	rd := newRenderer(t)
	w := httptest.NewRecorder()
	rd.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "form", `<script>alert(1)</script>`)
	if strings.Contains(w.Body.String(), "<script>alert") {
		t.Error("data rendered unescaped")
	}
}

func TestRenderErrorGivesNoHalfPage(t *testing.T) {
	logs := captureLogs(t)
	rd := newRenderer(t)
	for _, page := range []string{"broken", "nonexistent"} {
		w := httptest.NewRecorder()
		rd.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, page, struct{}{})
		if w.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", page, w.Code)
		}
		body := w.Body.String()
		if strings.Contains(body, "Début de page") {
			t.Errorf("%s: half of the page was sent:\n%s", page, body)
		}
		if !strings.Contains(body, "Une erreur interne est survenue.") {
			t.Errorf("%s: no French error page:\n%s", page, body)
		}
		if !strings.Contains(logs.String(), page) {
			t.Errorf("%s: error not logged: %q", page, logs.String())
		}
	}
}

func TestRenderPageData(t *testing.T) {
	rd, err := web.NewRenderer(fstest.MapFS{
		"layout.html": {Data: []byte(`{{template "content" .}}`)},
		"p.html": {Data: []byte(`{{define "content"}}title={{.Title}} user={{.User}} ` +
			`flash={{range .Flash}}{{.Kind}}:{{.Text}}{{end}} data={{.Data}}{{end}}`)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sessions, _, _ := newSessions()
	_, ck := start(t, sessions, requestWith(nil))

	var body string
	h := web.NewFlashKey().Middleware(web.CSRF(sessions)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.AddFlash(w, r, web.FlashWarning, "Attention")
		p := &web.Page{Title: "Titre", Data: 42}
		rec := httptest.NewRecorder()
		rd.Render(rec, r, http.StatusOK, "p", p)
		if p.CSRF == "" || p.Session == nil {
			t.Errorf("rendered Page = %+v, want CSRF field and session filled in", p)
		}
		body = rec.Body.String()
	})))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(ck)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if want := "title=Titre user=u1 flash=warning:Attention data=42"; body != want {
		t.Errorf("got %q, want %q", body, want)
	}
}

func TestNewRendererErrors(t *testing.T) {
	layout := &fstest.MapFile{Data: []byte(`{{template "content" .}}`)}
	tests := map[string]fstest.MapFS{
		"no layout":       {"p.html": {Data: []byte(`{{define "content"}}x{{end}}`)}},
		"no content":      {"layout.html": layout, "p.html": {Data: []byte(`{{define "title"}}x{{end}}`)}},
		"syntax":          {"layout.html": layout, "p.html": {Data: []byte(`{{define "content"}}{{if}}{{end}}`)}},
		"unknown func":    {"layout.html": layout, "p.html": {Data: []byte(`{{define "content"}}{{nope 1}}{{end}}`)}},
		"broken partial":  {"layout.html": layout, "_x.html": {Data: []byte(`{{define "x"}}`)}, "p.html": {Data: []byte(`{{define "content"}}x{{end}}`)}},
		"broken layout":   {"layout.html": {Data: []byte(`{{end}}`)}, "p.html": {Data: []byte(`{{define "content"}}x{{end}}`)}},
		"page in sub dir": {"layout.html": layout, "a/p.html": {Data: []byte(`{{define "title"}}x{{end}}`)}},
	}
	for name, fsys := range tests {
		if _, err := web.NewRenderer(fsys, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRendererFuncs(t *testing.T) {
	rd := newRenderer(t)
	data := struct {
		Day, At time.Time
		Yes, No bool
	}{
		Day: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC),
		At:  time.Date(2026, 11, 26, 17, 3, 0, 0, time.UTC), // 18:03 in Brussels (winter)
		Yes: true,
	}
	w := httptest.NewRecorder()
	rd.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "facts", data)
	body := w.Body.String()
	page := htmlcheck.Parse(t, body)
	for id, want := range map[string]string{
		"d":  "05/03/2026",
		"dt": "26/11/2026 à 18:03",
		"b":  "oui/non",
		"up": "X", // the caller's own function
	} {
		if got := page.One("p#" + id).Text(); got != want {
			t.Errorf("p#%s = %q, want %q", id, got, want)
		}
	}
}

func TestFormatFuncs(t *testing.T) {
	summer := time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC) // already 1 July in Brussels
	tests := []struct {
		name string
		fn   func(any) (string, error)
		in   any
		want string
	}{
		{"date", web.FormatDate, time.Date(1980, 5, 4, 0, 0, 0, 0, time.UTC), "04/05/1980"},
		{"date keeps the calendar day", web.FormatDate, time.Date(1980, 5, 4, 23, 30, 0, 0, time.UTC), "04/05/1980"},
		{"date zero", web.FormatDate, time.Time{}, ""},
		{"date nil pointer", web.FormatDate, (*time.Time)(nil), ""},
		{"date pointer", web.FormatDate, &summer, "30/06/2026"},
		{"date nil", web.FormatDate, nil, ""},
		{"datetime summer", web.FormatDateTime, summer, "01/07/2026 à 00:30"},
		{"datetime zero", web.FormatDateTime, time.Time{}, ""},
	}
	for _, tt := range tests {
		got, err := tt.fn(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := web.FormatDate("2026-01-01"); err == nil {
		t.Error("FormatDate accepts a string")
	}
	if web.FormatBool(true) != "oui" || web.FormatBool(false) != "non" {
		t.Error("FormatBool is not oui/non")
	}
}

func TestRenderStaticFunc(t *testing.T) {
	tmpl := template.Must(template.New("x").Funcs(web.BuiltinFuncs()).Parse(`{{static "app.js"}}`))
	var b strings.Builder
	if err := tmpl.Execute(&b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "/static/app.js?v=") {
		t.Errorf("static = %q", b.String())
	}
}
