package main

// The portal's wiring: `extranet operator add`, and mountPortal, which
// `extranet serve` and the demo call to serve the portal and the operators'
// console beside the API.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"passerelle/extranet"
	"passerelle/mail"
	"passerelle/store/extranetstore"
	"passerelle/store/sqlsession"
	"passerelle/web"
	"passerelle/web/portal"
)

func runExtranetOperatorAdd(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("extranet operator add", "--db URL --login LOGIN --name NAME [--password-stdin]",
		"Creates an operator account for the extranet's console (/console/). The password is asked\ntwice on the terminal, or read from standard input with --password-stdin (first line);\nit has at least 10 characters. Only its bcrypt hash is kept.")
	db := m.dbFlag(fs)
	login := fs.String("login", "", "the operator's login (lowercase letters, digits, dots, hyphens)")
	name := fs.String("name", "", "the operator's name, as displayed")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input rather than the terminal")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*login) == "" {
		return usageErr("--login : donnez l'identifiant de l'opérateur")
	}
	if strings.TrimSpace(*name) == "" {
		return usageErr("--name : donnez le nom de l'opérateur")
	}
	password, err := m.readNewPassword(*fromStdin)
	if err != nil {
		return err
	}
	if err := web.ValidatePassword(password); err != nil {
		var we *web.Error
		if errors.As(err, &we) {
			return failErr("%s", we.Message)
		}
		return failErr("Mot de passe refusé : %v", err)
	}
	hash, err := web.HashPassword(password)
	if err != nil {
		return failErr("Erreur : %v", err)
	}
	st, svc, err := m.openExtranet(ctx, *db, m.warnLogger())
	if err != nil {
		return err
	}
	defer st.Close()
	p := &extranet.Portal{Store: st, Service: svc}
	op, err := p.AddOperator(ctx, *login, *name, hash, m.actor())
	var refused *extranet.RefusedError
	switch {
	case errors.Is(err, extranet.ErrOperatorExists):
		return failErr("Un opérateur porte déjà l'identifiant %q : choisissez-en un autre.", strings.ToLower(strings.TrimSpace(*login)))
	case errors.As(err, &refused):
		return usageErr("%s", capitalize(refused.Message)+".")
	case err != nil:
		return failErr("Erreur : %v", err)
	}
	fmt.Fprintf(m.Stdout, "Opérateur %s (%s) créé : il se connecte à la console de l'extranet, /console/.\n", op.Login, op.Name)
	return nil
}

// readNewPassword reads the password from the first line of stdin, or asks
// for it twice at the terminal without echo.
func (m *Main) readNewPassword(fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(m.Stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", failErr("Lecture du mot de passe impossible : %v", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := m.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageErr("pas de terminal pour demander le mot de passe : passez-le sur l'entrée standard avec --password-stdin")
	}
	fmt.Fprint(m.Stderr, "Mot de passe : ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(m.Stderr)
	if err != nil {
		return "", failErr("Lecture du mot de passe impossible : %v", err)
	}
	fmt.Fprint(m.Stderr, "Encore une fois : ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(m.Stderr)
	if err != nil {
		return "", failErr("Lecture du mot de passe impossible : %v", err)
	}
	if string(first) != string(second) {
		return "", failErr("Les deux mots de passe diffèrent : rien n'a été créé.")
	}
	return string(first), nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// portalOptions is what mountPortal needs.
type portalOptions struct {
	Store      *extranetstore.Store
	Service    *extranet.Service
	Sender     mail.Sender // sign-in links, resent invitations, « Simuler la nuit »
	MailDir    string      // the .eml folder « E-mails envoyés » lists (demo)
	Demo       bool        // « E-mails envoyés » and « Simuler la nuit »
	BaseURL    string      // public address written in the sign-in links; default Service.PortalURL
	Secure     bool        // Secure cookies behind a TLS proxy
	TrustProxy bool        // --trust-proxy: throttle by the X-Forwarded-For address
	Log        *slog.Logger
	Now        func() time.Time
}

// mountPortal mounts the portal and the operators' console at "/" of mux.
// The API's routes (/api/, /healthz, /readyz, /metrics) are more specific
// and stay the API's, outside the portal's CSRF protection; the portal owns
// every other path. From `extranet serve` or the demo:
//
//	srv := newExtranetServer(svc, maxBody, log)
//	mux := http.NewServeMux()
//	if err := mountPortal(mux, portalOptions{Store: st, Service: svc, Sender: sender, …}); err != nil { … }
//	srv.Mount("/", mux)
func mountPortal(mux *http.ServeMux, o portalOptions) error {
	if o.Store == nil || o.Service == nil {
		return errors.New("portail : base et service de l'extranet requis")
	}
	if o.Sender == nil {
		return usageErr("le portail envoie des liens de connexion par e-mail : indiquez --mail-dir DOSSIER ou --smtp HOTE:PORT")
	}
	if o.BaseURL == "" && o.Service.PortalURL == "" {
		return usageErr("le portail écrit son adresse dans les liens de connexion : indiquez --portal-url, par exemple https://extranet.example/")
	}
	h, err := portal.New(portal.Config{
		Service:    o.Service,
		Store:      o.Store,
		Sessions:   sqlsession.New(o.Store.DB()),
		Sender:     o.Sender,
		MailDir:    o.MailDir,
		Demo:       o.Demo,
		BaseURL:    o.BaseURL,
		Secure:     o.Secure,
		TrustProxy: o.TrustProxy,
		Log:        o.Log,
		Now:        o.Now,
	})
	if err != nil {
		return fmt.Errorf("portail : %w", err)
	}
	mux.Handle("/", h)
	return nil
}

// ensureOperator creates the operator login with password when it does not
// exist yet, for the demo; an existing operator is left as it is.
func ensureOperator(ctx context.Context, st *extranetstore.Store, svc *extranet.Service, login, name, password string) error {
	if _, err := st.OperatorByLogin(ctx, login); err == nil {
		return nil
	} else if !errors.Is(err, extranet.ErrNotFound) {
		return err
	}
	hash, err := web.HashPassword(password)
	if err != nil {
		return err
	}
	p := &extranet.Portal{Store: st, Service: svc}
	_, err = p.AddOperator(ctx, login, name, hash, "démo")
	return err
}
