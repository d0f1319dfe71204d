package main

// The school's web pages (school serve) and their users (school user add).

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"

	"passerelle/school"
	"passerelle/store/schoolstore"
	"passerelle/transfer"
	"passerelle/web"
	"passerelle/web/schoolui"
)

// trustProxyUsage describes --trust-proxy of school serve.
const trustProxyUsage = "take the client's address from the last X-Forwarded-For address, for the sign-in throttling and its log lines;\n" +
	"only when the server is reachable solely through one reverse proxy that sets that header"

func runSchoolServe(ctx context.Context, m *Main, args []string) error {
	o, err := parseSchoolServe(m, args)
	if err != nil {
		return err
	}
	log, err := m.logger(o.logFormat)
	if err != nil {
		return err
	}
	st, n, err := openSchool(ctx, m, o.db, o.fase)
	if err != nil {
		return err
	}
	defer st.Close()
	h, runner, err := m.schoolHandler(st, n, log, o.secure, o.trustProxy)
	if err != nil {
		return err
	}
	ln, err := listen("École", o.addr)
	if err != nil {
		return err
	}
	// The automatic transfer runs beside the pages and stops with them; a
	// transfer in progress is cancelled, which the history records.
	sched := &transfer.Scheduler{Runner: runner, Store: st, Now: m.Now, Log: log}
	err = m.serve(ctx, log, []site{{ln, h}}, []job{sched.Run}, func() {
		fmt.Fprintf(m.Stdout, "École : http://%s/\n", ln.Addr())
	})
	if err != nil {
		return failErr("École : %v", err)
	}
	return nil
}

// schoolServeOptions are the flags of school serve.
type schoolServeOptions struct {
	db, addr, logFormat string
	fase                int
	secure, trustProxy  bool
}

func parseSchoolServe(m *Main, args []string) (schoolServeOptions, error) {
	fs := m.flagSet("school serve", "--db URL [--addr 127.0.0.1:8080] [--fase N] [--secure-cookies] [--trust-proxy]",
		"Serves the school pages: the Situation école list, the fiches, the checks, the <Extranet SeGEC>\n"+
			"button, the import, the export and the transfer history; also runs the automatic transfer of\n"+
			"the schools that turned it on. Users are created with 'passerelle school user add'.\n"+
			"Stops cleanly on SIGTERM or Ctrl-C, after the requests in progress.")
	db := m.dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT")
	fase := schoolFASEFlag(fs)
	secure := fs.Bool("secure-cookies", false, "mark the cookies Secure even over HTTP, behind a TLS proxy")
	trustProxy := fs.Bool("trust-proxy", false, trustProxyUsage)
	logFormat := fs.String("log-format", "auto", "format of the logs on standard error: auto (text on a terminal, JSON otherwise), json or text")
	if err := parseNoArgs(fs, args); err != nil {
		return schoolServeOptions{}, err
	}
	return schoolServeOptions{db: *db, addr: *addr, logFormat: *logFormat, fase: *fase, secure: *secure, trustProxy: *trustProxy}, nil
}

// schoolHandler builds the school pages of school n and the runner that
// transfers from them (and from the schedule).
func (m *Main) schoolHandler(st *schoolstore.Store, n int, log *slog.Logger, secure, trustProxy bool) (http.Handler, *transfer.Runner, error) {
	tables, err := m.tables()
	if err != nil {
		return nil, nil, err
	}
	runner := &transfer.Runner{Store: st, Tables: tables, Now: m.Now, Log: log}
	if runner.PrepareFrom, err = m.prepareFrom(); err != nil {
		return nil, nil, err
	}
	sessions, prefs := st.UIStores(m.Now)
	h, err := schoolui.New(schoolui.Config{
		Store: st, Sessions: sessions, Prefs: prefs, Ready: st.Ready, Tables: tables, Runner: runner, FASE: n,
		Now: m.Now, Log: log, Secure: secure, TrustProxy: trustProxy,
	})
	if err != nil {
		return nil, nil, err
	}
	return h, runner, nil
}

