package schoolui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// uiPrefix is where the pages' own stylesheet and script are served, beside
// the shared ones under web.StaticPrefix.
const uiPrefix = "/ui/"

type uiFile struct {
	data    []byte
	version string
}

// uiFiles are read once: they are embedded and never change while the
// program runs.
var uiFiles = func() map[string]uiFile {
	files := map[string]uiFile{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files[strings.TrimPrefix(p, "static/")] = uiFile{data: data, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(err) // embedded files cannot fail to read
	}
	return files
}()

// uiURL is the template function "ui": the versioned address of a file of
// static/, cacheable for a year since the version changes with the content.
func uiURL(name string) string {
	if f, ok := uiFiles[name]; ok {
		return uiPrefix + name + "?v=" + f.version
	}
	return uiPrefix + name
}

func uiHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, uiPrefix)
		f, ok := uiFiles[name]
		if !ok {
			http.Error(w, "Fichier introuvable.", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("ETag", `"`+f.version+`"`)
		if r.URL.Query().Get("v") == f.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}
