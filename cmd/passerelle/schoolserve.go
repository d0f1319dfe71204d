package main

// The school's web pages (school serve) and their users (school user add).

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"passerelle/api"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/store/schoolstore"
	"passerelle/transfer"
	"passerelle/web"
	"passerelle/web/schoolui"
)

func init() {
	register(command{
		name:    "school serve",
		summary: "sert les pages de l'école (Situation école, Extranet SeGEC) et le transfert automatique",
		run:     runSchoolServe,
	})
	register(command{
		name:    "school user add",
		summary: "crée un utilisateur des pages de l'école",
		run:     runSchoolUserAdd,
	})
}

func runSchoolServe(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("school serve", "--db URL [--addr 127.0.0.1:8080] [--fase N]",
		"Sert les pages de l'école : la liste Situation école, les fiches, les vérifications, le bouton\n"+
			"<Extranet SeGEC>, l'import, l'export et l'historique des transferts ; lance aussi le transfert\n"+
			"automatique des écoles qui l'ont activé. Les utilisateurs se créent avec « passerelle school user add ».\n"+
			"S'arrête proprement sur SIGTERM ou Ctrl-C, après les requêtes en cours.")
	db := m.dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "adresse d'écoute HOTE:PORT")
	fase := fs.Int("fase", 0, "numéro FASE de l'école (facultatif si la base n'en a qu'une)")
	secure := fs.Bool("secure-cookies", false, "cookies marqués Secure même en HTTP, derrière un proxy TLS")
	logFormat := fs.String("log-format", "auto", "format des journaux sur la sortie d'erreur : auto (texte sur un terminal, JSON sinon), json ou text")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("argument inattendu : %s", strings.Join(fs.Args(), " "))
	}
	log, err := m.logger(*logFormat)
	if err != nil {
		return err
	}
	st, err := openSchoolStore(ctx, m, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := schoolFASE(ctx, st, *fase)
	if err != nil {
		return err
	}
	tables := fwb.DefaultTables()
	runner := &transfer.Runner{Store: st, Tables: tables, Now: m.Now, Log: log}
	h, err := schoolui.New(schoolui.Config{
		Store: st, DB: st.DB(), Tables: tables, Runner: runner, FASE: n,
		Now: m.Now, Log: log, Secure: *secure,
	})
	if err != nil {
		return err
	}

	// The automatic transfer runs beside the pages and stops with them; a
	// transfer in progress is cancelled, which the history records.
	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sched := &transfer.Scheduler{Runner: runner, Store: st, Now: m.Now, Log: log}
		sched.Run(schedCtx)
	}()

	err = api.Serve(ctx, *addr, h, log, func(addr string) {
		fmt.Fprintf(m.Stdout, "École : http://%s/\n", addr)
		if m.Ready != nil {
			m.Ready()
		}
	})
	stopSched()
	wg.Wait()
	if err != nil {
		return failErr("École : %v", err)
	}
	return nil
}

func runSchoolUserAdd(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("school user add", "--db URL --login IDENTIFIANT --name NOM [--direction] [--password-stdin]",
		"Crée un utilisateur des pages de l'école. Sans --password-stdin, un mot de passe est tiré au\n"+
			"hasard et affiché une seule fois, en dernière ligne. --direction lui permet de modifier les\n"+
			"paramètres de l'extranet et de consentir au transfert automatique.")
	db := m.dbFlag(fs)
	login := fs.String("login", "", "identifiant de connexion, par exemple « direction »")
	name := fs.String("name", "", "nom affiché et inscrit dans l'historique des transferts, par exemple « Rémy Milord »")
	direction := fs.Bool("direction", false, "membre de la direction")
	pwStdin := fs.Bool("password-stdin", false, "lit le mot de passe sur l'entrée standard (première ligne)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("argument inattendu : %s", strings.Join(fs.Args(), " "))
	}
	if strings.TrimSpace(*login) == "" {
		return usageErr("--login : donnez l'identifiant de l'utilisateur, par exemple --login direction")
	}
	if strings.TrimSpace(*name) == "" {
		return usageErr("--name : donnez le nom de l'utilisateur, par exemple --name \"Rémy Milord\"")
	}
	var pw string
	if *pwStdin {
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return usageErr("--password-stdin : aucun mot de passe reçu sur l'entrée standard")
		}
		pw = strings.TrimRight(line, "\r\n")
		if err := web.ValidatePassword(pw); err != nil {
			var we *web.Error
			if errors.As(err, &we) {
				return usageErr("%s", we.Message)
			}
			return usageErr("%v", err)
		}
	} else {
		pw = randomPassword()
	}
	hash, err := web.HashPassword(pw)
	if err != nil {
		return err
	}
	st, err := openSchoolStore(ctx, m, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, school.User{Login: *login, Name: strings.TrimSpace(*name), PasswordHash: hash, Direction: *direction})
	if errors.Is(err, schoolstore.ErrLoginTaken) {
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
