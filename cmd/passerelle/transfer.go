package main

// The commands of the <Extranet SeGEC> button: school transfer, school
// settings (the extranet's address and token, the automatic transfer) and
// school transfers (the history).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/transfer"
)

func runSchoolTransfer(ctx context.Context, m *Main, args []string) error {
	o, err := parseSchoolTransfer(m, args)
	if err != nil {
		return err
	}
	st, n, err := openSchool(ctx, m, o.db, o.fase)
	if err != nil {
		return err
	}
	defer st.Close()
	tables, err := m.tables()
	if err != nil {
		return err
	}
	from, err := m.prepareFrom()
	if err != nil {
		return err
	}
	// The messages printed say what the transfer did: its log lines would
	// repeat them.
	r := &transfer.Runner{Store: st, Tables: tables, Now: o.now, PrepareFrom: from, Log: slog.New(slog.DiscardHandler)}
	out, err := r.Run(ctx, n, o.run)
	var te *transfer.Error
	if errors.As(err, &te) {
		return failErr("Erreur : %s", te.Msg)
	}
	if err != nil {
		return err
	}
	for _, l := range out.Messages {
		fmt.Fprintln(m.Stdout, l)
	}
	if out.Held {
		return &exitError{code: exitHeld}
	}
	return nil
}

// schoolTransferOptions are the flags of school transfer.
type schoolTransferOptions struct {
	db   string
	fase int
	now  func() time.Time
	run  transfer.Options
}

func parseSchoolTransfer(m *Main, args []string) (schoolTransferOptions, error) {
	fs := m.flagSet("school transfer", "--db URL --fase N [--extranet URL --token TOKEN] [--rentree] [--dry-run] [--confirm-deactivations K] [--today YYYY-MM-DD]",
		"Sends to the Extranet SeGEC the staff members who have an active situation in the school, with\ntheir school e-mail address and their Rôle extranet, then prints the transfer's messages.\n"+
			"With --rentree (« Préparer la rentrée »), sends the next school year's staff as they will be on its\nfirst day, from 1 June (PASSERELLE_RENTREE_FROM=JJ/MM for another day).")
	db := m.dbFlag(fs)
	fase := schoolFASEFlag(fs)
	extranetURL := fs.String("extranet", "", "address of the extranet (default: the one in the school's settings)")
	token := fs.String("token", "", "the school's token at the extranet (default: the one in the school's settings)")
	dryRun := fs.Bool("dry-run", false, "preview: show what the transfer would do, without applying anything")
	confirm := fs.Int("confirm-deactivations", 0, "confirm a held transfer that deactivates K roles")
	today := fs.String("today", "", "today's date (YYYY-MM-DD), for tests")
	by := fs.String("by", "", "name of the person who makes the transfer (default: the system user)")
	rentree := fs.Bool("rentree", false, "« Préparer la rentrée »: send the next school year's staff as on its first day")
	if err := parseNoArgs(fs, args); err != nil {
		return schoolTransferOptions{}, err
	}
	if *confirm < 0 {
		return schoolTransferOptions{}, usageErr("--confirm-deactivations %d : donnez le nombre de désactivations annoncé par le transfert suspendu", *confirm)
	}
	now, err := m.clock(*today)
	if err != nil {
		return schoolTransferOptions{}, err
	}
	who := *by
	if who == "" {
		who = m.Getenv("USER")
	}
	if who == "" {
		who = "ligne de commande"
	}
	return schoolTransferOptions{db: *db, fase: *fase, now: now, run: transfer.Options{
		DryRun: *dryRun, ConfirmDeactivations: *confirm, By: who,
		URL: *extranetURL, Token: *token, HeldHint: true, Rentree: *rentree,
	}}, nil
}

// prepareFromEnv names the day from which a school may prepare the
// rentrée, "JJ/MM" (docs/transfer.md, « La rentrée »); unset: 01/06.
const prepareFromEnv = "PASSERELLE_RENTREE_FROM"

