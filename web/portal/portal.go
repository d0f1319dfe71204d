package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/mail"
	"passerelle/web"
)

// all: so that the partials, whose names start with "_", are embedded too.
//
//go:embed all:templates static
var files embed.FS

// Cookie names. The school side uses its own ("passerelle_ecole"): in the
// demo both run on one host, and browsers share cookies across ports. Staff
// and operators have separate cookies too, so that an operator can try the
// portal as a member of staff in the same browser without being signed out
// of the console.
const (
	StaffCookie    = "passerelle_extranet"
	OperatorCookie = "passerelle_console"
)

// Throttling defaults: attempts per window.
const (
	limitWindow   = 15 * time.Minute
	linkPerIP     = 30 // sign-in link requests from one address
	linkPerID     = 5  // sign-in link requests for one identifier
	usePerIP      = 30 // sign-in links used from one address
	operatorPerIP = 20 // operator password attempts from one address
	// maxBackground bounds the sign-in requests worked on at once in the
	// background; beyond it new ones are dropped (and logged).
	maxBackground = 32
)

// Config is what the portal needs. Service, Store, Sessions and Sender are
// required.
type Config struct {
	// Service is the extranet; the portal uses its schools, tokens and
	// night run, its clock and its e-mail sender address.
	Service *extranet.Service
	// Store is the extranet's store, unwrapped (store/extranetstore).
	Store extranet.PortalStore
	// Sessions keeps the sessions (store/sqlsession on the same database).
	Sessions web.SessionStore
	// Sender delivers sign-in links, resent invitations and, for « Simuler
	// la nuit », the night run's e-mails.
	Sender mail.Sender
	// MailDir is the folder of .eml files that « E-mails envoyés » lists
	// (the demo's DirSender folder).
	MailDir string
	// Demo enables « E-mails envoyés » and « Simuler la nuit ».
	Demo bool
	// BaseURL is the portal's public address, written in the sign-in links,
	// such as "https://extranet.example/". It is never taken from the
	// request's Host header, which an attacker could choose. Default:
	// Service.PortalURL.
	BaseURL string
	// Now is the clock of the sessions and throttling; default time.Now.
	Now func() time.Time
	// Log receives the portal's events; default slog.Default().
	Log *slog.Logger
	// Secure marks cookies Secure even on plain HTTP (behind a TLS proxy).
	Secure bool
	// TrustProxy takes the client's address from the X-Forwarded-For header
	// set by the one reverse proxy in front, for the sign-in throttling.
	TrustProxy bool
}

// server is the portal's handler state.
type server struct {
	cfg     Config
	portal  *extranet.Portal
	rd      *web.Renderer
	staff   *web.Sessions
	ops     *web.Sessions
	baseURL string
	log     *slog.Logger
	handler http.Handler
	linkIP  *web.Limiter
	linkID  *web.Limiter
	useIP   *web.Limiter
	opIP    *web.Limiter
	// opWait slows down password attempts per login and address.
	opWait  *web.Backoff
	bg      chan struct{} // background slots
	bgWait  sync.WaitGroup
	static  *web.StaticFiles // static/, under staticPrefix
	nightMu sync.Mutex
}

// New returns the portal's handler: the staff portal, the console, the demo
// pages and the static files, behind the security headers, flash messages
// and CSRF protection. Mount it at "/" beside the API.
func New(cfg Config) (http.Handler, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	return s.handler, nil
}

