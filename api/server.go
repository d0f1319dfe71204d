package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/web"
	"passerelle/wire"
)

// DefaultMaxBodyBytes bounds a snapshot's body. 8 MiB holds about 40,000
// staff entries, thirty times the largest school.
const DefaultMaxBodyBytes = 8 << 20

// ServerOptions tunes NewServer. The zero value is usable.
type ServerOptions struct {
	// MaxBodyBytes bounds the body of a PUT (default DefaultMaxBodyBytes);
	// a larger one gets 413.
	MaxBodyBytes int64
	// Log receives the access log and the internal errors (default:
	// slog.Default()).
	Log *slog.Logger
	// MaxTransfers bounds the transfers in flight at once (default
	// DefaultMaxTransfers); a school has one at most. Beyond, 429.
	MaxTransfers int
}

// Server is the extranet's HTTP server: the API routes, health checks and
// metrics on one ServeMux, behind request IDs, access logs and panic
// recovery. Other handlers (the portal) can be mounted beside the API.
type Server struct {
	svc     *extranet.Service
	maxBody int64
	log     *slog.Logger
	mux     *http.ServeMux
	// routes holds the API's own routes only, so that /api/ answers its
	// own 404 and 405 whatever is mounted at "/" beside it (the portal).
	routes  *http.ServeMux
	metrics *metrics
	handler http.Handler
	gate    *gate
	// trees are the handlers given every path under a prefix (MountTree).
	trees []tree
}

// tree is a handler mounted with MountTree.
type tree struct {
	prefix string
	h      http.Handler
}

// NewServer returns a server answering for svc.
func NewServer(svc *extranet.Service, opts ServerOptions) *Server {
	s := &Server{
		svc:     svc,
		maxBody: opts.MaxBodyBytes,
		log:     opts.Log,
		mux:     http.NewServeMux(),
		routes:  http.NewServeMux(),
		metrics: newMetrics(),
		gate:    newGate(opts.MaxTransfers),
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, m := range []*http.ServeMux{s.mux, s.routes} {
		m.HandleFunc("PUT /api/v1/schools/{fase}/staff", s.putStaff)
		m.HandleFunc("GET /api/v1/schools/{fase}/staff", s.getStaff)
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	s.handler = s.middleware(s.mux)
	return s
}

// Handler returns the server's handler: every route, mounted ones included,
// with request IDs, access logs, metrics and panic recovery.
func (s *Server) Handler() http.Handler { return s.handler }

// Mount adds a handler to the server's mux, with the mux's pattern syntax
// ("GET /portail/{$}", "/static/"). It panics, as ServeMux.Handle does, when
// the pattern conflicts with a route already there. Patterns under /api/ are
// the API's own.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// MountTree gives h the prefix ("/scim/v2") and every path under it as
// the client wrote it, and every path whose clean form is under it: the
// mux would answer one not in its clean form ("/scim/v2//Users",
// "//scim/v2/Users") with a redirect and an HTML page, where h's clients
// expect h's own format. Call it before serving.
func (s *Server) MountTree(prefix string, h http.Handler) {
	s.mux.Handle(prefix, h)
	s.mux.Handle(prefix+"/", h)
	s.trees = append(s.trees, tree{prefix + "/", h})
}

// --- middleware ---

type ctxKey int

const reqInfoKey ctxKey = 0

// reqInfo is what the middleware and the handlers share about one request.
type reqInfo struct {
	id   string
	fase int // the authenticated school, 0 when none
}

func requestID(ctx context.Context) string {
	if ri, ok := ctx.Value(reqInfoKey).(*reqInfo); ok {
		return ri.id
	}
	return ""
}

func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// middleware gives each request an ID, counts it in flight, recovers its
// panics, answers the API's 404 and 405 as problems, and logs it.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: incomingRequestID(r.Header.Get("X-Request-ID"))}
		if ri.id == "" {
			ri.id = newRequestID()
		}
		w.Header().Set("X-Request-ID", ri.id)
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey, ri))
		rec := &recorder{ResponseWriter: w}

		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic while serving a request", "request_id", ri.id,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeProblem(rec, r, internalError(fmt.Errorf("panic: %v", v)))
				}
			}
			s.logRequest(r, rec, ri, time.Since(start))
		}()

		for _, t := range s.trees {
			// The path as written, escaped, as the mux cleans it: "%2F"
			// is a character of a segment, not a separator.
			esc := r.URL.EscapedPath()
			if clean := path.Clean(esc); strings.HasPrefix(esc, t.prefix) || strings.HasPrefix(clean, t.prefix) ||
				clean == t.prefix[:len(t.prefix)-1] {
				t.h.ServeHTTP(rec, r)
				return
			}
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if _, pattern := s.routes.Handler(r); pattern == "" {
				s.apiNoRoute(rec, r, s.routes)
				return
			}
		}
		mux.ServeHTTP(rec, r)
	})
}

// apiNoRoute answers an /api/ request that no route matches with a problem
// instead of the mux's plain-text 404 or 405, keeping the Allow header.
func (s *Server) apiNoRoute(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	probe := &statusProbe{header: http.Header{}}
	mux.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		writeProblem(w, r, newProblem(http.StatusMethodNotAllowed, wire.TypeMethodNotAllowed, "Méthode non permise",
			fmt.Sprintf("Cette adresse n'accepte pas la méthode %s ; méthodes permises : %s.", r.Method, probe.header.Get("Allow")), ""))
		return
	}
	writeProblem(w, r, newProblem(http.StatusNotFound, wire.TypeNotFound, "Adresse inconnue",
		"Cette adresse n'existe pas dans l'API de l'extranet : vérifiez l'adresse de l'extranet configurée à l'école (…/api/v1/schools/FASE/staff).", ""))
}