// prepareFrom reads prepareFromEnv.
func (m *Main) prepareFrom() (fwb.MonthDay, error) {
	v := strings.TrimSpace(m.Getenv(prepareFromEnv))
	if v == "" {
		return fwb.MonthDay{}, nil
	}
	md, err := fwb.ParseMonthDay(v)
	if err != nil {
		return fwb.MonthDay{}, usageErr("%s : %v", prepareFromEnv, err)
	}
	return md, nil
}

// dayNames are the French day abbreviations of --days, Monday first.
var dayNames = []struct {
	abbr string
	day  time.Weekday
}{
	{"lun", time.Monday}, {"mar", time.Tuesday}, {"mer", time.Wednesday}, {"jeu", time.Thursday},
	{"ven", time.Friday}, {"sam", time.Saturday}, {"dim", time.Sunday},
}

// parseDays reads "lun,mer,ven"; full day names and any case are accepted.
func parseDays(s string) ([]time.Weekday, error) {
	var days []time.Weekday
	seen := map[time.Weekday]bool{}
	for part := range strings.SplitSeq(s, ",") {
		p := frtext.Fold(part)
		if p == "" {
			continue
		}
		found := false
		for _, d := range dayNames {
			if p == d.abbr || p == frenchDay(d.day) {
				if !seen[d.day] {
					days = append(days, d.day)
					seen[d.day] = true
				}
				found = true
				break
			}
		}
		if !found {
			return nil, usageErr("--days : jour « %s » inconnu ; écrivez par exemple lun,mer,ven", strings.TrimSpace(part))
		}
	}
	if len(days) == 0 {
		return nil, usageErr("--days : donnez au moins un jour, par exemple lun,mer,ven")
	}
	return days, nil
}

func frenchDay(d time.Weekday) string {
	return [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}[d]
}

func formatDays(days []time.Weekday) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = frenchDay(d)
	}
	return strings.Join(parts, ", ")
}

func runSchoolSettings(ctx context.Context, m *Main, args []string) error {
	db, fase, c, err := parseSchoolSettings(m, args)
	if err != nil {
		return err
	}
	st, n, err := openSchool(ctx, m, db, fase)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Settings(ctx, n)
	if err != nil && !errors.Is(err, school.ErrNotFound) {
		return err
	}
	s.FASE = n
	if c.apply(&s, m.Now) {
		if err := st.SaveSettings(ctx, s); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, "Paramètres enregistrés.")
	}
	printSettings(m.Stdout, s, m.Now())
	return nil
}

// settingsChange is what school settings' flags change; a flag not given
// changes nothing.
type settingsChange struct {
	setURL      bool
	extranetURL string
	token       string // "" when not given
	auto, by    string
	setDays     bool
	days        []time.Weekday
	setHour     bool
	hour        int
}