func newServer(cfg Config) (*server, error) {
	switch {
	case cfg.Service == nil:
		return nil, errors.New("portal: Config.Service is required")
	case cfg.Store == nil:
		return nil, errors.New("portal: Config.Store is required")
	case cfg.Sessions == nil:
		return nil, errors.New("portal: Config.Sessions is required")
	case cfg.Sender == nil:
		return nil, errors.New("portal: Config.Sender is required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = cfg.Service.PortalURL
	}
	u, err := url.Parse(base)
	if base == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("portal: BaseURL %q: give the portal's public address, such as https://extranet.example/", base)
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	s := &server{
		cfg:     cfg,
		portal:  &extranet.Portal{Store: cfg.Store, Service: cfg.Service},
		baseURL: base,
		log:     log,
		linkIP:  web.NewLimiter(linkPerIP, limitWindow),
		linkID:  web.NewLimiter(linkPerID, limitWindow),
		useIP:   web.NewLimiter(usePerIP, limitWindow),
		opIP:    web.NewLimiter(operatorPerIP, limitWindow),
		opWait:  &web.Backoff{Now: now},
		bg:      make(chan struct{}, maxBackground),
	}
	s.staff = &web.Sessions{Store: cfg.Sessions, CookieName: StaffCookie, Secure: cfg.Secure, Now: now}
	s.ops = &web.Sessions{Store: cfg.Sessions, CookieName: OperatorCookie, Secure: cfg.Secure, Now: now}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	s.static = web.NewStatic(static, staticPrefix)
	tmpl, err := fs.Sub(files, "templates")
	if err != nil {
		return nil, err
	}
	if s.rd, err = web.NewRenderer(tmpl, s.funcs()); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// routes wires every page. Staff pages and console pages each sit behind
// the CSRF middleware of their own sessions.
func (s *server) routes() http.Handler {
	h := s.rd.Handler
	staffMux := http.NewServeMux()
	staffMux.Handle("GET /connexion", h(s.signInForm))
	staffMux.Handle("POST /connexion", h(s.requestLink))
	staffMux.Handle("GET /connexion/envoye", h(s.linkSent))
	staffMux.Handle("GET /connexion/lien", h(s.linkPage))
	staffMux.Handle("POST /connexion/lien", h(s.useLink))
	staffMux.Handle("POST /deconnexion", h(s.signOut))
	staffMux.Handle("GET /{$}", s.staffOnly(h(s.accessPage)))
	staffMux.Handle("GET /enseignants", s.staffOnly(h(s.teachersPage)))
	staffMux.Handle("GET /direction", s.staffOnly(h(s.directionIndex)))
	staffMux.Handle("GET /direction/{fase}", s.staffOnly(h(s.directionPage)))
	staffMux.Handle("POST /acces/relier", s.staffOnly(h(s.requestAddressLink)))
	staffMux.Handle("GET /pas-moi", h(s.disputePage))
	staffMux.Handle("POST /pas-moi", h(s.dispute))
	if s.cfg.Demo {
		staffMux.Handle("GET /courriels", h(s.mailList))
		staffMux.Handle("GET /courriels/{name}", h(s.mailShow))
	}
	staffMux.Handle("/", h(func(w http.ResponseWriter, r *http.Request) error {
		return &web.Error{Status: http.StatusNotFound}
	}))

	con := http.NewServeMux()
	con.Handle("GET /console/connexion", h(s.operatorSignInForm))
	con.Handle("POST /console/connexion", h(s.operatorSignIn))
	con.Handle("POST /console/deconnexion", h(s.operatorSignOut))
	op := s.operatorOnly
	con.Handle("GET /console/{$}", op(h(s.dashboard)))
	con.Handle("GET /console/ecoles", op(h(s.schoolsPage)))
	con.Handle("POST /console/ecoles", op(h(s.addSchool)))
	con.Handle("GET /console/ecoles/{fase}", op(h(s.schoolPage)))
	con.Handle("POST /console/ecoles/{fase}/jeton", op(h(s.rotateToken)))
	con.Handle("POST /console/ecoles/{fase}/revoquer", op(h(s.revokeTokens)))
	con.Handle("GET /console/transferts", op(h(s.transfersPage)))
	con.Handle("GET /console/transferts/{id}", op(h(s.transferPage)))
	con.Handle("GET /console/suspendus", op(h(s.heldPage)))
	con.Handle("POST /console/suspendus/{id}/classer", op(h(s.dismissHeld)))
	con.Handle("GET /console/rejets", op(h(s.rejectionsPage)))
	con.Handle("GET /console/rejets/{id}", op(h(s.rejectionPage)))
	con.Handle("POST /console/rejets/{id}", op(h(s.resolveRejection)))
	con.Handle("GET /console/nuits", op(h(s.nightsPage)))
	con.Handle("GET /console/comptes", op(h(s.accountsPage)))
	con.Handle("GET /console/comptes/{id}", op(h(s.accountPage)))
	con.Handle("POST /console/comptes/{id}", op(h(s.accountAction)))
	con.Handle("GET /console/personnes/{id}", op(h(s.personPage)))
	con.Handle("GET /console/contenus", op(h(s.contentPage)))
	con.Handle("POST /console/contenus", op(h(s.saveContent)))
	con.Handle("GET /console/contenus/{id}", op(h(s.contentPage)))
	con.Handle("POST /console/contenus/{id}", op(h(s.saveContent)))
	con.Handle("POST /console/contenus/{id}/supprimer", op(h(s.deleteContent)))
	con.Handle("GET /console/journal", op(h(s.auditPage)))
	con.Handle("GET /console/verifications", op(h(s.verificationsPage)))
	con.Handle("POST /console/verifications/rapprochements/{id}", op(h(s.reviewMatch)))
	con.Handle("POST /console/verifications/contestations/{id}", op(h(s.decideDispute)))
	if s.cfg.Demo {
		con.Handle("POST /console/nuits/simuler", op(h(s.simulateNight)))
	}
	con.Handle("/console/", h(func(w http.ResponseWriter, r *http.Request) error {
		return &web.Error{Status: http.StatusNotFound}
	}))

	top := http.NewServeMux()
	top.Handle("GET "+web.StaticPrefix, web.StaticHandler())
	top.Handle("GET "+staticPrefix, s.static.Handler())
	top.HandleFunc("GET /favicon.ico", favicon)
	// The API's routes belong to the API server; a request for them that
	// reaches the portal is a wiring mistake and gets a plain 404 rather
	// than a CSRF refusal.
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		top.Handle(p, http.NotFoundHandler())
	}
	top.Handle("/console/", web.CSRF(s.ops)(con))
	top.Handle("/console", http.RedirectHandler("/console/", http.StatusSeeOther))
	top.Handle("/", web.CSRF(s.staff)(staffMux))
	// No page of the portal or the console takes a file.
	return web.SecureHeaders(web.NewFlashKey().Middleware(web.LimitBody(web.MaxFormBytes, nil)(top)))
}

// favicon answers the icon that every browser asks for, portal and console
// alike: without it, each page logs a 404 in the browser's console.
func favicon(w http.ResponseWriter, r *http.Request) {
	icon, err := files.ReadFile("static/favicon.ico")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(icon)
}

// --- request context ---------------------------------------------------------

type ctxKey int

const (
	accessKey ctxKey = iota
	operatorKey
)

// staffOnly lets through signed-in staff whose access is still open, and
// puts it in the context. The access is read again on every request: a
// disabled account or a last grant deactivated ends every session of the
// person at once.
func (s *server) staffOnly(next http.Handler) http.Handler {
	checked := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, _ := web.SessionFrom(r.Context())
		// The session reaches the grants of the address it was opened
		// through. One opened before sessions had an address could reach
		// anything: it ends, and the person signs in again.
		email := sess.Data["email"]
		var acc extranet.StaffAccess
		err := extranet.ErrScopeClosed
		if email != "" {
			acc, err = s.portal.Access(r.Context(), sess.UserID, email)
		}
		if errors.Is(err, extranet.ErrScopeClosed) {
			// Only this session's address closed: the account's other
			// sessions, through other addresses, go on.
			if err := s.staff.End(w, r); err != nil {
				s.log.ErrorContext(r.Context(), "ending session", "err", err)
			}
			web.AddFlash(w, r, web.FlashWarning, frtext.Sentence(extranet.ErrScopeClosed.Error()))
			http.Redirect(w, r, "/connexion", http.StatusSeeOther)
			return
		}
		if errors.Is(err, extranet.ErrNoAccess) {
			s.endStaff(w, r, sess.UserID)
			web.AddFlash(w, r, web.FlashWarning, "Votre accès à l'extranet n'est plus actif : vous avez été déconnecté. "+
				"Si vous travaillez dans une école du réseau, demandez à sa direction de vérifier votre situation et de refaire le transfert.")
			http.Redirect(w, r, "/connexion", http.StatusSeeOther)
			return
		}
		if err != nil {
			web.HandleError(w, r, s.rd, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), accessKey, &acc)))
	})
	return s.staff.Require(web.KindStaff, "/connexion")(checked)
}

