package schoolui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/transfer"
	"passerelle/web"
)

//go:embed all:templates
var templatesFS embed.FS

// CookieName is the session cookie of the school pages. The demo serves the
// extranet's portal on the same host, so each application has its own.
const CookieName = "passerelle_ecole"

// MaxBodyBytes bounds a request body: an import file of the largest school
// is far smaller.
const MaxBodyBytes = 8 << 20

// PrefStore keeps each user's preferences as opaque text by key;
// the school store's UIStores gives one on the user_prefs table.
type PrefStore interface {
	Pref(ctx context.Context, userID int64, key string) (string, bool, error)
	SavePref(ctx context.Context, userID int64, key, value string) error
}

// Config is what the school pages need. Store, Sessions, Prefs, FASE and
// Runner are required (the school store's UIStores gives Sessions and Prefs).
type Config struct {
	// Store holds the school's staff, settings, history and users.
	Store school.Store
	// Sessions keeps the sign-in sessions, Prefs each user's preferences.
	Sessions web.SessionStore
	Prefs    PrefStore
	// Ready is the health check of /healthz (e.g. a ping of the database);
	// nil means reading the school from Store.
	Ready func(context.Context) error
	// Tables are the function and situation codes; nil means the
	// embedded ones.
	Tables *fwb.Tables
	// Runner makes the transfers of the <Extranet SeGEC> button.
	Runner *transfer.Runner
	// FASE is the school the pages show.
	FASE int
	// Now is the clock of the checks, sessions and consents; nil means
	// time.Now.
	Now func() time.Time
	// Log receives the errors; nil means slog.Default().
	Log *slog.Logger
	// Secure marks cookies Secure even on plain HTTP, for a server behind
	// a TLS proxy.
	Secure bool
	// SessionTTL is the idle time after which a session ends; zero means
	// web.DefaultSessionTTL.
	SessionTTL time.Duration
	// Backoff slows down password attempts per login and address (nil:
	// web.Backoff's defaults on Now); IPLimiter throttles sign-in attempts
	// per address (nil: 50 per 15 minutes).
	Backoff   *web.Backoff
	IPLimiter *web.Limiter
	// TrustProxy takes the client's address from the last X-Forwarded-For
	// address (see web.ClientIPFrom), for a server reachable only through
	// one reverse proxy that sets that header.
	TrustProxy bool
}

// server holds the pages' dependencies.
type server struct {
	store    school.Store
	prefs    PrefStore
	tables   *fwb.Tables
	runner   *transfer.Runner
	fase     int
	now      func() time.Time
	log      *slog.Logger
	sessions *web.Sessions
	rd       *web.Renderer
	ui       *web.StaticFiles // static/, under uiPrefix
	passWait *web.Backoff
	ipLim    *web.Limiter
	ready    func(context.Context) error
	// trustProxy is Config.TrustProxy.
	trustProxy bool

	// transferMu keeps two transfers of this server from running at once
	// (a double click, two secretaries): the second is refused.
	transferMu sync.Mutex
}

