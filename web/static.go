package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"time"
)

//go:embed static
var embedded embed.FS

// Static holds the files of web/static (base.css, app.js), with paths
// relative to that folder. Applications add their own files under their own
// prefix if they need any.
var Static fs.FS = mustSub(embedded, "static")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directive above guarantees the folder
	}
	return sub
}

// StaticPrefix is where StaticHandler expects to be mounted.
const StaticPrefix = "/static/"

// shared serves Static under StaticPrefix.
var shared = NewStatic(Static, StaticPrefix)

// StaticURL returns the address of a file of Static with its version, such as
// "/static/base.css?v=3f2a9c1b04d5" (see StaticFiles.URL). The template
// function "static" calls it.
func StaticURL(name string) string { return shared.URL(name) }

// StaticHandler serves Static under StaticPrefix (see StaticFiles.Handler):
//
//	mux.Handle("GET "+web.StaticPrefix, web.StaticHandler())
func StaticHandler() http.Handler { return shared.Handler() }

// StaticFiles serves a folder of files under a URL prefix, each with a
// version: the start of its SHA-256. The files are read once, since they are
// embedded and never change while the binary runs. Static is served so;
// applications serve their own files the same way under their own prefix.
type StaticFiles struct {
	prefix string
	files  map[string]staticFile
}

type staticFile struct {
	data    []byte
	version string // start of the SHA-256 of data
}

// NewStatic reads every file of fsys, with paths relative to its root, to
// serve them under prefix (such as "/ui/", with the final slash). fsys is
// meant to be embedded: a file that cannot be read panics.
func NewStatic(fsys fs.FS, prefix string) *StaticFiles {
	s := &StaticFiles{prefix: prefix, files: make(map[string]staticFile)}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		s.files[p] = staticFile{data: data, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(err) // embedded files cannot fail to read
	}
	return s
}

// Prefix is where Handler expects to be mounted.
func (s *StaticFiles) Prefix() string { return s.prefix }

// URL returns the address of a file with its version, such as
// "/ui/school.css?v=3f2a9c1b04d5". The version changes with the content, so
// browsers may keep the file for a year and still get a new one after an
// upgrade. An unknown name gets no version (and a 404).
func (s *StaticFiles) URL(name string) string {
	name = strings.TrimPrefix(name, "/")
	if f, ok := s.files[name]; ok {
		return s.prefix + name + "?v=" + f.version
	}
	return s.prefix + name
}

// hashedName matches names that carry their own hash, like app.3f2a9c1b.js.
var hashedName = regexp.MustCompile(`\.[0-9a-f]{8,}\.[A-Za-z0-9]+$`)

// Handler serves the files under the prefix:
//
//	mux.Handle("GET "+st.Prefix(), st.Handler())
//
// A request with the current version (?v=…, see URL) or for a hashed name is
// cacheable for a year; any other is revalidated each time with its ETag.
// There are no directory listings.
func (s *StaticFiles) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Méthode non autorisée.", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, s.prefix)
		f, found := s.files[name]
		if !ok || !found {
			http.Error(w, "Fichier introuvable.", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("ETag", `"`+f.version+`"`)
		if r.URL.Query().Get("v") == f.version || hashedName.MatchString(name) {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		// ServeContent answers If-None-Match with 304 and sets the
		// Content-Type from the extension.
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}
