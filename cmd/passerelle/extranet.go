package main

// The extranet's commands: serve (the API, the night run at 02:00), school
// add / rotate-token / revoke-token (the schools' API tokens) and night (one
// night run by hand).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"passerelle/api"
	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/mail"
	"passerelle/scim"
	"passerelle/store/extranetstore"
)

func runExtranetServe(ctx context.Context, m *Main, args []string) error {
	o, err := parseExtranetServe(m, args)
	if err != nil {
		return err
	}
	defer m.tuneGC()()
	log, err := m.logger(o.logFormat)
	if err != nil {
		return err
	}
	sender, err := o.sender()
	if err != nil {
		return err
	}
	if sender != nil {
		defer sender.Close()
	}
	st, svc, err := m.openExtranet(ctx, o.db, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := o.configure(svc); err != nil {
		return err
	}
	h, err := extranetHandler(st, svc, sender, o, log, m.Now)
	if err != nil {
		return err
	}
	ln, err := listen("Extranet", o.addr)
	if err != nil {
		return err
	}
	var jobs []job
	if o.night.enabled {
		jobs = append(jobs, nightJob(m, svc, sender, o.night, log))
	} else {
		log.Info("night run disabled in this process (--night-at off)")
	}
	err = m.serve(ctx, log, []site{{ln, h}}, jobs, func() {
		fmt.Fprintf(m.Stdout, "Extranet : http://%s/\n", ln.Addr())
	})
	if err != nil {
		return failErr("Extranet : %v", err)
	}
	return nil
}

// extranetHandler is the API, with the portal and the operators' console
// beside it when this process can send their e-mails.
func extranetHandler(st *extranetstore.Store, svc *extranet.Service, sender mail.Sender, o extranetServeOptions, log *slog.Logger, now func() time.Time) (http.Handler, error) {
	srv := newExtranetServer(svc, o.maxBody, log)
	// The portal sends sign-in links by e-mail: without a sender (only
	// possible with --night-at off) this process serves the API alone.
	if sender == nil || svc.PortalURL == "" {
		log.Warn("portal not served: it needs a mail sender (--mail-dir or --smtp) and an address (--portal-url)")
		return srv.Handler(), nil
	}
	mux := http.NewServeMux()
	if err := mountPortal(mux, portalOptions{Store: st, Service: svc, Sender: sender, Secure: o.secure, TrustProxy: o.trustProxy, Log: log, Now: now}); err != nil {
		return nil, err
	}
	srv.Mount("/", mux)
	return srv.Handler(), nil
}

// extranetServeOptions are the flags of extranet serve.
type extranetServeOptions struct {
	db, addr, logFormat string
	mail                *mailFlags
	night               nightTime
	maxBody             int64
	secure, trustProxy  bool
}

// parseExtranetServe reads the flags of extranet serve.
func parseExtranetServe(m *Main, args []string) (extranetServeOptions, error) {
	fs := m.flagSet("extranet serve", "--db URL [--addr 127.0.0.1:8081] [--mail-dir DIR | --smtp HOST:PORT …] [--night-at 02:00|off]",
		"Serves the extranet API (schools' transfers, health, metrics) and starts, every night on\nBrussels time, the night run, which opens access and sends the invitations.\nStops cleanly on SIGTERM or Ctrl-C, after the transfers in progress.")
	db := m.dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address HOST:PORT")
	mf := addMailFlags(fs)
	nightAt := fs.String("night-at", "02:00", "time of the night run (HH:MM, Brussels time), or off not to run it in this process")
	maxBody := fs.Int64("max-body", api.DefaultMaxBodyBytes, "maximum size of a received snapshot, in bytes")
	secure := fs.Bool("secure-cookies", false, "mark the portal's cookies Secure even over HTTP, behind a TLS proxy")
	trustProxy := fs.Bool("trust-proxy", false, "the server is reachable solely through one reverse proxy that sets X-Forwarded-For:\n"+
		"the portal's sign-in throttling counts by the address the proxy forwards (see docs/operations.md)")
	logFormat := fs.String("log-format", "auto", "format of the logs on standard error: auto (text on a terminal, JSON otherwise), json or text")
	if err := parseNoArgs(fs, args); err != nil {
		return extranetServeOptions{}, err
	}
	night, err := parseNightAt(*nightAt)
	if err != nil {
		return extranetServeOptions{}, err
	}
	if *maxBody <= 0 {
		return extranetServeOptions{}, usageErr("--max-body %d : donnez une taille positive en octets", *maxBody)
	}
	return extranetServeOptions{
		db: *db, addr: *addr, logFormat: *logFormat, mail: mf, night: night,
		maxBody: *maxBody, secure: *secure, trustProxy: *trustProxy,
	}, nil
}

// sender checks the mail flags and returns the night's and the portal's
// mail sender, nil when none is given (only with --night-at off). It
// refuses e-mails that would name a portal nobody can reach: its address is
// the one people reach, not the listening address, except for a trial on
// this machine.
func (o extranetServeOptions) sender() (mail.Sender, error) {
	if o.night.enabled && !o.mail.given() {
		return nil, usageErr("indiquez où envoyer les e-mails du traitement de nuit : --mail-dir DOSSIER ou --smtp HOTE:PORT (ou --night-at off)")
	}
	if !o.mail.given() {
		return nil, nil
	}
	if *o.mail.portalURL == "" && defaultPortalURL(o.addr) == "" {
		return nil, usageErr("--addr %s n'est pas une adresse locale : indiquez --portal-url, l'adresse publique du portail écrite dans les e-mails, par exemple https://extranet.example/", o.addr)
	}
	return o.mail.sender()
}

// configure sets what the service says of the night run and the portal.
func (o extranetServeOptions) configure(svc *extranet.Service) error {
	if o.night.enabled {
		// Transfers announce the run this process makes.
		svc.NextNight = o.night.next
	}
	if err := o.mail.configure(svc); err != nil {
		return err
	}
	if svc.PortalURL == "" {
		svc.PortalURL = defaultPortalURL(o.addr)
	}
	return nil
}

// defaultPortalURL is the portal's address when --portal-url is not given:
// the listening address when it is a loopback one (a trial on one machine),
// else "" — the e-mails then need --portal-url, the address people reach,
// which the listening address seldom is.
func defaultPortalURL(addr string) string {
	if !isLoopback(addr) {
		return ""
	}
	return "http://" + addr + "/"
}

// newExtranetServer builds the extranet's HTTP server. The portal's pages
// are mounted here, beside the API, with srv.Mount.
func newExtranetServer(svc *extranet.Service, maxBody int64, log *slog.Logger) *api.Server {
	srv := api.NewServer(svc, api.ServerOptions{MaxBodyBytes: maxBody, Log: log})
	h := scim.NewHandler(svc, scim.Options{Log: log})
	// The prefix itself too, and paths not in their clean form: the mux
	// would redirect them with an HTML page, where a SCIM client expects a
	// SCIM answer.
	srv.MountTree(scim.Prefix, h)
	// The rest of /scim (another version, a mistyped path): a SCIM answer
	// naming the service's address. After Prefix's tree, which wins.
	srv.MountTree("/scim", scim.OtherVersions())
	// Every night run counts in the metrics: the schedule's and the
	// console's « Simuler la nuit ».
	svc.NightObserver = srv.ObserveNight
	return srv
}

// nightLoop runs the night run at each scheduled time until ctx ends. The
// next time is computed again after each run, so that daylight saving
// changes and a late run do not shift the schedule. Several serve processes
// on one database each wake up; the service's lock lets one run and the
// others find ErrNightRunning, which is logged, not an error.
func nightLoop(ctx, runCtx context.Context, m *Main, svc *extranet.Service,
	sender mail.Sender, at nightTime, log *slog.Logger) {
	var last time.Time
	for {
		// Counting from the last scheduled time too keeps a timer that
		// fired a little early (the wall clock was set back) from running
		// the same night twice.
		now := m.Now()
		next := at.next(latest(now, last))
		log.Info("next night run", "at", next.Format(time.RFC3339))
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		last = next
		report, err := svc.Night(runCtx, m.Now(), sender) // counted by svc.NightObserver
		switch {
		case errors.Is(err, extranet.ErrNightRunning):
			log.Info("night run skipped: another process is running it")
		case err != nil:
			log.Error("night run failed", "err", err, "report_id", report.ID)
		default:
			log.Info("night run done", "report_id", report.ID,
				"duration_s", report.Finished.Sub(report.Started).Seconds(),
				"activated", report.Activated, "modified", report.Modified,
				"created_accounts", report.CreatedAccounts, "invitations", report.Invitations,
				"notices", report.Notices, "expired", report.Expired,
				"sent", report.Sent, "failed", report.Failed, "errors", len(report.Errors))
		}
	}
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// nightTime is the --night-at setting.
type nightTime struct {
	enabled bool
	hour    int
	minute  int
}

func parseNightAt(s string) (nightTime, error) {
	if strings.EqualFold(s, "off") {
		return nightTime{}, nil
	}
	h, mm, ok := strings.Cut(s, ":")
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 || len(mm) != 2 {
		return nightTime{}, usageErr("--night-at %q : écrivez une heure HH:MM (par exemple 02:00), ou off", s)
	}
	return nightTime{enabled: true, hour: hour, minute: minute}, nil
}

// next is the first scheduled time after t.
func (n nightTime) next(t time.Time) time.Time {
	if n.hour == 2 && n.minute == 0 {
		return extranet.NextNight(t)
	}
	loc := frtext.Brussels
	lt := t.In(loc)
	d := time.Date(lt.Year(), lt.Month(), lt.Day(), n.hour, n.minute, 0, 0, loc)
	if !d.After(t) {
		d = time.Date(lt.Year(), lt.Month(), lt.Day()+1, n.hour, n.minute, 0, 0, loc)
	}
	return d
}

// mailFlags are the flags that choose where the night run's e-mails go.
type mailFlags struct {
	dir, smtp, user, passFile, startTLS, helo, from, portalURL *string
}

func addMailFlags(fs *flag.FlagSet) *mailFlags {
	return &mailFlags{
		dir:       fs.String("mail-dir", "", "directory where the e-mails are written as .eml files (instead of SMTP)"),
		smtp:      fs.String("smtp", "", "SMTP server HOST:PORT"),
		user:      fs.String("smtp-user", "", "SMTP login"),
		passFile:  fs.String("smtp-password-file", "", "file that holds the SMTP password"),
		startTLS:  fs.String("smtp-starttls", "auto", "STARTTLS: auto, always or never"),
		helo:      fs.String("smtp-helo", "", "name given in EHLO (default: this host's name)"),
		from:      fs.String("from", "", "sender address of the e-mails (default "+extranet.DefaultMailFrom+")"),
		portalURL: fs.String("portal-url", "", "public address of the portal, written in the e-mails (for example https://extranet.example/)"),
	}
}

func (f *mailFlags) given() bool { return *f.dir != "" || *f.smtp != "" }

// configure sets what the e-mails say about their sender and the portal.
func (f *mailFlags) configure(svc *extranet.Service) error {
	if *f.from != "" {
		if _, err := netmail.ParseAddress(*f.from); err != nil {
			return usageErr("--from %q : adresse d'expédition illisible, écrivez par exemple « Extranet SeGEC <extranet@example.be> »", *f.from)
		}
		svc.MailFrom = *f.from
	}
	if *f.portalURL != "" {
		u, err := url.Parse(*f.portalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("--portal-url %q : écrivez une adresse complète, par exemple https://extranet.example/", *f.portalURL)
		}
		svc.PortalURL = *f.portalURL
	}
	return nil
}

// sender builds the mail sender. The password is read from a file so that
// it shows neither in the process list nor in the shell history.
func (f *mailFlags) sender() (mail.Sender, error) {
	if *f.dir != "" && *f.smtp != "" {
		return nil, usageErr("--mail-dir et --smtp s'excluent : choisissez l'un des deux")
	}
	var pass string
	if *f.passFile != "" {
		b, err := os.ReadFile(*f.passFile)
		if err != nil {
			return nil, failErr("Lecture du mot de passe SMTP impossible : %v", err)
		}
		pass = strings.TrimRight(string(b), "\r\n")
	}
	s, err := mailSender(*f.dir, *f.smtp, *f.user, pass, *f.startTLS, *f.helo)
	if err != nil {
		return nil, usageErr("E-mails : %v", err)
	}
	return s, nil
}

// openExtranet opens the extranet's store and a service on it that logs to
// log. The caller closes the store.
func (m *Main) openExtranet(ctx context.Context, db string, log *slog.Logger) (*extranetstore.Store, *extranet.Service, error) {
	st, err := extranetstore.Open(ctx, db)
	if err != nil {
		return nil, nil, failErr("Ouverture de la base de l'extranet impossible : %v", err)
	}
	grace, err := m.graceDeadline()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, &extranet.Service{Store: st, Now: m.Now, Log: log, Grace: grace}, nil
}

// graceEnv names the network's last day of the rentrée's carry-over,
// "JJ/MM" (docs/extranet.md, « La rentrée »); unset: 30/09.
const graceEnv = "PASSERELLE_RENTREE_DEADLINE"

// graceDeadline reads graceEnv.
func (m *Main) graceDeadline() (fwb.MonthDay, error) {
	v := strings.TrimSpace(m.Getenv(graceEnv))
	if v == "" {
		return fwb.MonthDay{}, nil
	}
	md, err := fwb.ParseMonthDay(v)
	if err != nil {
		return fwb.MonthDay{}, usageErr("%s : %v", graceEnv, err)
	}
	return md, nil
}

// actor names the person at the command line in the audit log.
func (m *Main) actor() string {
	if u := m.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// faseFlag reads a required --fase.
func faseFlag(fs *flag.FlagSet) *int {
	return fs.Int("fase", 0, "the school's FASE number")
}

func checkFASE(fase int) error {
	if fase <= 0 {
		return usageErr("--fase : donnez le numéro FASE de l'école (un nombre entier positif)")
	}
	return nil
}

// extranetSchoolCommand runs a command on one school of the extranet: it
// parses --db, --fase and the flags that more adds, checks the number, opens
// the service and calls run; a domain error names the school.
func (m *Main) extranetSchoolCommand(ctx context.Context, args []string, fs *flag.FlagSet,
	check func() error, run func(svc *extranet.Service, fase int) error) error {
	db := m.dbFlag(fs)
	fase := faseFlag(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := checkFASE(*fase); err != nil {
		return err
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	st, svc, err := m.openExtranet(ctx, *db, m.warnLogger())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := run(svc, *fase); err != nil {
		return schoolErr(*fase, err)
	}
	return nil
}

func runExtranetSchoolAdd(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("extranet school add", "--db URL --fase N --name NAME",
		"Registers a school with the extranet and prints its API token, only once: the extranet\nkeeps only its hash. The token is the last line of the output.")
	name := fs.String("name", "", "the school's name")
	check := func() error {
		if strings.TrimSpace(*name) == "" {
			return usageErr("--name : donnez le nom de l'école")
		}
		return nil
	}
	return m.extranetSchoolCommand(ctx, args, fs, check, func(svc *extranet.Service, fase int) error {
		token, err := svc.AddSchool(ctx, fase, strings.TrimSpace(*name), m.actor())
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "École FASE %d « %s » inscrite à l'extranet.\n", fase, strings.TrimSpace(*name))
		printToken(m.Stdout)
		fmt.Fprintln(m.Stdout, token)
		return nil
	})
}

func runExtranetRotateToken(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("extranet school rotate-token", "--db URL --fase N",
		"Creates a new API token for the school and revokes the old ones. The token is printed only\nonce, on the last line: save it in the school's settings.")
	return m.extranetSchoolCommand(ctx, args, fs, nil, func(svc *extranet.Service, fase int) error {
		token, err := svc.RotateToken(ctx, fase, m.actor())
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Nouveau jeton pour l'école FASE %d : les jetons précédents ne sont plus acceptés.\n", fase)
		printToken(m.Stdout)
		fmt.Fprintln(m.Stdout, token)
		return nil
	})
}

func runExtranetRevokeToken(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("extranet school revoke-token", "--db URL --fase N",
		"Revokes all the school's API tokens: its transfers are refused until a new token\nis created (extranet school rotate-token).")
	return m.extranetSchoolCommand(ctx, args, fs, nil, func(svc *extranet.Service, fase int) error {
		if err := svc.RevokeTokens(ctx, fase, m.actor()); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Jetons de l'école FASE %d révoqués : ses transferts seront refusés jusqu'à ce qu'un nouveau jeton soit créé (passerelle extranet school rotate-token --fase %d).\n", fase, fase)
		return nil
	})
}

func printToken(w io.Writer) {
	fmt.Fprintln(w, "L'extranet ne garde que l'empreinte du jeton : enregistrez-le maintenant dans les paramètres de l'école (passerelle school settings).")
	fmt.Fprintln(w, "Jeton d'API de l'école, affiché une seule fois :")
}

// schoolErr phrases the service's errors about a school.
func schoolErr(fase int, err error) error {
	switch {
	case errors.Is(err, extranet.ErrUnknownSchool):
		return failErr("L'école FASE %d n'est pas inscrite à l'extranet : inscrivez-la avec passerelle extranet school add.", fase)
	case errors.Is(err, extranet.ErrSchoolExists):
		return failErr("L'école FASE %d est déjà inscrite à l'extranet : pour lui donner un nouveau jeton, utilisez passerelle extranet school rotate-token --fase %d.", fase, fase)
	}
	return failErr("Erreur : %v", err)
}

func runExtranetNight(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("extranet night", "--db URL [--at YYYY-MM-DDTHH:MM:SS+01:00] [--mail-dir DIR | --smtp HOST:PORT …]",
		"Runs the night run once: opens pending access, creates the accounts, writes and sends\nthe invitations, then prints the report. Exits with code 1 on error.")
	db := m.dbFlag(fs)
	at := fs.String("at", "", "time of the run (RFC 3339), for tests and to replay a past night")
	mf := addMailFlags(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	defer m.tuneGC()()
	when, err := parseAt(*at)
	if err != nil {
		return err
	}
	if !mf.given() {
		return usageErr("indiquez où envoyer les e-mails : --mail-dir DOSSIER ou --smtp HOTE:PORT")
	}
	sender, err := mf.sender()
	if err != nil {
		return err
	}
	defer sender.Close()
	st, svc, err := m.openExtranet(ctx, *db, m.warnLogger())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := mf.configure(svc); err != nil {
		return err
	}
	if svc.PortalURL == "" {
		// An invitation without the portal's address leads nowhere.
		return usageErr("indiquez --portal-url, l'adresse publique du portail écrite dans les invitations, par exemple https://extranet.example/ (la même que pour passerelle extranet serve)")
	}
	report, err := svc.Night(ctx, when, sender)
	if errors.Is(err, extranet.ErrNightRunning) {
		return failErr("Un traitement de nuit est déjà en cours dans un autre processus : rien n'a été fait. Réessayez quand il sera terminé.")
	}
	printNightReport(m.Stdout, report)
	if err != nil {
		return failErr("Erreur : le traitement de nuit a échoué : %v", err)
	}
	if len(report.Errors) > 0 || report.Failed > 0 {
		return failErr("Le traitement de nuit s'est terminé avec des erreurs (voir ci-dessus).")
	}
	return nil
}

// parseAt reads --at of extranet night; "" is zero, the service's clock.
// The run's clock decides which school years ended and stamps the changes;
// the report's start and end stay on the real clock.
func parseAt(at string) (time.Time, error) {
	if at == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, usageErr("--at %q : écrivez la date et l'heure au format RFC 3339, par exemple 2026-11-27T02:00:00+01:00", at)
	}
	return t, nil
}

// printNightReport writes a night run's report in French.
func printNightReport(w io.Writer, r extranet.NightReport) {
	if r.Started.IsZero() {
		return
	}
	fmt.Fprintf(w, "Traitement de nuit du %s\n", frtext.FormatDateTime(r.At))
	fmt.Fprintf(w, "Accès ouverts : %d\n", r.Activated)
	fmt.Fprintf(w, "Accès modifiés : %d\n", r.Modified)
	fmt.Fprintf(w, "Accès expirés : %d\n", r.Expired)
	fmt.Fprintf(w, "Comptes créés : %d\n", r.CreatedAccounts)
	fmt.Fprintf(w, "Comptes réactivés : %d\n", r.Reactivated)
	fmt.Fprintf(w, "Comptes désactivés : %d\n", r.Disabled)
	fmt.Fprintf(w, "Invitations : %d\n", r.Invitations)
	fmt.Fprintf(w, "Avis de nouvel accès : %d\n", r.Notices)
	fmt.Fprintf(w, "Accès renouvelés sans e-mail : %d\n", r.Renewed-r.RoleChanges)
	fmt.Fprintf(w, "Rôles changés à la rentrée : %d\n", r.RoleChanges)
	if r.SCIMSchoolsRenewed > 0 {
		fmt.Fprintf(w, "Rentrée des écoles approvisionnées par SCIM : %s\n", frtext.Plural(r.SCIMSchoolsRenewed, "école", "écoles"))
	}
	if r.GraceWarnings > 0 {
		fmt.Fprintf(w, "Avis de rentrée aux directions : %d\n", r.GraceWarnings)
	}
	if r.CarryDeadline != "" {
		deadline, _ := time.Parse(time.DateOnly, r.CarryDeadline)
		fmt.Fprintf(w, "Accès reconduits : %d (%s en attente de la nouvelle année) jusqu'au %s\n",
			r.CarriedOver, frtext.Plural(r.CarriedSchools, "école", "écoles"), frtext.FormatDate(deadline))
	}
	fmt.Fprintf(w, "E-mails envoyés : %d\n", r.Sent)
	fmt.Fprintf(w, "E-mails en échec : %d\n", r.Failed)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "Erreur : %s\n", e)
	}
	fmt.Fprintf(w, "Durée : %s\n", frtext.FormatDuration(r.Finished.Sub(r.Started)))
}