// New returns the school pages as one handler, wrapped in the security
// headers, flashes, CSRF protection and sessions of package web.
func New(cfg Config) (http.Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("schoolui: Config.Store is required")
	}
	if cfg.Runner == nil {
		return nil, errors.New("schoolui: Config.Runner is required")
	}
	if cfg.FASE <= 0 {
		return nil, errors.New("schoolui: Config.FASE is required")
	}
	s := &server{
		store:    cfg.Store,
		prefs:    cfg.Prefs,
		tables:   cfg.Tables,
		runner:   cfg.Runner,
		fase:     cfg.FASE,
		now:      cfg.Now,
		log:      cfg.Log,
		passWait: cfg.Backoff,
		ipLim:    cfg.IPLimiter,
		ready:    cfg.Ready,

		trustProxy: cfg.TrustProxy,
	}
	sessStore := cfg.Sessions
	if sessStore == nil {
		return nil, errors.New("schoolui: Config.Sessions is required")
	}
	if s.prefs == nil {
		return nil, errors.New("schoolui: Config.Prefs is required")
	}
	if s.tables == nil {
		s.tables = fwb.DefaultTables()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.passWait == nil {
		s.passWait = &web.Backoff{Now: s.now}
	}
	if s.ipLim == nil {
		s.ipLim = web.NewLimiter(50, 15*time.Minute)
	}
	s.sessions = &web.Sessions{Store: sessStore, CookieName: CookieName, TTL: cfg.SessionTTL, Secure: cfg.Secure, Now: cfg.Now}

	uiFiles, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	s.ui = web.NewStatic(uiFiles, uiPrefix)
	tmpl, err := fs.Sub(templatesFS, "templates")
	if err != nil {
		return nil, err
	}
	s.rd, err = web.NewRenderer(tmpl, template.FuncMap{"ui": s.ui.URL, "sevClass": severityClass, "isDirection": isDirection, "plural": frtext.Plural, "pluralForm": frtext.PluralForm})
	if err != nil {
		return nil, fmt.Errorf("schoolui: %w", err)
	}
	return s.routes(), nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	h := s.rd.Handler
	mux.Handle("GET "+web.StaticPrefix, web.StaticHandler())
	mux.Handle("GET "+uiPrefix, s.ui.Handler())
	mux.HandleFunc("GET /healthz", s.healthz)
	// Browsers ask for /favicon.ico on their own, the sign-in page and the
	// error pages included: the school's icon, not a 404 in the console.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.ui.URL("favicon.svg"), http.StatusMovedPermanently)
	})

	mux.Handle("GET /connexion", h(s.showSignIn))
	mux.Handle("POST /connexion", h(s.signIn))
	mux.Handle("POST /deconnexion", h(s.signOut))

	signed := func(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
		return s.sessions.Require(web.KindSchool, "/connexion")(s.withUser(h(fn)))
	}
	// direction serves fn to direction users only; the others get 403
	// with msg, which says what only the direction may do.
	direction := func(msg string, fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
		return signed(func(w http.ResponseWriter, r *http.Request) error {
			if !userFrom(r.Context()).Direction {
				return &web.Error{Status: http.StatusForbidden, Message: msg}
			}
			return fn(w, r)
		})
	}
	const onlySettings = "Seule la direction peut modifier les paramètres de l'extranet. Demandez-le à votre directeur ou directrice."
	mux.Handle("GET /{$}", signed(s.list))
	mux.Handle("GET /imprimer", signed(s.printList))
	mux.Handle("POST /liste/tri", signed(s.saveSort))
	mux.Handle("POST /liste/colonnes", signed(s.saveColumns))
	mux.Handle("GET /situations/{id}", signed(s.showFiche))
	mux.Handle("POST /situations/{id}", signed(s.saveFiche))
	mux.Handle("GET /situations/nouvelle", signed(s.showNewSituation))
	mux.Handle("POST /situations/nouvelle", signed(s.addSituation))
	mux.Handle("GET /situations/{id}/supprimer", signed(s.confirmDeleteSituation))
	mux.Handle("POST /situations/{id}/supprimer", signed(s.deleteSituation))
	mux.Handle("GET /verifier", signed(s.check))
	mux.Handle("GET /transfert", signed(s.confirmTransfer))
	mux.Handle("POST /transfert", signed(s.runTransfer))
	mux.Handle("POST /apercu", signed(s.previewTransfer))
	mux.Handle("GET "+rentreePath, signed(s.showRentree))
	mux.Handle("POST "+rentreePath, signed(s.runRentree))
	mux.Handle("POST "+rentreePath+"/apercu", signed(s.previewRentree))
	mux.Handle("GET /transferts", signed(s.history))
	mux.Handle("GET /transferts/{id}", signed(s.historyEntry))
	mux.Handle("GET /importer", signed(s.showImport))
	mux.Handle("POST /importer", signed(s.importFile))
	mux.Handle("GET /exporter/{file}", signed(s.export))
	mux.Handle("GET /mot-de-passe", signed(s.showPassword))
	mux.Handle("POST /mot-de-passe", signed(s.changePassword))
	mux.Handle("GET /parametres", direction(onlySettings, s.showSettings))
	mux.Handle("POST /parametres", direction(onlySettings, s.saveSettings))
	mux.Handle("GET /utilisateurs", direction(msgOnlyDirectionUsers, s.users))
	mux.Handle("GET /utilisateurs/nouveau", direction(msgOnlyDirectionUsers, s.showNewUser))
	mux.Handle("POST /utilisateurs/nouveau", direction(msgOnlyDirectionUsers, s.createUser))
	mux.Handle("GET /utilisateurs/{id}", direction(msgOnlyDirectionUsers, s.showUser))
	mux.Handle("POST /utilisateurs/{id}", direction(msgOnlyDirectionUsers, s.updateUser))
	mux.Handle("POST /utilisateurs/{id}/mot-de-passe", direction(msgOnlyDirectionUsers, s.resetPassword))
	mux.Handle("GET /utilisateurs/{id}/supprimer", direction(msgOnlyDirectionUsers, s.confirmDeleteUser))
	mux.Handle("POST /utilisateurs/{id}/supprimer", direction(msgOnlyDirectionUsers, s.deleteUser))
	mux.Handle("/", h(func(w http.ResponseWriter, r *http.Request) error {
		return &web.Error{Status: http.StatusNotFound}
	}))

	// Only the import takes a file; every other form is small.
	limit := web.LimitBody(web.MaxFormBytes, map[string]int64{"/importer": MaxBodyBytes})
	return web.SecureHeaders(web.NewFlashKey().Middleware(limit(web.CSRF(s.sessions)(mux))))
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var err error
	if s.ready != nil {
		err = s.ready(ctx)
	} else {
		_, err = s.store.School(ctx, s.fase)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		s.log.Error("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "indisponible")
		return
	}
	fmt.Fprintln(w, "ok")
}

