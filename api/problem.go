package api

import (
	"encoding/json"
	"net/http"

	"passerelle/frtext"
	"passerelle/wire"
)

// maxListedErrors bounds the errors a problem lists, so that a snapshot of
// thousands of bad entries does not get an answer larger than itself.
const maxListedErrors = 100

// problemError is a handler's failure: the problem to answer, the outcome
// for the metrics, and the internal cause, which is logged and never shown.
type problemError struct {
	problem wire.Problem
	outcome string
	cause   error
	// authenticate, for a 401, is the WWW-Authenticate challenge.
	authenticate string
	// retryAfter, for a 429, is the Retry-After header (seconds).
	retryAfter string
}

func (e *problemError) Error() string {
	if e.cause != nil {
		return e.problem.Title + ": " + e.cause.Error()
	}
	return e.problem.Title + ": " + e.problem.Detail
}

func (e *problemError) Unwrap() error { return e.cause }

// newProblem builds a problemError of the given type and status.
func newProblem(status int, typ, title, detail, outcome string) *problemError {
	return &problemError{
		problem: wire.Problem{Type: typ, Title: title, Status: status, Detail: detail},
		outcome: outcome,
	}
}

// malformed is a 400 with the faults found.
func malformed(detail string, errs ...wire.FieldError) *problemError {
	p := newProblem(http.StatusBadRequest, wire.TypeMalformedRequest, "Demande mal formée", detail, outcomeMalformed)
	p.problem.Errors = capErrors(errs)
	return p
}

// capErrors keeps the first maxListedErrors faults and says how many more
// there are.
func capErrors(errs []wire.FieldError) []wire.FieldError {
	if len(errs) <= maxListedErrors {
		return errs
	}
	more := len(errs) - maxListedErrors
	out := append(errs[:maxListedErrors:maxListedErrors], wire.FieldError{
		Index:   -1,
		Message: frtext.Plural(more, "autre erreur non listée", "autres erreurs non listées") + " : corrigez d'abord celles-ci.",
	})
	return out
}

// internalError is a 500 whose cause is logged, not shown.
func internalError(cause error) *problemError {
	p := newProblem(http.StatusInternalServerError, wire.TypeInternal, "Erreur interne",
		"Une erreur interne est survenue à l'extranet. Réessayez dans un moment ; si le problème persiste, prévenez l'opérateur de l'extranet en citant l'identifiant de la demande.",
		outcomeError)
	p.cause = cause
	return p
}

// writeProblem answers p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p *problemError) {
	p.problem.RequestID = requestID(r.Context())
	if p.authenticate != "" {
		w.Header().Set("WWW-Authenticate", p.authenticate)
	}
	if p.retryAfter != "" {
		w.Header().Set("Retry-After", p.retryAfter)
	}
	writeJSONAs(w, wire.ProblemContentType, p.problem.Status, p.problem)
}

// writeJSON answers v as application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, "application/json", status, v)
}

func writeJSONAs(w http.ResponseWriter, contentType string, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// The documents are plain structs: this cannot happen, but an
		// answer must still go out.
		body = []byte(`{"type":"` + wire.TypeInternal + `","title":"Erreur interne","status":500}`)
		contentType, status = wire.ProblemContentType, http.StatusInternalServerError
	}
	writeBody(w, contentType, status, append(body, '\n'))
}

// writeBody writes an answer with the headers every JSON answer carries.
func writeBody(w http.ResponseWriter, contentType string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}
