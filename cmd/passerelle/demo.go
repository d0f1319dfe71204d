package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"passerelle/api"
	"passerelle/demo"
	"passerelle/extranet"
	"passerelle/fwb"
	"passerelle/mail"
	"passerelle/school"
	"passerelle/school/demodata"
	"passerelle/store/extranetstore"
	"passerelle/store/schoolstore"
	"passerelle/transfer"
	"passerelle/web"
	"passerelle/web/schoolui"
)

// Demo sign-in: the school's direction, and the extranet's operator, with
// one password.
const (
	demoLogin         = "direction"
	demoOperatorLogin = "operateur"
	demoPasswordEnv   = "PASSERELLE_DEMO_PASSWORD"
)

func init() {
	register(command{
		name:    "demo",
		summary: "runs both sides on 127.0.0.1 with the demo school, ready for a first transfer",
		run:     runDemo,
	})
}

func runDemo(ctx context.Context, m *Main, args []string) error {
	dir, addr, xaddr, err := parseDemoFlags(m, args)
	if err != nil {
		return err
	}
	log, err := m.logger("auto")
	if err != nil {
		return err
	}
	password, err := demoPasswordFrom(m)
	if err != nil {
		return err
	}
	mailDir := filepath.Join(dir, "mail")
	if err := os.MkdirAll(mailDir, 0o755); err != nil {
		return failErr("Dossier de la démo %s : %v", dir, err)
	}

	// Listen first, so that the addresses are known (port 0 in tests) before
	// the school's settings and the e-mails name them.
	sl, err := net.Listen("tcp", addr)
	if err != nil {
		return failErr("École : écoute sur %s impossible : %v", addr, err)
	}
	defer sl.Close()
	xl, err := net.Listen("tcp", xaddr)
	if err != nil {
		return failErr("Extranet : écoute sur %s impossible : %v", xaddr, err)
	}
	defer xl.Close()
	schoolURL := "http://" + sl.Addr().String() + "/"
	extranetURL := "http://" + xl.Addr().String() + "/"

	xst, err := extranetstore.Open(ctx, "sqlite:"+filepath.Join(dir, "extranet.db"))
	if err != nil {
		return failErr("Ouverture de la base de l'extranet impossible : %v", err)
	}
	defer xst.Close()
	svc := &extranet.Service{Store: xst, Now: m.Now, Log: log, PortalURL: extranetURL}
	if svc.Grace, err = m.graceDeadline(); err != nil {
		return err
	}
	sst, err := schoolstore.Open(ctx, "sqlite:"+filepath.Join(dir, "school.db"))
	if err != nil {
		return failErr("Ouverture de la base de l'école impossible : %v", err)
	}
	defer sst.Close()
	tables, err := m.tables()
	if err != nil {
		return err
	}
	if err := seedDemo(ctx, m, sst, svc, tables, extranetURL); err != nil {
		return failErr("Démo : %v", err)
	}
	if err := demoUsers(ctx, sst, xst, svc, password); err != nil {
		return failErr("Démo : %v", err)
	}
	sender, err := mail.NewDirSender(mailDir)
	if err != nil {
		return failErr("Démo : %v", err)
	}
	defer sender.Close()

	d := demoRun{m: m, log: log, xst: xst, sst: sst, svc: svc, tables: tables, sender: sender, mailDir: mailDir, extranetURL: extranetURL}
	return d.serve(ctx, sl, xl, schoolURL, password)
}