type userKey struct{}

// withUser loads the signed-in user behind Require, so that a user removed
// or changed since sign-in is seen at once; a session whose user is gone
// is ended.
func (s *server) withUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, _ := web.SessionFrom(r.Context())
		id, err := strconv.ParseInt(sess.UserID, 10, 64)
		var u school.User
		if err == nil {
			u, err = s.store.UserByID(r.Context(), id)
		}
		switch {
		case err == nil:
		case errors.Is(err, school.ErrNotFound) || errors.Is(err, strconv.ErrSyntax) || errors.Is(err, strconv.ErrRange):
			if err := s.sessions.End(w, r); err != nil {
				s.log.Error("ending session", "err", err)
			}
			http.Redirect(w, r, "/connexion", http.StatusSeeOther)
			return
		default:
			// A database that does not answer is no reason to sign out.
			web.HandleError(w, r, s.rd, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, &u)))
	})
}

// userFrom returns the signed-in user; only behind withUser.
func userFrom(ctx context.Context) *school.User {
	u, _ := ctx.Value(userKey{}).(*school.User)
	if u == nil {
		return &school.User{}
	}
	return u
}

// userName is how a user signs the history and the consent: the name, or
// the login when the user has none.
func userName(u *school.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Login
}

// base is what every signed-in page shows around its content.
type base struct {
	User       *school.User
	SchoolName string
	FASE       int
}

func (s *server) base(r *http.Request) base {
	b := base{User: userFrom(r.Context()), FASE: s.fase}
	if sc, err := s.store.School(r.Context(), s.fase); err == nil {
		b.SchoolName = sc.Name
	}
	return b
}

// render renders a page with its title.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) error {
	s.rd.Render(w, r, status, page, &web.Page{Title: title, Data: data})
	return nil
}

// seeOther redirects after a POST (post/redirect/get).
func seeOther(w http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// notFound is the error of a missing situation or transfer.
func notFound(msg string) error {
	return &web.Error{Status: http.StatusNotFound, Message: msg}
}

// pathID reads a positive numeric path value.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
