// Package scim is the extranet's SCIM 2.0 service provider (RFC 7643,
// RFC 7644) for the Users of one school: the bearer token says which. A
// SCIM User is a person's grant at that school for the current school
// year; every write goes through extranet.Service, which reconciles it as
// a snapshot (docs/scim.md).
package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"

	"passerelle/extranet"
)

// Prefix is where the service provider is mounted.
const Prefix = "/scim/v2"

// ContentType is SCIM's media type (RFC 7644 §3.1).
const ContentType = "application/scim+json"

// MaxBodyBytes bounds a request body: one user is a few hundred bytes.
const MaxBodyBytes = 64 << 10

// Options tunes NewHandler.
type Options struct {
	// BaseURL is the service provider's address as clients reach it
	// ("https://extranet.example/scim/v2"), for meta.location and
	// Location. When empty, it is the service's portal address
	// (extranet.Service.PortalURL, --portal-url) followed by Prefix: the
	// portal and the API are one server. Only without either is it taken
	// from each request's Host, which a client chooses: a trial on one
	// machine.
	BaseURL string
	// Log receives internal errors (default: slog.Default()).
	Log *slog.Logger
}

// Handler serves the SCIM endpoints under Prefix.
type Handler struct {
	svc  *extranet.Service
	opts Options
	mux  *http.ServeMux
}

// NewHandler returns the service provider for svc; mount it with
// api.Server.MountTree(Prefix, …), which gives it every path under Prefix.
func NewHandler(svc *extranet.Service, opts Options) *Handler {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	h := &Handler{svc: svc, opts: opts, mux: http.NewServeMux()}
	p := Prefix
	h.mux.HandleFunc("GET "+p+"/ServiceProviderConfig", noFilter(h.serviceProviderConfig))
	h.mux.HandleFunc("GET "+p+"/ResourceTypes", noFilter(h.resourceTypes))
	h.mux.HandleFunc("GET "+p+"/ResourceTypes/{id}", noFilter(h.resourceType))
	h.mux.HandleFunc("GET "+p+"/Schemas", noFilter(h.schemas))
	h.mux.HandleFunc("GET "+p+"/Schemas/{id}", noFilter(h.schema))
	h.mux.HandleFunc("GET "+p+"/Users", h.auth(h.listUsers))
	h.mux.HandleFunc("POST "+p+"/Users/.search", h.auth(h.searchUsers))
	h.mux.HandleFunc("POST "+p+"/.search", h.auth(h.searchUsers))
	h.mux.HandleFunc(p+"/Me", notImplemented("/Me n'est pas pris en charge : le jeton désigne une école, pas une personne"))
	h.mux.HandleFunc(p+"/Bulk", notImplemented("les opérations groupées (Bulk) ne sont pas prises en charge : envoyez les utilisateurs un par un"))
	h.mux.HandleFunc("POST "+p+"/Users", h.auth(h.createUser))
	h.mux.HandleFunc("GET "+p+"/Users/{id}", h.auth(h.getUser))
	h.mux.HandleFunc("PUT "+p+"/Users/{id}", h.auth(h.replaceUser))
	h.mux.HandleFunc("PATCH "+p+"/Users/{id}", h.auth(h.patchUser))
	h.mux.HandleFunc("DELETE "+p+"/Users/{id}", h.auth(h.deleteUser))
	return h
}

// ServeHTTP answers the SCIM routes, and a SCIM error for any other path
// or method under Prefix.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w = answerAsAccepted(w, r)
	orig := r
	r, ok := cleanRequest(r)
	if !ok {
		writeError(w, unknownAddress)
		return
	}
	if r != orig {
		// The route the mux finds is the request's, for the access log
		// and the metrics.
		defer func() { orig.Pattern = r.Pattern }()
	}
	if r2 := canonicalEndpoint(r); r2 != r {
		if r == orig {
			defer func() { orig.Pattern = r2.Pattern }()
		}
		r = r2
	}
	if p := r.URL.EscapedPath(); (p == Prefix+"/Users/.search" || p == Prefix+"/.search") && r.Method != http.MethodPost {
		// Not a user's id: a search is POST only (RFC 7644 §3.4.3).
		onlyPost(w, r)
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		probe := &probe{header: http.Header{}}
		h.mux.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			writeError(w, &extranet.SCIMError{Status: 405, Detail: fmt.Sprintf(
				"méthode %s non permise ici ; méthodes permises : %s", r.Method, probe.header.Get("Allow"))})
			return
		}
		writeError(w, unknownAddress)
		return
	}
	h.mux.ServeHTTP(w, r)
}