// endStaff ends the request's session and every other one of the account.
func (s *server) endStaff(w http.ResponseWriter, r *http.Request, accountID string) {
	if err := s.staff.End(w, r); err != nil {
		s.log.ErrorContext(r.Context(), "ending session", "err", err)
	}
	if err := s.cfg.Sessions.DeleteUserSessions(r.Context(), accountID); err != nil {
		s.log.ErrorContext(r.Context(), "ending the account's sessions", "account", accountID, "err", err)
	}
}

func accessFrom(ctx context.Context) *extranet.StaffAccess {
	a, _ := ctx.Value(accessKey).(*extranet.StaffAccess)
	return a
}

// operatorOnly lets through signed-in operators that still exist.
func (s *server) operatorOnly(next http.Handler) http.Handler {
	checked := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, _ := web.SessionFrom(r.Context())
		op, err := s.cfg.Store.Operator(r.Context(), sess.UserID)
		if errors.Is(err, extranet.ErrNotFound) {
			s.ops.End(w, r)
			http.Redirect(w, r, "/console/connexion", http.StatusSeeOther)
			return
		}
		if err != nil {
			web.HandleError(w, r, s.rd, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), operatorKey, &op)))
	})
	return s.ops.Require(web.KindOperator, "/console/connexion")(checked)
}

