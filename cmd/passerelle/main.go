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
	"net"
	"os"
	"os/signal"
	"passerelle/fwb"
	"sort"
	"strings"
	"syscall"
	"time"

	"passerelle/frtext"
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
}

// command is one subcommand, such as "school import".
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

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
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv, Now: time.Now}
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
	// The longest run of leading words that names a command wins, so that
	// "extranet school add" is found before "extranet".
	var cmd command
	var rest []string
	for n := min(len(args), 3); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			cmd, rest = c, args[n:]
			break
		}
	}
	if cmd.run == nil {
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
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-24s %s\n", n, commands[n].summary)
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
