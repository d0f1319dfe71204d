package web

import (
	"fmt"
	"mime"
	"net/http"
)

// MaxFormBytes bounds the body of a form without upload (a sign-in, a
// search, a fiche): the longest the pages send is a few kilobytes.
const MaxFormBytes = 64 << 10

// LimitBody returns middleware that bounds what a request may send before
// anything reads it (CSRF reads the form first, even for an anonymous
// visitor). A body may hold at most max bytes, and must not be multipart:
// net/http writes a multipart file part to a temporary file, so only the
// paths of uploads (path → their limit) take one. A body over its limit
// gets 413 without being read; a multipart body elsewhere gets 415.
func LimitBody(max int64, uploads map[string]int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			limit, upload := uploads[r.URL.Path]
			if !upload {
				limit = max
			}
			if r.ContentLength > limit {
				tooLarge(w, r, limit, upload)
				return
			}
			if !upload && isMultipart(r) {
				HandleError(w, r, nil, &Error{Status: http.StatusUnsupportedMediaType,
					Message: "Ce formulaire n'accepte pas de fichier. Rechargez la page et recommencez."})
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data" || mt == "multipart/mixed"
}

func tooLarge(w http.ResponseWriter, r *http.Request, limit int64, upload bool) {
	msg := "Le formulaire envoyé est trop long. Rechargez la page et recommencez."
	if upload {
		msg = fmt.Sprintf("Le fichier envoyé est trop volumineux (%d Mo au plus). Importez un fichier plus petit.", limit>>20)
	}
	HandleError(w, r, nil, &Error{Status: http.StatusRequestEntityTooLarge, Message: msg})
}

// removeMultipart deletes the temporary files of a request's multipart
// form. net/http removes those of the request it created, not those of a
// copy (WithContext) that a middleware parsed the form on.
func removeMultipart(r *http.Request) {
	if r.MultipartForm != nil {
		r.MultipartForm.RemoveAll()
	}
}