// parseDemoFlags reads the demo's flags: its folder and its two addresses,
// which must be loopback ones. « E-mails envoyés » shows live sign-in links
// to whoever asks, and the password is printed on the terminal: the demo
// stays on this machine.
func parseDemoFlags(m *Main, args []string) (dir, addr, xaddr string, err error) {
	fs := m.flagSet("demo", "[--data DIR] [--addr 127.0.0.1:8080] [--extranet-addr 127.0.0.1:8081]",
		"Runs the school pages and the extranet (API, portal, operators' console) in one process, on\n"+
			"SQLite files under DIR, with the demo school and the staff of the school software's help page.\n"+
			"The school talks to the extranet over real HTTP; e-mails are written as .eml files in DIR/mail\n"+
			"and shown without sign-in, so both addresses must be loopback ones (127.0.0.1, ::1, localhost).\n"+
			"The password is random unless "+demoPasswordEnv+" is set. Stop with Ctrl-C; the data stay for\n"+
			"the next run.")
	fdir := fs.String("data", "passerelle-demo", "folder of the demo's databases and e-mails")
	faddr := fs.String("addr", "127.0.0.1:8080", "address of the school pages (loopback only)")
	fxaddr := fs.String("extranet-addr", "127.0.0.1:8081", "address of the extranet (loopback only)")
	if err := parseNoArgs(fs, args); err != nil {
		return "", "", "", err
	}
	for _, a := range []struct{ flag, addr string }{{"--addr", *faddr}, {"--extranet-addr", *fxaddr}} {
		if !isLoopback(a.addr) {
			return "", "", "", usageErr("la démo n'écoute que sur 127.0.0.1 ou localhost : %s %s l'ouvrirait au réseau, où « E-mails envoyés » donne sans connexion les liens de connexion envoyés", a.flag, a.addr)
		}
	}
	return *fdir, *faddr, *fxaddr, nil
}

// demoPasswordFrom returns the demo's password: the environment's, which
// must be a valid one, or a random one.
func demoPasswordFrom(m *Main) (string, error) {
	password := m.Getenv(demoPasswordEnv)
	if password == "" {
		return demoPassword(), nil
	}
	if err := web.ValidatePassword(password); err != nil {
		return "", usageErr("%s : %v", demoPasswordEnv, frenchMessage(err))
	}
	return password, nil
}

// demoRun is the demo's two sides, their stores open and seeded.
type demoRun struct {
	m           *Main
	log         *slog.Logger
	xst         *extranetstore.Store
	sst         *schoolstore.Store
	svc         *extranet.Service
	tables      *fwb.Tables
	sender      *mail.DirSender
	mailDir     string
	extranetURL string
}

// serve serves the school on sl and the extranet on xl, with the transfer
// schedule and the night running in the background, until ctx ends or a
// server fails; then it shuts them down.
func (d demoRun) serve(ctx context.Context, sl, xl net.Listener, schoolURL, password string) error {
	schoolHandler, extranetHandler, runner, err := d.handlers()
	if err != nil {
		return err
	}
	m, log := d.m, d.log
	servers := []*http.Server{api.NewHTTPServer(schoolHandler, log), api.NewHTTPServer(extranetHandler, log)}
	listeners := []net.Listener{sl, xl}
	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() {
			if err := s.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	var bg sync.WaitGroup
	bgCtx, stopBg := context.WithCancel(ctx)
	defer stopBg()
	bg.Add(2)
	go func() {
		defer bg.Done()
		(&transfer.Scheduler{Runner: runner, Store: d.sst, Now: m.Now, Log: log}).Run(bgCtx)
	}()
	go func() {
		defer bg.Done()
		nightLoop(bgCtx, bgCtx, m, d.svc, d.sender, nightTime{enabled: true, hour: extranet.NightHour}, log)
	}()
	d.printAccess(schoolURL, password)
	if m.Ready != nil {
		m.Ready()
	}

	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stopBg()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), api.ShutdownTimeout)
	defer cancel()
	for _, s := range servers {
		s.Shutdown(shutdownCtx)
	}
	bg.Wait()
	if err != nil {
		return failErr("Démo : %v", err)
	}
	return nil
}

