package web

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
)

// Error is an error that a handler returns to choose the response: Status
// and Message (French, shown to the person) for the page, Err (internal, only
// logged) for the log. A handler that returns a plain error gets a 500 and
// the generic message.
type Error struct {
	Status  int    // HTTP status; 0 means 500
	Message string // French, shown; "" for the status's default
	Err     error  // internal cause, logged, never shown
}

// Error returns the message and the cause, for logs.
func (e *Error) Error() string {
	switch {
	case e.Err == nil:
		return e.Message
	case e.Message == "":
		return e.Err.Error()
	}
	return e.Message + ": " + e.Err.Error()
}

// Unwrap returns the internal cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// ErrorPage is the Data of the Page given to an application's "error"
// template.
type ErrorPage struct {
	Status  int
	Message string
}

// defaultMessages say, for each status, what happened and what to do.
var defaultMessages = map[int]string{
	http.StatusBadRequest:            "La demande n'est pas valide. Vérifiez les informations saisies et recommencez.",
	http.StatusForbidden:             "Vous n'avez pas accès à cette page.",
	http.StatusNotFound:              "Cette page n'existe pas ou plus. Vérifiez l'adresse ou revenez à l'accueil.",
	http.StatusMethodNotAllowed:      "Cette action n'est pas possible sur cette page.",
	http.StatusConflict:              "Les données ont été modifiées entre-temps. Rechargez la page et recommencez.",
	http.StatusRequestEntityTooLarge: "Le fichier envoyé est trop volumineux.",
	http.StatusTooManyRequests:       "Trop de tentatives. Patientez quelques minutes avant de réessayer.",
	http.StatusInternalServerError:   "Une erreur interne est survenue. Réessayez dans un moment ; si le problème persiste, prévenez l'administrateur.",
	http.StatusServiceUnavailable:    "Le service est momentanément indisponible. Réessayez dans un moment.",
}

// errorTitles are the headings of the error page.
var errorTitles = map[int]string{
	http.StatusBadRequest:          "Demande non valide",
	http.StatusForbidden:           "Accès refusé",
	http.StatusNotFound:            "Page introuvable",
	http.StatusTooManyRequests:     "Trop de tentatives",
	http.StatusInternalServerError: "Erreur interne",
}

func errorTitle(status int) string {
	if t, ok := errorTitles[status]; ok {
		return t
	}
	if status >= 500 {
		return "Erreur interne"
	}
	return "Erreur"
}

func defaultMessage(status int) string {
	if m, ok := defaultMessages[status]; ok {
		return m
	}
	if status >= 500 {
		return defaultMessages[http.StatusInternalServerError]
	}
	return defaultMessages[http.StatusBadRequest]
}

// HandleError answers with an error page for err. An *Error (anywhere in the
// chain) gives the status and message; anything else is a 500 with a generic
// message, so internal details never reach the page. 5xx errors are logged.
// The page is the renderer's "error" template when it has one (its Data is an
// ErrorPage), else a built-in page; rd may be nil.
func HandleError(w http.ResponseWriter, r *http.Request, rd *Renderer, err error) {
	status, msg := http.StatusInternalServerError, ""
	var e *Error
	if errors.As(err, &e) {
		if e.Status != 0 {
			status = e.Status
		}
		msg = e.Message
	}
	if msg == "" {
		msg = defaultMessage(status)
	}
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The person left before the answer; nothing went wrong here.
		slog.DebugContext(r.Context(), "request canceled", "method", r.Method, "path", Capped(r.URL.Path))
		return
	case status >= 500:
		slog.ErrorContext(r.Context(), "request failed",
			"method", r.Method, "path", Capped(r.URL.Path), "status", status, "err", err)
	}
	if rd != nil && rd.Has("error") {
		rd.Render(w, r, status, "error", &Page{
			Title: errorTitle(status),
			Data:  ErrorPage{Status: status, Message: msg},
		})
		return
	}
	writeBuiltinError(w, r, status, "", msg)
}

// Handler adapts a handler that returns an error; errors are shown with the
// renderer's "error" page when it has one (see HandleError), else with the
// built-in one, as for a nil renderer.
func (rd *Renderer) Handler(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		err := fn(tw, r)
		if err == nil {
			return
		}
		if tw.started {
			// Too late for an error page: the status is sent.
			slog.ErrorContext(r.Context(), "request failed after the response started",
				"method", r.Method, "path", Capped(r.URL.Path), "err", err)
			return
		}
		HandleError(w, r, rd, err)
	})
}

// trackingWriter remembers whether the response has started.
type trackingWriter struct {
	http.ResponseWriter
	started bool
}

func (t *trackingWriter) WriteHeader(status int) {
	// 1xx responses are interim; the real status is still to come.
	if status >= 200 {
		t.started = true
	}
	t.ResponseWriter.WriteHeader(status)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.started = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (Flush, deadlines).
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// builtinError is the page used when the application has no "error"
// template, and for the CSRF refusal, which comes before any application
// code. It needs only the stylesheet.
var builtinError = template.Must(template.New("error").Funcs(BuiltinFuncs()).Parse(`<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Passerelle</title>
<link rel="stylesheet" href="{{static "base.css"}}">
</head>
<body>
<header class="app-header"><a class="app-name" href="/">Passerelle</a></header>
<main class="container">
<h1>{{.Title}}</h1>
<p class="flash flash-error" role="alert">{{.Message}}</p>
<p><a href="/">Retour à l'accueil</a></p>
</main>
</body>
</html>
`))

// writeBuiltinError writes the built-in error page; an empty title or
// message takes the status's default.
func writeBuiltinError(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	if title == "" {
		title = errorTitle(status)
	}
	if msg == "" {
		msg = defaultMessage(status)
	}
	var buf bytes.Buffer
	data := struct{ Title, Message string }{title, msg}
	if err := builtinError.Execute(&buf, data); err != nil {
		// Only a bug in the template above can get here.
		slog.ErrorContext(r.Context(), "rendering built-in error page", "err", err)
		http.Error(w, msg, status)
		return
	}
	writeHTML(w, r, status, buf.Bytes())
}
