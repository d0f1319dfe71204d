package api

import (
	"encoding/json"
	"net/http"

	"passerelle/extranet"
	"passerelle/frtext"
)

// ProblemBase is the stable prefix of every problem type URI. The URIs name
// kinds of errors; they are identifiers, not pages that must resolve.
const ProblemBase = "https://passerelle.example/problems/"

// Problem types, one for each kind of error the API answers.
const (
	TypeMalformedRequest      = ProblemBase + "malformed-request"      // 400
	TypeUnauthorized          = ProblemBase + "unauthorized"           // 401
	TypeForbidden             = ProblemBase + "forbidden"              // 403
	TypeNotFound              = ProblemBase + "not-found"              // 404
	TypeUnknownSchool         = ProblemBase + "unknown-school"         // 404
	TypeMethodNotAllowed      = ProblemBase + "method-not-allowed"     // 405
	TypeDeactivationThreshold = ProblemBase + "deactivation-threshold" // 409
	TypeBodyTooLarge          = ProblemBase + "body-too-large"         // 413
	TypeUnsupportedMediaType  = ProblemBase + "unsupported-media-type" // 415
	TypeInvalidSnapshot       = ProblemBase + "invalid-snapshot"       // 422
	TypeBusy                  = ProblemBase + "busy"                   // 429
	TypeIdempotencyKeyReused  = ProblemBase + "idempotency-key-reused" // 422
	TypeInternal              = ProblemBase + "internal"               // 500
	TypeUnavailable           = ProblemBase + "unavailable"            // 503
)

// ProblemContentType is the media type of RFC 9457 problem details.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details document, with this API's
// extension members.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Detail is French and says what to do.
	Detail string `json:"detail,omitempty"`
	// RequestID is the X-Request-ID of the call, to quote to an operator.
	RequestID string `json:"requestId,omitempty"`
	// Errors lists the faulty parts of the request (400 and 422).
	Errors []FieldError `json:"errors,omitempty"`
	// Deactivations is what the guard held back (409): the number to send
	// as confirmDeactivations to apply the snapshot all the same.
	Deactivations int `json:"deactivations,omitempty"`
	// Changes are the deactivations the held snapshot would make (409).
	Changes []extranet.Change `json:"changes,omitempty"`
}

// FieldError is one fault of a request.
type FieldError struct {
	// Index is the position of the faulty entry in the list that Field
	// names ("staff" or "keep"), or -1 when the fault is not in a list.
	Index int `json:"index"`
	// Field is the path of the faulty value: "schoolYear",
	// "staff[3].email", "keep[0].birthDate", or "" for the body as a whole.
	Field string `json:"field"`
	// Message is French.
	Message string `json:"message"`
}

// maxListedErrors bounds the errors a problem lists, so that a snapshot of
// thousands of bad entries does not get an answer larger than itself.
const maxListedErrors = 100

// problemError is a handler's failure: the problem to answer, the outcome
// for the metrics, and the internal cause, which is logged and never shown.
type problemError struct {
	problem Problem
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
		problem: Problem{Type: typ, Title: title, Status: status, Detail: detail},
		outcome: outcome,
	}
}

// malformed is a 400 with the faults found.
func malformed(detail string, errs ...FieldError) *problemError {
	p := newProblem(http.StatusBadRequest, TypeMalformedRequest, "Demande mal formée", detail, outcomeMalformed)
	p.problem.Errors = capErrors(errs)
	return p
}

// capErrors keeps the first maxListedErrors faults and says how many more
// there are.
func capErrors(errs []FieldError) []FieldError {
	if len(errs) <= maxListedErrors {
		return errs
	}
	more := len(errs) - maxListedErrors
	out := append(errs[:maxListedErrors:maxListedErrors], FieldError{
		Index:   -1,
		Message: frtext.Plural(more, "autre erreur non listée", "autres erreurs non listées") + " : corrigez d'abord celles-ci.",
	})
	return out
}

// internalError is a 500 whose cause is logged, not shown.
func internalError(cause error) *problemError {
	p := newProblem(http.StatusInternalServerError, TypeInternal, "Erreur interne",
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
	writeJSONAs(w, ProblemContentType, p.problem.Status, p.problem)
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
		body = []byte(`{"type":"` + TypeInternal + `","title":"Erreur interne","status":500}`)
		contentType, status = ProblemContentType, http.StatusInternalServerError
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
