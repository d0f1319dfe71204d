// Command passerelle runs both sides of Passerelle: the school's Situation
// école module with its Extranet SeGEC transfer, and the extranet that
// receives the transfers. See the README for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
)

// Exit codes of the command line.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitHeld     = 3
	dbEnv        = "PASSERELLE_DB"
	functionsEnv = "PASSERELLE_FUNCTIONS"
	defaultDBURL = "sqlite:passerelle.db"
)

// Main holds what a command may touch, so that tests run commands exactly as
// the binary does, with their own streams and clock.
type Main struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         func(string) string
	// Now is the clock; tests and --today/--at replace it.
	Now func() time.Time
	// Ready, when set, is called by long-running commands once they listen.
	Ready func()
	// SetDefaultLog, when set, receives a long-running command's logger
	// (log.go): the binary makes it slog's default; tests leave it nil.
	SetDefaultLog func(*slog.Logger)
}

// command is one subcommand, such as "school import".
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

// commands is every command of the binary, in the order of the usage text.
// Each run parses its flags, opens what it needs and closes it; the
// long-running ones (school serve, extranet serve, demo) share their
// serving and their shutdown (serve.go). A function rather than a variable:
// bench profile runs a command line again, through Main.Run.
func commands() []command {
	return []command{
		// bench.go, demo.go
		{"bench", "measures the extranet at the network's scale: load generator, crashes under load", runBench},
		{"bench profile", "(used by bench) runs a command under the profiler", runBenchProfile},
		{"bench worker", "(used by bench) the night run or the e-mail delivery, in a process of its own", runBenchWorker},
		{"demo", "runs both sides on 127.0.0.1 with the demo school, ready for a first transfer", runDemo},

		// extranet.go; operator add in portal.go, scim-confirm in scim.go
		{"extranet night", "runs the night run once and prints its report", runExtranetNight},
		{"extranet operator add", "creates an operator account for the extranet's console", runExtranetOperatorAdd},
		{"extranet school add", "registers a school with the extranet and prints its API token", runExtranetSchoolAdd},
		{"extranet school revoke-token", "revokes a school's API tokens", runExtranetRevokeToken},
		{"extranet school rotate-token", "replaces a school's API token (the old one stops working)", runExtranetRotateToken},
		{"extranet school scim-confirm", "lets a school deactivate more users through SCIM in the next 24 hours (the guard)", runExtranetSCIMConfirm},
		{"extranet serve", "serves the extranet API and starts the night run at 02:00", runExtranetServe},

		// school.go (check, export, import), schoolserve.go (serve, user),
		// transfer.go (settings, transfer, transfers)
		{"school check", "checks the e-mail addresses and school situations before the transfer", runSchoolCheck},
		{"school export", "exports the staff and their school situations as CSV or Excel (.xlsx)", runSchoolExport},
		{"school import", "imports the staff and their school situations from a CSV file", runSchoolImport},
		{"school serve", "serves the school pages (Situation école, Extranet SeGEC) and the automatic transfer", runSchoolServe},
		{"school settings", "shows or changes the extranet's address and token, and the automatic transfer", runSchoolSettings},
		{"school transfer", "sends the staff to the Extranet SeGEC (the <Extranet SeGEC> button)", runSchoolTransfer},
		{"school transfers", "lists the transfer history, or shows one transfer (--id N)", runSchoolTransfers},
		{"school user add", "creates a user of the school pages", runSchoolUserAdd},
		{"school user password", "gives a user of the school pages a new password (a forgotten one)", runSchoolUserPassword},
	}
}

// findCommand returns the command that the longest run of leading words of
// args names, so that "extranet school add" is found before a shorter
// name, and the arguments after it.
func findCommand(args []string) (command, []string, bool) {
	for n := min(len(args), 3); n > 0; n-- {
		name := strings.Join(args[:n], " ")
		for _, c := range commands() {
			if c.name == name {
				return c, args[n:], true
			}
		}
	}
	return command{}, nil, false
}

// exitError carries an exit code and an optional message for stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

func failErr(format string, args ...any) error {
	return &exitError{code: exitFailure, msg: fmt.Sprintf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.SetDefault(slog.New(warnHandler(os.Stderr)))
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv, Now: time.Now,
		SetDefaultLog: slog.SetDefault}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Run runs one command line and returns its exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Stdin == nil {
		m.Stdin = strings.NewReader("")
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		m.usage(m.Stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, rest, ok := findCommand(args)
	if !ok {
		fmt.Fprintf(m.Stderr, "Commande inconnue : %s\n\n", strings.Join(args, " "))
		m.usage(m.Stderr)
		return exitUsage
	}
	err := cmd.run(ctx, m, rest)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(m.Stderr, ee.msg)
		}
		return ee.code
	}
	fmt.Fprintf(m.Stderr, "Erreur : %v\n", err)
	return exitFailure
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: passerelle COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-24s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command takes --db URL (or PASSERELLE_DB): sqlite:PATH or postgres://…")
	fmt.Fprintln(w, "Run 'passerelle COMMAND --help' for a command's flags.")
}

// flagSet returns a flag set that reports errors instead of exiting, with
// the command's usage line.
func (m *Main) flagSet(name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: passerelle %s %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; a bad flag is a usage error (exit 2).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: exitUsage}
	}
	return nil
}

// parseNoArgs parses the flags of a command that takes no arguments besides
// them.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("argument inattendu : %s", strings.Join(fs.Args(), " "))
	}
	return nil
}

// dbFlag adds --db with its default from PASSERELLE_DB.
func (m *Main) dbFlag(fs *flag.FlagSet) *string {
	def := m.Getenv(dbEnv)
	if def == "" {
		def = defaultDBURL
	}
	return fs.String("db", def, "database URL: sqlite:PATH or postgres://… (env "+dbEnv+")")
}

// isLoopback reports whether addr (HOST:PORT) is reachable from this
// machine only: localhost, 127.0.0.0/8 or ::1. An empty host (":8081")
// listens on every interface, so it is not.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseDay parses a --today value (YYYY-MM-DD) into a clock fixed at noon,
// Europe/Brussels, of that day.
func parseDay(s string) (func() time.Time, error) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, usageErr("--today %q : écrivez la date sous la forme AAAA-MM-JJ", s)
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, frtext.Brussels)
	return func() time.Time { return t }, nil
}

// tables returns the function and situation tables: the embedded ones,
// extended with the functions of the file named by PASSERELLE_FUNCTIONS when
// it is set, so that a school can add a function code the embedded table
// lacks without a new binary.
func (m *Main) tables() (*fwb.Tables, error) {
	t := fwb.DefaultTables()
	path := m.Getenv(functionsEnv)
	if path == "" {
		return t, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, failErr("Fichier de fonctions %s (%s) illisible : %v", path, functionsEnv, err)
	}
	defer f.Close()
	if err := t.Extend(f); err != nil {
		return nil, failErr("Fichier de fonctions %s (%s) : %v", path, functionsEnv, err)
	}
	return t, nil
}