// handlers builds the school pages, with the runner that transfers from
// them, and the extranet: its API, portal and console, with the e-mails
// shown without sign-in.
func (d demoRun) handlers() (http.Handler, http.Handler, *transfer.Runner, error) {
	m, log := d.m, d.log
	srv := newExtranetServer(d.svc, api.DefaultMaxBodyBytes, log)
	mux := http.NewServeMux()
	if err := mountPortal(mux, portalOptions{Store: d.xst, Service: d.svc, Sender: d.sender, MailDir: d.mailDir, Demo: true, BaseURL: d.extranetURL, Log: log, Now: m.Now}); err != nil {
		return nil, nil, nil, err
	}
	srv.Mount("/", mux)

	runner := &transfer.Runner{Store: d.sst, Tables: d.tables, Now: m.Now, Log: log}
	var err error
	if runner.PrepareFrom, err = m.prepareFrom(); err != nil {
		return nil, nil, nil, err
	}
	ui, err := schoolui.New(schoolui.Config{Store: d.sst, DB: d.sst.DB(), Tables: d.tables, Runner: runner, FASE: demodata.FASE, Now: m.Now, Log: log})
	if err != nil {
		return nil, nil, nil, err
	}
	return ui, srv.Handler(), runner, nil
}

// printAccess prints the demo's addresses and sign-in.
func (d demoRun) printAccess(schoolURL, password string) {
	out := d.m.Stdout
	fmt.Fprintf(out, "École : %s\n", schoolURL)
	fmt.Fprintf(out, "Extranet : %s\n", d.extranetURL)
	fmt.Fprintf(out, "Identifiant : %s\n", demoLogin)
	fmt.Fprintf(out, "Mot de passe : %s\n", password)
	fmt.Fprintf(out, "Console de l'extranet : %sconsole/ (identifiant %s, même mot de passe)\n", d.extranetURL, demoOperatorLogin)
	fmt.Fprintf(out, "E-mails envoyés : %scourriels (fichiers .eml dans %s)\n", d.extranetURL, d.mailDir)
}

// seedDemo loads the demo school and gives the extranet its past, on a fresh
// folder only: a second run keeps what the visitor did (roles completed by a
// transfer stay completed). It always points the school's settings at the
// extranet's current address.
func seedDemo(ctx context.Context, m *Main, sst *schoolstore.Store, svc *extranet.Service, tables *fwb.Tables, extranetURL string) error {
	_, err := sst.School(ctx, demodata.FASE)
	switch {
	case errors.Is(err, school.ErrNotFound):
		sc, err := demodata.Load(ctx, sst, tables, m.Now())
		if err != nil {
			return err
		}
		rows, err := sst.Rows(ctx, sc.FASE)
		if err != nil {
			return err
		}
		token, err := demo.SeedExtranet(ctx, svc, sc.FASE, sc.Name, rows, tables, m.Now())
		if err != nil {
			return err
		}
		set, err := sst.Settings(ctx, sc.FASE)
		if err != nil {
			return err
		}
		set.ExtranetURL, set.Token = extranetURL, token
		return sst.SaveSettings(ctx, set)
	case err != nil:
		return err
	}
	set, err := sst.Settings(ctx, demodata.FASE)
	if err != nil {
		return err
	}
	set.ExtranetURL = extranetURL
	return sst.SaveSettings(ctx, set)
}

// demoUsers gives the school's direction and the extranet's operator the
// demo password, creating them on the first run.
func demoUsers(ctx context.Context, sst *schoolstore.Store, xst *extranetstore.Store, svc *extranet.Service, password string) error {
	hash, err := web.HashPassword(password)
	if err != nil {
		return err
	}
	u, err := sst.UserByLogin(ctx, demoLogin)
	switch {
	case errors.Is(err, school.ErrNotFound):
		if _, err := sst.CreateUser(ctx, school.User{Login: demoLogin, Name: "Remy Milord", PasswordHash: hash, Direction: true}); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := sst.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
	}
	if err := ensureOperator(ctx, xst, svc, demoOperatorLogin, "Opérateur de démonstration", password); err != nil {
		return err
	}
	return xst.SetOperatorPassword(ctx, demoOperatorLogin, hash)
}

// demoPassword is a random password of 16 lower-case letters and digits,
// easy to type from the terminal.
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:4]) + "-" + string(b[4:8]) + "-" + string(b[8:12]) + "-" + string(b[12:])
}

// frenchMessage returns the French message of a web.Error, or the error's
// text.
func frenchMessage(err error) string {
	var we *web.Error
	if errors.As(err, &we) {
		return we.Message
	}
	return err.Error()
}