var unknownAddress = &extranet.SCIMError{Status: 404, Detail: "adresse inconnue du service SCIM : les ressources sont " +
	Prefix + "/Users, /ServiceProviderConfig, /ResourceTypes et /Schemas"}

// cleanRequest returns r with its path in clean form: one that is not
// ("/scim/v2//Users", from a base address given with a final slash) is
// served as its clean form, where the mux would redirect it with an HTML
// page. The path is cleaned as written, escaped, as the mux reads it: an
// escaped "%2F" or "%2E" stays a character of its segment. ok is false
// when the clean form leaves the service, or when such an escape would
// make its decoded form another path ("x%2F..%2Fid"), which no client
// writes.
func cleanRequest(r *http.Request) (_ *http.Request, ok bool) {
	esc := r.URL.EscapedPath()
	clean := withFinalSlash(path.Clean(esc), esc)
	if esc == clean {
		return r, true
	}
	if clean != Prefix && !strings.HasPrefix(clean, Prefix+"/") {
		return r, false
	}
	dec, err := url.PathUnescape(clean)
	if err != nil || withFinalSlash(path.Clean(dec), dec) != dec {
		return r, false
	}
	return withPath(r, dec, clean), true
}

// withPath returns a copy of r whose path is dec, escaped as esc.
func withPath(r *http.Request, dec, esc string) *http.Request {
	u := *r.URL
	u.Path, u.RawPath = dec, esc
	r2 := *r
	r2.URL = &u
	return &r2
}

// prefersPlainJSON tells whether an Accept header asks for
// application/json rather than application/scim+json: both are JSON, and
// RFC 7644 §3.8 has a provider support either. Each type takes the weight
// of the most specific range that names it (RFC 9110 §12.5.1: the type
// itself, then application/*, then */*); application/json must weigh more
// than application/scim+json, which a header without either, or a tie,
// leaves the answer's type. A range with a weight outside 0 to 1 is
// ignored.
func prefersPlainJSON(accept []string) bool {
	const (
		none = iota
		any
		sub
		exact
	)
	type weight struct {
		rank int
		q    float64
	}
	var plain, scim weight
	take := func(w *weight, rank int, q float64) {
		if rank > w.rank || (rank == w.rank && q > w.q) {
			*w = weight{rank, q}
		}
	}
	for _, line := range accept {
		for _, r := range strings.Split(line, ",") {
			typ, params, _ := strings.Cut(r, ";")
			q, ok := 1.0, true
			for _, p := range strings.Split(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
					ok = err == nil && f >= 0 && f <= 1
					q = f
				}
			}
			if !ok {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(typ)) {
			case "application/json":
				take(&plain, exact, q)
			case ContentType:
				take(&scim, exact, q)
			case "application/*":
				take(&plain, sub, q)
				take(&scim, sub, q)
			case "*/*":
				take(&plain, any, q)
				take(&scim, any, q)
			}
		}
	}
	return plain.rank != none && plain.q > 0 && plain.q > scim.q
}

// answerAsAccepted is w, made to answer in application/json when r's
// Accept prefers it.
func answerAsAccepted(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if prefersPlainJSON(r.Header.Values("Accept")) {
		return &plainJSON{ResponseWriter: w}
	}
	return w
}

// plainJSON answers in application/json what the handlers write as
// application/scim+json.
type plainJSON struct{ http.ResponseWriter }