func operatorFrom(ctx context.Context) *extranet.Operator {
	o, _ := ctx.Value(operatorKey).(*extranet.Operator)
	return o
}

// --- page chrome -------------------------------------------------------------

// Areas of the site, for the header.
const (
	areaPublic  = "public"
	areaStaff   = "staff"
	areaConsole = "console"
)

// chrome is what the layout shows around every page: which header, which
// navigation item is current, who is signed in. Page data embeds it.
type chrome struct {
	Area     string
	Section  string
	Name     string
	Login    string
	Director bool
	Demo     bool
	Heading  string // optional sub-heading under the brand
}

func (c *chrome) base() *chrome { return c }

type hasChrome interface{ base() *chrome }

// chromeFor returns the chrome of the request: the area, and who is signed in.
func (s *server) chromeFor(r *http.Request, section string) chrome {
	c := chrome{Area: areaPublic, Section: section, Demo: s.cfg.Demo}
	if acc := accessFrom(r.Context()); acc != nil {
		c.Area = areaStaff
		c.Name = frtext.FormatName(acc.Person.LastName, acc.Person.FirstName)
		c.Login = acc.Account.Login
		c.Director = len(acc.Directed()) > 0
	} else if op := operatorFrom(r.Context()); op != nil {
		c.Area = areaConsole
		c.Name = op.Name
		c.Login = op.Login
	} else if strings.HasPrefix(r.URL.Path, "/console/") {
		c.Area = areaConsole
	}
	return c
}

// render renders a page whose data embeds chrome.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data hasChrome) error {
	s.rd.Render(w, r, status, page, &web.Page{Title: title, Data: data})
	return nil
}

// simplePage is the data of pages that only need the chrome.
type simplePage struct {
	chrome
}

// --- errors ------------------------------------------------------------------

// domainError maps the extranet's errors to error pages.
func domainError(err error) error {
	var refusedErr *extranet.RefusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refusedErr):
		return &web.Error{Status: http.StatusConflict, Message: frtext.Sentence(refusedErr.Message), Err: err}
	case errors.Is(err, extranet.ErrUnknownSchool):
		return &web.Error{Status: http.StatusNotFound, Message: frtext.Sentence(extranet.ErrUnknownSchool.Error()), Err: err}
	case errors.Is(err, extranet.ErrNotFound):
		return &web.Error{Status: http.StatusNotFound, Err: err}
	case errors.Is(err, extranet.ErrSchoolExists), errors.Is(err, extranet.ErrAlreadyResolved),
		errors.Is(err, extranet.ErrNightRunning), errors.Is(err, extranet.ErrOperatorExists):
		return &web.Error{Status: http.StatusConflict, Message: frtext.Sentence(rootMessage(err)), Err: err}
	}
	return err
}

// rootMessage returns the message of the sentinel error wrapped in err, so
// that "FASE 4242 : école déjà inscrite…" shows without the technical prefix.
func rootMessage(err error) string {
	for _, sentinel := range []error{extranet.ErrSchoolExists, extranet.ErrAlreadyResolved, extranet.ErrNightRunning,
		extranet.ErrOperatorExists, extranet.ErrUnknownSchool, extranet.ErrLinkInvalid, extranet.ErrNoAccess,
		extranet.ErrScopeClosed} {
		if errors.Is(err, sentinel) {
			return sentinel.Error()
		}
	}
	return err.Error()
}

// flashOrFail shows a refusal the operator can act on as a flash on the page
// they come back to; other errors get the error page.
func flashOrFail(w http.ResponseWriter, r *http.Request, err error, back string) error {
	var werr *web.Error
	if e := domainError(err); errors.As(e, &werr) && werr.Status == http.StatusConflict {
		web.AddFlash(w, r, web.FlashError, werr.Message)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	return domainError(err)
}

// clientIP is the address the throttling counts by.
func (s *server) clientIP(r *http.Request) string { return web.ClientIPFrom(r, s.cfg.TrustProxy) }
