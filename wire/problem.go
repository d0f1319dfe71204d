package wire

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
	Changes []Change `json:"changes,omitempty"`
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
