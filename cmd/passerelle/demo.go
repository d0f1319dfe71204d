package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

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
	// Listen first, so that the addresses are known (port 0 in tests) before
	// the school's settings and the e-mails name them.
	sl, err := listen("École", addr)
	if err != nil {
		return err
	}
	defer sl.Close()
	xl, err := listen("Extranet", xaddr)
	if err != nil {
		return err
	}
	defer xl.Close()
	d := &demoRun{m: m, log: log, mailDir: filepath.Join(dir, "mail"), extranetURL: "http://" + xl.Addr().String() + "/"}
	defer d.close()
	if err := d.open(ctx, dir, password); err != nil {
		return err
	}
	schoolHandler, extranetHandler, runner, err := d.handlers()
	if err != nil {
		return err
	}
	jobs := []job{
		(&transfer.Scheduler{Runner: runner, Store: d.sst, Now: m.Now, Log: log}).Run,
		nightJob(m, d.svc, d.sender, nightTime{enabled: true, hour: extranet.NightHour}, log),
	}
	err = m.serve(ctx, log, []site{{sl, schoolHandler}, {xl, extranetHandler}}, jobs, func() {
		d.printAccess("http://"+sl.Addr().String()+"/", password)
	})
	if err != nil {
		return failErr("Démo : %v", err)
	}
	return nil
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

// demoRun is the demo's two sides: their stores, open and seeded, and the
// folder of their e-mails.
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

// open opens the demo's databases under dir and its e-mail folder, and
// seeds them on the first run; the users get password.
func (d *demoRun) open(ctx context.Context, dir, password string) error {
	if err := os.MkdirAll(d.mailDir, 0o755); err != nil {
		return failErr("Dossier de la démo %s : %v", dir, err)
	}
	var err error
	if d.xst, d.svc, err = d.m.openExtranet(ctx, "sqlite:"+filepath.Join(dir, "extranet.db"), d.log); err != nil {
		return err
	}
	d.svc.PortalURL = d.extranetURL
	if d.sst, err = schoolstore.Open(ctx, "sqlite:"+filepath.Join(dir, "school.db")); err != nil {
		return failErr("Ouverture de la base de l'école impossible : %v", err)
	}
	if d.tables, err = d.m.tables(); err != nil {
		return err
	}
	if err := seedDemo(ctx, d.m, d.sst, d.svc, d.tables, d.extranetURL); err != nil {
		return failErr("Démo : %v", err)
	}
	if err := demoUsers(ctx, d.sst, d.xst, d.svc, password); err != nil {
		return failErr("Démo : %v", err)
	}
	if d.sender, err = mail.NewDirSender(d.mailDir); err != nil {
		return failErr("Démo : %v", err)
	}
	return nil
}

// close closes what open opened.
func (d *demoRun) close() {
	if d.sender != nil {
		d.sender.Close()
	}
	if d.sst != nil {
		d.sst.Close()
	}
	if d.xst != nil {
		d.xst.Close()
	}
}

// handlers builds the school pages, with the runner that transfers from
// them, and the extranet: its API, portal and console, with the e-mails
// shown without sign-in.
func (d *demoRun) handlers() (http.Handler, http.Handler, *transfer.Runner, error) {
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
	sessions, prefs := d.sst.UIStores(m.Now)
	ui, err := schoolui.New(schoolui.Config{Store: d.sst, Sessions: sessions, Prefs: prefs, Ready: d.sst.DB().Ping, Tables: d.tables, Runner: runner, FASE: demodata.FASE, Now: m.Now, Log: log})
	if err != nil {
		return nil, nil, nil, err
	}
	return ui, srv.Handler(), runner, nil
}

// printAccess prints the demo's addresses and sign-in.
func (d *demoRun) printAccess(schoolURL, password string) {
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
