package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"passerelle/frtext"
	"path"
	"strconv"
	"strings"
	"time"
)

// LayoutFile is the template that wraps every page. It renders the blocks
// "title" and "content" that each page defines.
const LayoutFile = "layout.html"

// Renderer renders the pages of one application. Each page file is parsed
// together with the layout and the partials into its own template set, so
// that every page can define its own "title" and "content".
type Renderer struct {
	pages map[string]*template.Template
}

// NewRenderer parses the templates of fsys:
//
//   - layout.html, at the root, executed for every page;
//   - partials: files whose name starts with "_" (such as _pager.html),
//     anywhere, available to every page;
//   - pages: every other *.html file, anywhere, named by its path without
//     ".html" ("home", "operator/accounts").
//
// funcs adds to (and may override) the built-in functions: date (dd/mm/yyyy),
// datetime ("26/11/2026 à 18:03", Brussels time), bool (oui/non) and static
// (the versioned address of a file of Static: {{static "base.css"}}).
func NewRenderer(fsys fs.FS, funcs template.FuncMap) (*Renderer, error) {
	if _, err := fs.Stat(fsys, LayoutFile); err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	var partials, pages []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".html" || p == LayoutFile {
			return nil
		}
		if strings.HasPrefix(d.Name(), "_") {
			partials = append(partials, p)
		} else {
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	fm := BuiltinFuncs()
	for k, v := range funcs {
		fm[k] = v
	}
	rd := &Renderer{pages: make(map[string]*template.Template, len(pages))}
	for _, p := range pages {
		files := append([]string{LayoutFile}, partials...)
		files = append(files, p)
		t, err := template.New(LayoutFile).Funcs(fm).ParseFS(fsys, files...)
		if err != nil {
			return nil, fmt.Errorf("web: parsing page %s: %w", p, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: page %s defines no \"content\"", p)
		}
		rd.pages[strings.TrimSuffix(p, ".html")] = t
	}
	return rd, nil
}

// Has reports whether the renderer has the page.
func (rd *Renderer) Has(page string) bool {
	_, ok := rd.pages[strings.TrimSuffix(page, ".html")]
	return ok
}

// Page is what every template receives as its dot, so the layout can always
// reach the CSRF field, the signed-in person and the flash messages, whatever
// the page's own data.
type Page struct {
	Title   string        // optional; the layout may prefer it to the page's "title" block
	CSRF    template.HTML // the hidden input to put in each POST form: {{.CSRF}}
	Session *Session      // nil when nobody is signed in
	Flash   []Flash       // messages left by the previous request
	Data    any           // the page's own data
}

// User returns the signed-in person's identifier, or "" when nobody is.
func (p *Page) User() string {
	if p.Session == nil {
		return ""
	}
	return p.Session.UserID
}

// fillPage completes a Page for a response with what it lacks: the CSRF
// field, the session loaded by the middleware and the pending flash messages
// (which it consumes).
func fillPage(w http.ResponseWriter, r *http.Request, p *Page) {
	if p.CSRF == "" {
		p.CSRF = CSRFField(w, r)
	}
	if p.Session == nil {
		if sess, ok := SessionFrom(r.Context()); ok {
			p.Session = &sess
		}
	}
	if p.Flash == nil {
		p.Flash = Flashes(w, r)
	}
}

// Render executes page (with or without ".html") and writes it with status.
// The page is rendered into a buffer first, so that an error yields a clean
// error page and never half a page. data is wrapped in a Page unless it is one
// already; missing parts of a given Page are filled in.
func (rd *Renderer) Render(w http.ResponseWriter, req *http.Request, status int, page string, data any) {
	t, ok := rd.pages[strings.TrimSuffix(page, ".html")]
	if !ok {
		slog.ErrorContext(req.Context(), "rendering unknown page", "page", page)
		writeBuiltinError(w, req, http.StatusInternalServerError, "", "")
		return
	}
	var p *Page
	switch v := data.(type) {
	case *Page:
		p = v
	case Page:
		p = &v
	default:
		p = &Page{Data: data}
	}
	fillPage(w, req, p)
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		slog.ErrorContext(req.Context(), "rendering page", "page", page, "err", err)
		writeBuiltinError(w, req, http.StatusInternalServerError, "", "")
		return
	}
	writeHTML(w, req, status, buf.Bytes())
}

func writeHTML(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// BuiltinFuncs returns the template functions that NewRenderer adds to every
// page. They are exported for packages that build their own templates, such
// as e-mail bodies.
func BuiltinFuncs() template.FuncMap {
	return template.FuncMap{
		"date":     FormatDate,
		"datetime": FormatDateTime,
		"bool":     FormatBool,
		"static":   StaticURL,
	}
}

// errTimeType is returned by the date functions for a value that is not a
// time, so that a template mistake shows at render time, not as odd text.
var errTimeType = errors.New("web: date needs a time.Time")

func asTime(v any) (time.Time, bool, error) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero(), nil
	case *time.Time:
		if t == nil {
			return time.Time{}, false, nil
		}
		return *t, !t.IsZero(), nil
	case nil:
		return time.Time{}, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%w, got %T", errTimeType, v)
}

// FormatDate formats a date as dd/mm/yyyy; a zero or nil time gives "". The
// time is not moved to another zone: a date (a birth date, the start of a
// situation) is a calendar day, whatever zone it was stored in.
func FormatDate(v any) (string, error) {
	t, ok, err := asTime(v)
	if !ok {
		return "", err
	}
	return frtext.FormatDate(t), nil
}

// FormatDateTime formats an instant in Brussels time, "26/11/2026 à 18:03";
// a zero or nil time gives "".
func FormatDateTime(v any) (string, error) {
	t, ok, err := asTime(v)
	if !ok {
		return "", err
	}
	return frtext.FormatDateTime(t), nil
}

// FormatBool returns "oui" or "non".
func FormatBool(b bool) string { return frtext.FormatBool(b) }
