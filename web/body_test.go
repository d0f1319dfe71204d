package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"passerelle/web"
)

// multipartBody streams a multipart form whose one file part holds size
// bytes, without holding it in memory.
func multipartBody(size int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("fichier", "gros.csv")
		if err == nil {
			_, err = io.CopyN(part, zeros{}, size)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// tempBytes returns the bytes of the files in dir.
func tempBytes(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}

// TestCSRFRemovesTemporaryFiles sends an anonymous multipart form larger
// than the memory ParseMultipartForm keeps: net/http spools the file to
// the temporary folder, and the refused request must leave nothing there.
func TestCSRFRemovesTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	body, ct := multipartBody(40 << 20)
	r := httptest.NewRequest(http.MethodPost, "/connexion", body)
	r.Header.Set("Content-Type", ct)
	w := httptest.NewRecorder()
	csrfHandler(nil).ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", w.Code)
	}
	if n := tempBytes(t, dir); n != 0 {
		t.Fatalf("%d bytes left in the temporary folder", n)
	}
}

func TestLimitBody(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	read := 0
	h := web.LimitBody(1<<10, map[string]int64{"/importer": 1 << 20})(web.CSRF(nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		read++
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, test := range []struct {
		name, path string
		size       int64
		multipart  bool
		chunked    bool
		status     int
	}{
		{"form too long", "/connexion", 2 << 10, false, false, http.StatusRequestEntityTooLarge},
		{"file on a form", "/connexion", 10, true, true, http.StatusUnsupportedMediaType},
		{"large file on a form", "/connexion", 40 << 20, true, false, http.StatusRequestEntityTooLarge},
		{"chunked file on a form", "/console/connexion", 40 << 20, true, true, http.StatusUnsupportedMediaType},
		{"file too large for the import", "/importer", 2 << 20, true, false, http.StatusRequestEntityTooLarge},
		{"chunked file too large for the import", "/importer", 2 << 20, true, true, http.StatusForbidden},
		{"small file, no token", "/importer", 10, true, false, http.StatusForbidden},
	} {
		t.Run(test.name, func(t *testing.T) {
			var body io.Reader
			ct := "application/x-www-form-urlencoded"
			if test.multipart {
				body, ct = multipartBody(test.size)
			} else {
				body = io.LimitReader(zeros{}, test.size)
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+test.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ct)
			if !test.chunked {
				if test.multipart {
					b, _ := io.ReadAll(body)
					req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
				} else {
					req.ContentLength = test.size
				}
			}
			resp, err := srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if err == nil && resp.StatusCode != test.status {
				t.Errorf("status %d, want %d", resp.StatusCode, test.status)
			}
			if n := tempBytes(t, dir); n != 0 {
				t.Errorf("%d bytes left in the temporary folder", n)
			}
		})
	}
	if read != 0 {
		t.Errorf("the handler was reached %d times", read)
	}
}