// parseSchoolSettings reads and checks the flags of school settings, and
// the token from its file or the standard input.
func parseSchoolSettings(m *Main, args []string) (db string, fase int, c settingsChange, err error) {
	fs := m.flagSet("school settings", "--db URL --fase N [--extranet URL] [--token-file F | --token-stdin] [--auto on|off --by NAME] [--days lun,mer,ven] [--hour 19]",
		"Without a flag that changes something, shows the school's extranet settings (never the token).\nThe automatic transfer is turned on only with the consent of the school's management (--by).")
	dbFlag := m.dbFlag(fs)
	faseFlag := schoolFASEFlag(fs)
	extranetURL := fs.String("extranet", "", "address of the extranet, for example https://extranet.exemple.be")
	tokenFile := fs.String("token-file", "", "file that holds the school's token")
	tokenStdin := fs.Bool("token-stdin", false, "read the token from standard input")
	auto := fs.String("auto", "", "automatic transfer: on or off")
	by := fs.String("by", "", "name of the member of the school's management who consents to the automatic transfer")
	days := fs.String("days", "", "days of the automatic transfer, as French day names or abbreviations, for example lun,mer,ven")
	hour := fs.Int("hour", -1, "hour of the automatic transfer (0 to 23, Brussels time)")
	if err := parseNoArgs(fs, args); err != nil {
		return "", 0, c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *tokenFile != "" && *tokenStdin {
		return "", 0, c, usageErr("--token-file et --token-stdin s'excluent : choisissez-en un")
	}
	if *auto != "" && *auto != "on" && *auto != "off" {
		return "", 0, c, usageErr("--auto %q : écrivez on ou off", *auto)
	}
	if *auto == "on" && strings.TrimSpace(*by) == "" {
		return "", 0, c, usageErr("--auto on demande le consentement de la direction : ajoutez --by \"Prénom Nom\"")
	}
	if set["hour"] && (*hour < 0 || *hour > 23) {
		return "", 0, c, usageErr("--hour %d : donnez une heure de 0 à 23", *hour)
	}
	c = settingsChange{setURL: set["extranet"], extranetURL: *extranetURL, auto: *auto, by: *by,
		setDays: set["days"], setHour: set["hour"], hour: *hour}
	if c.setDays {
		if c.days, err = parseDays(*days); err != nil {
			return "", 0, c, err
		}
	}
	if c.token, err = readToken(m, *tokenFile, *tokenStdin); err != nil {
		return "", 0, c, err
	}
	if c.setURL && !validURL(c.extranetURL) {
		return "", 0, c, usageErr("--extranet %q : écrivez l'adresse sous la forme https://extranet.exemple.be", c.extranetURL)
	}
	return *dbFlag, *faseFlag, c, nil
}

// readToken reads the school's token from file, or from the standard input
// when stdin; "" when neither is given. A token read must be one line
// without spaces.
func readToken(m *Main, file string, stdin bool) (string, error) {
	var token string
	switch {
	case file != "":
		b, err := readSecretFile(file)
		if err != nil {
			return "", err
		}
		token = b
	case stdin:
		b, err := io.ReadAll(io.LimitReader(m.Stdin, 64<<10))
		if err != nil {
			return "", failErr("Erreur : lecture du jeton sur l'entrée standard impossible : %v", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if (file != "" || stdin) && token == "" {
		return "", usageErr("le jeton lu est vide : vérifiez le fichier ou l'entrée standard")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", usageErr("le jeton lu contient des espaces : copiez-le tel que l'extranet l'a donné, sur une seule ligne")
	}
	return token, nil
}

// apply applies the change to s and reports whether it changed anything.
// Turning the automatic transfer on records who consented, and when.
func (c settingsChange) apply(s *school.Settings, now func() time.Time) bool {
	changed := false
	if c.setURL {
		s.ExtranetURL, changed = strings.TrimRight(strings.TrimSpace(c.extranetURL), "/"), true
	}
	if c.token != "" {
		s.Token, changed = c.token, true
	}
	switch c.auto {
	case "on":
		s.Auto, s.AutoConsentBy, s.AutoConsentAt, changed = true, strings.TrimSpace(c.by), now(), true
	case "off":
		s.Auto, changed = false, true
	}
	if c.setDays {
		s.AutoDays, changed = c.days, true
	}
	if c.setHour {
		s.AutoHour, changed = c.hour, true
	}
	return changed
}

func validURL(s string) bool {
	s = strings.TrimSpace(s)
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && len(s) > len("https://")
}

// readSecretFile reads a token file; the token is the file's content with
// surrounding spaces and the final newline removed.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", failErr("Erreur : lecture du jeton impossible (%s) : vérifiez le chemin du fichier", path)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return "", failErr("Erreur : lecture du jeton impossible (%s) : vérifiez le chemin du fichier", path)
	}
	return strings.TrimSpace(string(b)), nil
}

// printSettings shows the settings; the token only as present or absent.
func printSettings(w io.Writer, s school.Settings, now time.Time) {
	url := s.ExtranetURL
	if url == "" {
		url = "(non indiquée)"
	}
	tok := "absent"
	if s.Token != "" {
		tok = "enregistré"
	}
	fmt.Fprintf(w, "École : FASE %d\n", s.FASE)
	fmt.Fprintf(w, "Extranet : %s\n", url)
	fmt.Fprintf(w, "Jeton : %s\n", tok)
	switch {
	case transfer.AutoEnabled(s):
		fmt.Fprintf(w, "Transfert automatique : activé le %s par %s\n", frtext.FormatDateTime(s.AutoConsentAt), s.AutoConsentBy)
		fmt.Fprintf(w, "Jours : %s à %dh (heure de Bruxelles)\n", formatDays(transfer.AutoDays(s)), transfer.AutoHour(s))
		fmt.Fprintf(w, "Prochain transfert automatique : %s\n", frtext.FormatDateTime(transfer.NextRun(s, now)))
	default:
		fmt.Fprintln(w, "Transfert automatique : désactivé")
		fmt.Fprintf(w, "Jours : %s à %dh (heure de Bruxelles)\n", formatDays(transfer.AutoDays(s)), transfer.AutoHour(s))
	}
}

func runSchoolTransfers(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("school transfers", "--db URL --fase N [--id N] [--limit N]",
		"Lists the school's transfer history, newest first,\nor shows one transfer with its messages (--id).")
	db := m.dbFlag(fs)
	fase := schoolFASEFlag(fs)
	id := fs.Int64("id", 0, "number of the transfer to show")
	limit := fs.Int("limit", 50, "number of transfers to list")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *limit < 1 {
		return usageErr("--limit %d : donnez un nombre positif", *limit)
	}
	st, n, err := openSchool(ctx, m, *db, *fase)
	if err != nil {
		return err
	}
	defer st.Close()
	if *id != 0 {
		rec, err := st.Transfer(ctx, n, *id)
		if errors.Is(err, school.ErrNotFound) {
			return failErr("Erreur : transfert n° %d introuvable pour l'école FASE %d : voyez la liste avec passerelle school transfers", *id, n)
		}
		if err != nil {
			return err
		}
		printTransfer(m.Stdout, rec)
		return nil
	}
	recs, err := st.Transfers(ctx, n, *limit)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		fmt.Fprintln(m.Stdout, "Aucun transfert.")
		return nil
	}
	for _, rec := range recs {
		fmt.Fprintln(m.Stdout, transferLine(rec))
	}
	return nil
}

// printTransfer shows one transfer of the history with its messages.
func printTransfer(w io.Writer, rec school.TransferRecord) {
	fmt.Fprintln(w, transferLine(rec))
	if rec.SchoolYear != "" {
		fmt.Fprintf(w, "Année scolaire : %s\n", rec.SchoolYear)
	}
	if rec.ExtranetID != "" {
		fmt.Fprintf(w, "Référence extranet : %s\n", rec.ExtranetID)
	}
	if len(rec.Messages) > 0 {
		fmt.Fprintln(w)
		for _, l := range rec.Messages {
			fmt.Fprintln(w, l)
		}
	}
}

// transferLine is one line of the history:
// "n° 3  27/11/2026 19:00  automatique  transfert  fait  créés 1, modifiés 0, …".
func transferLine(rec school.TransferRecord) string {
	kind := "transfert"
	if rec.DryRun {
		kind = "aperçu"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "n° %d  %s  %s  %s  %s", rec.ID, rec.At.In(frtext.Brussels).Format("02/01/2006 15:04"), rec.By, kind, strings.ToLower(rec.ResultLabel()))
	switch rec.Outcome {
	case school.OutcomeFailed, school.OutcomeCancelled:
		b.WriteString("  " + rec.Error)
	case school.OutcomeHeld:
		b.WriteString("  " + strconv.Itoa(rec.Counts.Deactivated) + " désactivations à confirmer")
	default:
		c := rec.Counts
		fmt.Fprintf(&b, "  complétés %d, erreurs %d, modifiés %d, créés %d, désactivés %d, inchangés %d, rejetés %d",
			c.Completed, c.Errors, c.Modified, c.Created, c.Deactivated, c.Unchanged, c.Rejected)
	}
	return b.String()
}