func runSchoolUserAdd(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("school user add", "--db URL --login LOGIN --name NAME [--direction] [--password-stdin]",
		"Creates a user of the school pages. Without --password-stdin, a random password is drawn and\n"+
			"printed only once, on the last line. --direction lets the user change the extranet settings\n"+
			"and consent to the automatic transfer.")
	db := m.dbFlag(fs)
	login := fs.String("login", "", "login, for example \"direction\"")
	name := fs.String("name", "", "name displayed and recorded in the transfer history, for example \"Rémy Milord\"")
	direction := fs.Bool("direction", false, "member of the school's management (direction)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (first line)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*login) == "" {
		return usageErr("--login : donnez l'identifiant de l'utilisateur, par exemple --login direction")
	}
	if strings.TrimSpace(*name) == "" {
		return usageErr("--name : donnez le nom de l'utilisateur, par exemple --name \"Rémy Milord\"")
	}
	pw, hash, err := newPassword(m, *pwStdin)
	if err != nil {
		return err
	}
	st, err := openSchoolStore(ctx, m, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, school.User{Login: *login, Name: strings.TrimSpace(*name), PasswordHash: hash, Direction: *direction})
	if errors.Is(err, school.ErrLoginTaken) {
		return failErr("%v", err)
	}
	if err != nil {
		return failErr("Création de l'utilisateur impossible : %v", err)
	}
	kind := "secrétariat"
	if u.Direction {
		kind = "direction"
	}
	fmt.Fprintf(m.Stdout, "Utilisateur « %s » (%s, %s) créé.\n", u.Login, u.Name, kind)
	if !*pwStdin {
		fmt.Fprintf(m.Stdout, "Mot de passe : %s\n", pw)
	}
	return nil
}

// newPassword reads a password from standard input (its first line) with
// --password-stdin, or draws one, and returns it with its hash.
func newPassword(m *Main, fromStdin bool) (pw, hash string, err error) {
	if fromStdin {
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", "", usageErr("--password-stdin : aucun mot de passe reçu sur l'entrée standard")
		}
		pw = strings.TrimRight(line, "\r\n")
		if err := web.ValidatePassword(pw); err != nil {
			var we *web.Error
			if errors.As(err, &we) {
				return "", "", usageErr("%s", we.Message)
			}
			return "", "", usageErr("%v", err)
		}
	} else {
		pw = randomPassword()
	}
	hash, err = web.HashPassword(pw)
	return pw, hash, err
}

func runSchoolUserPassword(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("school user password", "--db URL --login LOGIN [--password-stdin]",
		"Gives a user of the school pages a new password and ends their sessions: for a forgotten\n"+
			"password when no other director can reset it in « Utilisateurs ». Without --password-stdin,\n"+
			"a random password is drawn and printed only once, on the last line.")
	db := m.dbFlag(fs)
	login := fs.String("login", "", "login of the user, for example \"direction\"")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (first line)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*login) == "" {
		return usageErr("--login : donnez l'identifiant de l'utilisateur, par exemple --login direction")
	}
	pw, hash, err := newPassword(m, *pwStdin)
	if err != nil {
		return err
	}
	st, err := openSchoolStore(ctx, m, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByLogin(ctx, *login)
	if errors.Is(err, school.ErrNotFound) {
		return failErr("Aucun utilisateur « %s » : vérifiez l'identifiant (la liste est dans « Utilisateurs »).", strings.ToLower(strings.TrimSpace(*login)))
	}
	if err != nil {
		return failErr("Lecture de l'utilisateur impossible : %v", err)
	}
	if err := st.SetPassword(ctx, u.ID, hash); err != nil {
		return failErr("Changement du mot de passe impossible : %v", err)
	}
	fmt.Fprintf(m.Stdout, "Mot de passe de « %s » changé ; ses sessions ouvertes sont fermées.\n", u.Login)
	if !*pwStdin {
		fmt.Fprintf(m.Stdout, "Mot de passe : %s\n", pw)
	}
	return nil
}

// passwordAlphabet leaves out characters that read alike (0/O, 1/l/I), since
// the password is read from a screen and typed by hand.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// randomPassword returns 16 characters of passwordAlphabet, about 93 bits.
func randomPassword() string {
	b := make([]byte, 16)
	max := big.NewInt(int64(len(passwordAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		b[i] = passwordAlphabet[n.Int64()]
	}
	return string(b)
}
