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

type staticFile struct {
	data    []byte
	version string // start of the SHA-256 of data
}

// staticFiles is read once: the files are embedded and never change while
// the binary runs, so their versions are known up front.
var staticFiles = loadStatic(Static)

func loadStatic(fsys fs.FS) map[string]staticFile {
	files := make(map[string]staticFile)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files[p] = staticFile{data: data, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(err) // embedded files cannot fail to read
	}
	return files
}

// StaticURL returns the address of a file of Static with its version, such as
// "/static/base.css?v=3f2a9c1b04d5". The version changes with the content,
// so browsers may keep the file for a year and still get a new one after an
// upgrade. The template function "static" calls it. An unknown name gets no
// version (and a 404).
func StaticURL(name string) string {
	name = strings.TrimPrefix(name, "/")
	if f, ok := staticFiles[name]; ok {
		return StaticPrefix + name + "?v=" + f.version
	}
	return StaticPrefix + name
}

// hashedName matches names that carry their own hash, like app.3f2a9c1b.js.
var hashedName = regexp.MustCompile(`\.[0-9a-f]{8,}\.[A-Za-z0-9]+$`)

// StaticHandler serves Static under StaticPrefix:
//
//	mux.Handle("GET "+web.StaticPrefix, web.StaticHandler())
//
// A request with the current version (?v=…, see StaticURL) or for a hashed
// name is cacheable for a year; any other is revalidated each time with its
// ETag. There are no directory listings.
func StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Méthode non autorisée.", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, StaticPrefix)
		f, found := staticFiles[name]
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