func (p *plainJSON) WriteHeader(code int) {
	if h := p.Header(); h.Get("Content-Type") == ContentType {
		h.Set("Content-Type", "application/json")
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *plainJSON) Write(b []byte) (int, error) {
	if h := p.Header(); h.Get("Content-Type") == ContentType {
		h.Set("Content-Type", "application/json")
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (p *plainJSON) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// endpoints are the names of the service's endpoints under Prefix.
var endpoints = []string{"Users", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Me", "Bulk", ".search"}

// canonicalEndpoint returns r with the endpoint's name as RFC 7644 writes
// it ("/users" is "/Users", as some clients and Microsoft's reference
// tests write it), and without a final slash ("/Users/?filter=…"): the
// same resource, which a 404 would hide. r itself when it is already so.
func canonicalEndpoint(r *http.Request) *http.Request {
	esc := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(esc, Prefix+"/")
	if !ok {
		return r
	}
	if trimmed, found := strings.CutSuffix(rest, "/"); found && trimmed != "" {
		rest = trimmed
	}
	first, tail, _ := strings.Cut(rest, "/")
	first = endpointName(first)
	if first == "Users" && !strings.Contains(tail, "/") && endpointName(tail) == ".search" {
		tail = ".search"
	}
	if tail != "" {
		first += "/" + tail
	}
	canon := Prefix + "/" + first
	if canon == esc {
		return r
	}
	dec, err := url.PathUnescape(canon)
	if err != nil {
		return r
	}
	return withPath(r, dec, canon)
}

// endpointName returns seg, an escaped path segment, as RFC 7644 writes
// the endpoint it names in any case ("users", "U%73ers": "Users"); seg
// itself when it names none.
func endpointName(seg string) string {
	dec, err := url.PathUnescape(seg)
	if err != nil {
		return seg
	}
	for _, e := range endpoints {
		if strings.EqualFold(dec, e) {
			return e
		}
	}
	return seg
}

// withFinalSlash is clean, the clean form of p, with the final slash of p.
func withFinalSlash(clean, p string) string {
	if strings.HasSuffix(p, "/") && clean != "/" {
		return clean + "/"
	}
	return clean
}

// probe catches what the mux would answer, without sending it.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header { return p.header }
func (p *probe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *probe) Write(b []byte) (int, error) { return len(b), nil }

// authed is a handler of a school's users.
type authed func(w http.ResponseWriter, r *http.Request, fase int)

// auth checks the bearer token: 401 when it is missing, malformed, unknown
// or revoked. The school is the token's: no path names another one, and
// another school's users are not found (404).
func (h *Handler) auth(next authed) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r.Header.Values("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="extranet"`)
			writeError(w, &extranet.SCIMError{Status: 401, Detail: "authentification requise : envoyez le jeton de l'école dans l'en-tête « Authorization: Bearer JETON »"})
			return
		}
		fase, err := h.svc.AuthenticateSchool(r.Context(), tok)
		if errors.Is(err, extranet.ErrBadToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="extranet", error="invalid_token"`)
			writeError(w, &extranet.SCIMError{Status: 401, Detail: "jeton inconnu ou révoqué : demandez un nouveau jeton à l'équipe de l'extranet et enregistrez-le chez le fournisseur d'identité"})
			return
		}
		if err != nil {
			h.internal(w, r, err)
			return
		}
		next(w, r, fase)
	}
}

func bearer(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(values[0], " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || len(tok) > 512 {
		return "", false
	}
	return tok, true
}

// errorJSON is RFC 7644 §3.12's error: status as a string.
type errorJSON struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

func writeError(w http.ResponseWriter, e *extranet.SCIMError) {
	writeJSON(w, e.Status, errorJSON{Schemas: []string{errorSchema}, Status: fmt.Sprint(e.Status), ScimType: e.ScimType, Detail: e.Detail})
}

// OtherVersions answers the paths under /scim that are not Prefix's
// (mounted with api.Server.MountTree("/scim", …) after Prefix's tree): a
// SCIM error, not the router's page. A version this provider does not
// speak ("/scim/v1/Users") is 400 invalidVers (RFC 7644 §3.13); another
// path, "v2" written otherwise ("/scim/V2", "/scim/v2.0") included, 404;
// both name the service's address.
func OtherVersions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = answerAsAccepted(w, r)
		rest, _ := strings.CutPrefix(path.Clean("/"+r.URL.Path), "/scim")
		first, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
		if v, ok := protocolVersion(first); ok && v != "2" {
			writeError(w, &extranet.SCIMError{Status: 400, ScimType: "invalidVers", Detail: "version du protocole SCIM « " + first +
				" » non prise en charge : l'extranet parle SCIM 2.0, à l'adresse " + Prefix})
			return
		}
		writeError(w, &extranet.SCIMError{Status: 404, Detail: "adresse inconnue : le service SCIM 2.0 de l'extranet est à l'adresse " + Prefix})
	})
}

// protocolVersion reads a path segment that names a protocol version
// ("v1", "V2.0"): its major number.
func protocolVersion(seg string) (string, bool) {
	if len(seg) < 2 || (seg[0] != 'v' && seg[0] != 'V') {
		return "", false
	}
	major, minor, _ := strings.Cut(seg[1:], ".")
	if major == "" || strings.Trim(major, "0123456789") != "" || strings.Trim(minor, "0123456789") != "" {
		return "", false
	}
	return strings.TrimLeft(major, "0"), true
}

// fail answers an error of the service: a SCIM error as it is, an unknown
// school as a revoked token, anything else as 500.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var se *extranet.SCIMError
	switch {
	case errors.As(err, &se):
		writeError(w, se)
	case errors.Is(err, extranet.ErrUnknownSchool):
		writeError(w, &extranet.SCIMError{Status: 401, Detail: "école inconnue de l'extranet : demandez un nouveau jeton à l'équipe de l'extranet"})
	default:
		h.internal(w, r, err)
	}
}

func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Log.Error("scim", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, &extranet.SCIMError{Status: 500, Detail: "erreur interne de l'extranet : réessayez dans un moment ; si elle persiste, prévenez l'équipe de l'extranet"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = 500
		b = []byte(`{"schemas":["` + errorSchema + `"],"status":"500","detail":"erreur interne"}`)
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// readBody decodes a JSON object body, bounded by MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, *extranet.SCIMError) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &extranet.SCIMError{Status: 413, Detail: fmt.Sprintf("requête trop grande : au plus %d octets", MaxBodyBytes)}
		}
		return nil, &extranet.SCIMError{Status: 400, ScimType: "invalidSyntax", Detail: "corps de la requête illisible"}
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, &extranet.SCIMError{Status: 400, ScimType: "invalidSyntax", Detail: "le corps n'est pas un objet JSON valide : envoyez une ressource SCIM en application/scim+json"}
	}
	if name, twice := keyTwice(data); twice {
		return nil, &extranet.SCIMError{Status: 400, ScimType: "invalidSyntax", Detail: "« " + name +
			" » est donné deux fois dans un même objet (les noms d'attributs ne distinguent pas les majuscules) : ne le donnez qu'une fois"}
	}
	return m, nil
}

// keyTwice finds a name given twice in one object of a JSON document,
// case ignored: RFC 7643 §2.1 makes "userName" and "USERNAME" one
// attribute, and decoded, one of the two values would be dropped
// unseen.
func keyTwice(data []byte) (string, bool) {
	type frame struct {
		seen      map[string]bool // nil in an array
		expectKey bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // as readBody decodes: 1e400 is a number there too
	for {
		t, err := dec.Token()
		if err != nil {
			return "", false // the end, or what the decoding refused
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.seen != nil {
					top.expectKey = true // the value of the key read
				}
				f := &frame{}
				if d == '{' {
					f.seen, f.expectKey = map[string]bool{}, true
				}
				stack = append(stack, f)
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top == nil || top.seen == nil {
			continue
		}
		if !top.expectKey {
			top.expectKey = true
			continue
		}
		key, _ := t.(string)
		k := foldKey(key)
		if top.seen[k] {
			return key, true
		}
		top.seen[k] = true
		top.expectKey = false
	}
}

// foldKey is key with each letter as the smallest of those it equals,
// case ignored: two names strings.EqualFold (and so lookup) takes for one
// give one foldKey ("ſ" and "s" included, which strings.ToLower keeps
// apart).
func foldKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// baseURL is the provider's address for meta.location.
func (h *Handler) baseURL(r *http.Request) string {
	if h.opts.BaseURL != "" {
		return strings.TrimSuffix(h.opts.BaseURL, "/")
	}
	if u := h.svc.PortalURL; u != "" {
		return strings.TrimSuffix(u, "/") + Prefix
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix
}

// noFilter refuses a filter on the discovery endpoints (RFC 7644 §4: 403).
func noFilter(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// A filter beside a pair that does not decode is a filter all
		// the same; another undecodable query is refused as such.
		v, err := queryValues(r)
		if v.Has("filter") || (err != nil && err.ScimType == "invalidFilter") {
			writeError(w, &extranet.SCIMError{Status: 403, Detail: "ces ressources de description ne se filtrent pas : lisez-les en entier"})
			return
		}
		if err != nil {
			writeError(w, err)
			return
		}
		next(w, r)
	}
}

// onlyPost answers another method than POST on a search.
func onlyPost(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "POST")
	writeError(w, &extranet.SCIMError{Status: http.StatusMethodNotAllowed, Detail: fmt.Sprintf(
		"méthode %s non permise ici ; méthodes permises : POST", r.Method)})
}

// notImplemented answers a feature this provider does not offer (RFC
// 7644 §3.11, §3.7: 501).
func notImplemented(detail string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &extranet.SCIMError{Status: http.StatusNotImplemented, Detail: detail})
	}
}