func (s *Server) logRequest(r *http.Request, rec *recorder, ri *reqInfo, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	s.metrics.observeRequest(r.Pattern, status)
	attrs := []slog.Attr{
		slog.String("request_id", ri.id),
		slog.String("method", r.Method),
		// The path only: the query holds no secret today, but it is the
		// caller's to fill, and the token never travels there. What the
		// caller chose is capped, so that an anonymous request of 64 KiB
		// of headers costs a log line of a few hundred bytes.
		slog.String("path", web.Capped(r.URL.EscapedPath())),
		slog.String("route", r.Pattern),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("remote", r.RemoteAddr),
	}
	if ri.fase != 0 {
		attrs = append(attrs, slog.Int("fase", ri.fase))
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, slog.String("user_agent", web.Capped(ua)))
	}
	s.log.LogAttrs(r.Context(), accessLevel(status), "http request", attrs...)
}

// accessLevel is the level of a request's access line: an error for a
// fault of the server, not for 501, a feature the caller asked that the
// service does not offer (SCIM's /Me or /Bulk, RFC 7644 §3.11, §3.7),
// which an identity provider probes as a matter of course.
func accessLevel(status int) slog.Level {
	if status >= 500 && status != http.StatusNotImplemented {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// recorder remembers the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusProbe catches what the mux would answer, without sending it.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *statusProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}

// incomingRequestID keeps a caller's X-Request-ID when it is short and made
// of safe characters, so that a proxy's ID follows the request into the
// logs without letting a caller inject anything there.
func incomingRequestID(s string) string {
	if s == "" || len(s) > 64 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	return s
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// --- authentication ---

// bearerChallenge is the WWW-Authenticate header of a 401 (RFC 6750).
const bearerChallenge = `Bearer realm="extranet"`

// authorize checks the bearer token and that it belongs to the school named
// in the path. It answers 401 for a missing, malformed, unknown or revoked
// token and 403 for the token of another school.
func (s *Server) authorize(r *http.Request) (int, *problemError) {
	token, perr := bearerToken(r.Header.Values("Authorization"))
	if perr != nil {
		return 0, perr
	}
	fase, err := s.svc.AuthenticateSchool(r.Context(), token)
	if errors.Is(err, extranet.ErrBadToken) {
		p := unauthorized("Le jeton de l'école est inconnu ou a été révoqué : demandez un nouveau jeton à l'opérateur de l'extranet et enregistrez-le dans les paramètres de l'école.")
		p.authenticate = bearerChallenge + `, error="invalid_token"`
		return 0, p
	}
	if err != nil {
		return 0, internalError(fmt.Errorf("authenticate school: %w", err))
	}
	info(r.Context()).fase = fase
	want, err := strconv.Atoi(r.PathValue("fase"))
	if err != nil || want != fase {
		// The same answer whether the FASE exists or not, so that a token
		// cannot be used to learn which schools the extranet knows.
		return 0, newProblem(http.StatusForbidden, wire.TypeForbidden, "Accès refusé",
			fmt.Sprintf("Le jeton utilisé est celui de l'établissement FASE %d : il ne donne accès qu'aux données de cet établissement. Vérifiez le numéro FASE dans les paramètres de l'école.", fase),
			outcomeForbidden)
	}
	return fase, nil
}

// bearerToken extracts the token of an "Authorization: Bearer TOKEN"
// header. The scheme is case-insensitive (RFC 9110); the token must be one
// RFC 6750 b64token.
func bearerToken(values []string) (string, *problemError) {
	if len(values) == 0 || values[0] == "" {
		p := unauthorized("Authentification requise : envoyez le jeton de l'école dans l'en-tête « Authorization: Bearer JETON ».")
		p.authenticate = bearerChallenge
		return "", p
	}
	bad := func() (string, *problemError) {
		p := unauthorized("En-tête Authorization mal formé : écrivez « Authorization: Bearer JETON », avec le jeton donné par l'opérateur de l'extranet.")
		p.authenticate = bearerChallenge + `, error="invalid_request"`
		return "", p
	}
	if len(values) > 1 {
		return bad()
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return bad()
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || len(token) > 512 || !isB64Token(token) {
		return bad()
	}
	return token, nil
}

func isB64Token(s string) bool {
	end := len(strings.TrimRight(s, "="))
	for i := 0; i < end; i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			return false
		}
	}
	return end > 0
}

func unauthorized(detail string) *problemError {
	return newProblem(http.StatusUnauthorized, wire.TypeUnauthorized, "Authentification refusée", detail, outcomeUnauthorized)
}

// --- health ---

// healthz answers 200 while the process runs: a liveness check, which
// touches no database so that a slow database does not get the process
// restarted.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 when the service can serve (database reachable and
// migrated), 503 otherwise: a readiness check for load balancers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		s.log.Warn("not ready", "request_id", requestID(r.Context()), "err", err)
		writeProblem(w, r, newProblem(http.StatusServiceUnavailable, wire.TypeUnavailable, "Service indisponible",
			"L'extranet n'est pas prêt : sa base de données ne répond pas ou n'est pas à jour. Réessayez dans un moment.", ""))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}
