package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"passerelle/apiclient"
	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/store/pgcluster"
	"passerelle/wire"
)

// Config is one benchmark run.
type Config struct {
	Network NetworkConfig
	// DB is the extranet's database: "" for a private PostgreSQL cluster
	// started for the run, "sqlite:" for a SQLite file in the work
	// folder, "sqlite:PATH" or "postgres://…". It must hold no school.
	DB string
	// URL targets an extranet already running on DB instead of starting
	// one; the server's memory is then not measured, and Crash is refused.
	URL         string
	Concurrency int
	Phases      []string
	// Crash is the number of kills: see the package documentation.
	Crash int
	// Durable starts the private PostgreSQL cluster with fsync,
	// synchronous commits and full-page writes on, as in production.
	Durable bool
	// Thin also measures the thinnest server (thin.go) for the phases it
	// stands in for, on the private cluster only.
	Thin bool
	// SCIMRate paces the scim phase: users a second, spread over the
	// clients; 0 sends each client's requests back to back.
	SCIMRate float64
	// FloorKeys is how the floor makes its keys: FloorKeysSchool (the
	// default, as floor.sh) or FloorKeysScattered (floor.go).
	FloorKeys string
	// Exec runs the passerelle binary (extranet serve, bench worker).
	Exec Exec
	// WorkDir holds the logs, the private cluster and the SQLite file; a
	// new temporary folder when empty, removed after a run that passed.
	WorkDir string
	// ProfileDir, when set, receives CPU profiles of the server, the
	// workers and the load generator, and the server's heap profile.
	ProfileDir string
	// Out receives the table and the checks; Log the steps of the run;
	// Progress, when not nil, a progress bar (a terminal).
	Out, Log, Progress io.Writer
}

// Check is one verification of the end of a run.
type Check struct {
	What   string
	OK     bool
	Detail string
}

// Outcome is what Run measured and checked.
type Outcome struct {
	Result  Result
	Checks  []Check
	Kills   int // SIGKILLs actually delivered
	Retries int // transfer attempts made again after a failure
	// WorkDir is where the logs are; kept when the run failed.
	WorkDir string
}

// Failed reports whether a check failed or a phase had errors.
func (o *Outcome) Failed() bool {
	for _, c := range o.Checks {
		if !c.OK {
			return true
		}
	}
	for _, p := range o.Result.Phases {
		if p.Errors > 0 {
			return true
		}
	}
	return false
}

// runner holds a run's state.
type runner struct {
	cfg     Config
	net     *Network
	store   *extranetstore.Store
	dbURL   string
	kind    string // "postgres" or "sqlite"
	srv     *server
	target  string // the extranet's base URL
	tokens  []string
	hc      *http.Client
	clients []*apiclient.Client
	killAt  []int64    // server kills, after so many acknowledged transfers
	rng     *rand.Rand // crash moments

	// Per school: the snapshot last sent, and the last one the extranet
	// acknowledged (200).
	sent, acked []*wire.Snapshot

	crash          *crasher
	nightKills     int // kills planned during the night run
	smtpKills      int // kills planned during the delivery
	nightKillsDone int
	smtpKillsDone  int
	preMarkKill    int // delivery kills between the SMTP acceptance and the mark
	kills          atomic.Int64
	retries        atomic.Int64
	// serverErrors counts 5xx answers; firstServerError is the first,
	// written once by the goroutine that counted it.
	serverErrors     atomic.Int64
	firstServerError string
	ran              map[string]bool
	smtpCount        int // e-mails the SMTP server received
	smtpSent         int // outbox messages marked sent during the smtp phase
	rolloverEmails   int // outbox messages the rollover's night wrote
	workerPeak       int64
	cpu              *cpuMeter
	pgData           string               // the private cluster's data folder
	clusterURL       string               // the private cluster's superuser URL
	thinPhases       map[string]ThinPhase // the thinnest server's phases, with --thin
	floorBy          string               // who the floor is: "PostgreSQL alone" or "SQLite alone"
	out              Outcome
	errorLines       []string
	errMu            sync.Mutex
}

// Run runs a benchmark. It returns an error when the run could not be
// carried out; a run that went through but found differences returns an
// Outcome whose Failed is true.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	if cfg.Concurrency < 1 {
		return nil, errors.New("--concurrency: at least 1")
	}
	if cfg.Crash < 0 {
		return nil, errors.New("--crash: a number of kills, 0 or more")
	}
	if cfg.URL != "" && cfg.Crash > 0 {
		return nil, errors.New("--crash needs the extranet started by the benchmark: leave --url out")
	}
	if cfg.URL != "" && cfg.DB == "" {
		return nil, errors.New("--url needs --db, the extranet's database, to register the schools and check the results")
	}
	if len(cfg.Phases) == 0 {
		cfg.Phases = DefaultPhases
	}
	for _, w := range []*io.Writer{&cfg.Out, &cfg.Log} {
		if *w == nil {
			*w = io.Discard
		}
	}
	net, err := Generate(cfg.Network)
	if err != nil {
		return nil, err
	}

	tmp := cfg.WorkDir == ""
	if tmp {
		if cfg.WorkDir, err = os.MkdirTemp("", "passerelle-bench-"); err != nil {
			return nil, err
		}
		// Run as root, the private cluster runs as postgres, which must
		// reach its folder inside this one.
		if err := os.Chmod(cfg.WorkDir, 0o755); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, net: net, ran: map[string]bool{}}
	r.out.WorkDir = cfg.WorkDir
	r.rng = rand.New(rand.NewPCG(cfg.Network.Seed, 0x2545f4914f6cdd1d))
	for _, p := range cfg.Phases {
		r.ran[p] = true
	}

	if cfg.ProfileDir != "" {
		if err := os.MkdirAll(cfg.ProfileDir, 0o755); err != nil {
			return nil, err
		}
	}
	stopProfile, err := startCPUProfile(r.profilePath("bench-cpu.pprof"))
	if err != nil {
		return nil, err
	}
	err = r.run(ctx)
	stopProfile()
	if err == nil && tmp && !r.out.Failed() {
		os.RemoveAll(cfg.WorkDir)
	}
	if err != nil {
		return &r.out, fmt.Errorf("%w (logs in %s)", err, cfg.WorkDir)
	}
	return &r.out, nil
}

func (r *runner) profilePath(name string) string {
	if r.cfg.ProfileDir == "" {
		return ""
	}
	return filepath.Join(r.cfg.ProfileDir, name)
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Log, format+"\n", args...)
}

func (r *runner) run(ctx context.Context) error {
	stopDB, err := r.openDB(ctx)
	if err != nil {
		return err
	}
	defer stopDB()
	r.logf("Network: %s", r.net)
	if err := r.register(ctx); err != nil {
		return err
	}
	if err := r.planCrashes(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	if err := r.startServer(ctx, cancel); err != nil {
		return err
	}
	if r.srv != nil {
		defer r.srv.kill() // after a failure; stop() below otherwise
	}
	r.newClients()
	r.crash = newCrasher(ctx, cancel, r)
	r.cpu = &cpuMeter{srv: r.srv, pgData: r.pgData}

	res := &r.out.Result
	*res = Result{
		Schools: r.cfg.Network.Schools, StaffPerSchool: r.cfg.Network.Staff, Shared: r.cfg.Network.Shared,
		Concurrency: r.cfg.Concurrency, Store: r.kind, Phases: []Phase{},
	}
	fmt.Fprintf(r.cfg.Out, "machine: %s; load average at start: %s\n", machine(), loadAverage())
	fmt.Fprintf(r.cfg.Out, "database: %s\n", r.describeDB(ctx))
	if err := r.floor(ctx); err != nil {
		return err
	}
	if err := r.thin(ctx); err != nil {
		return err
	}
	if err := r.runPhases(ctx); err != nil {
		return err
	}
	r.crash.wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if r.srv != nil {
		if err := r.srv.stop(); err != nil {
			return err
		}
		res.PeakServerRSSBytes = r.srv.peakRSS()
	}
	if err := r.check(ctx); err != nil {
		return err
	}
	if res.DBBytes, err = r.store.BenchSize(ctx); err != nil {
		return err
	}
	r.writeSummary()
	return nil
}

// startServer starts the extranet server the benchmark runs against,
// unless --url gives one already running; a crash of the server cancels
// the run.
func (r *runner) startServer(ctx context.Context, cancel context.CancelCauseFunc) error {
	if r.cfg.URL != "" {
		r.target = r.cfg.URL
		return nil
	}
	r.srv = &server{exec: r.cfg.Exec, args: r.serveArgs(), logPath: filepath.Join(r.cfg.WorkDir, "server.log")}
	r.logf("Starting the extranet server (log: %s)…", r.srv.logPath)
	if err := r.srv.start(ctx); err != nil {
		return err
	}
	r.target = r.srv.URL()
	r.srv.mu.Lock()
	r.srv.onCrash = cancel
	r.srv.mu.Unlock()
	return nil
}

// runPhases runs the configured phases in order, printing a row of the
// table for each.
func (r *runner) runPhases(ctx context.Context) error {
	res := &r.out.Result
	fmt.Fprintln(r.cfg.Out, tableHeader)
	initial := r.net.Snapshots()
	for _, name := range r.cfg.Phases {
		cpu0 := r.cpu.read()
		p, err := r.runPhase(ctx, name, initial)
		if err != nil {
			return fmt.Errorf("phase %s: %w", name, err)
		}
		if r.srv != nil {
			r.srv.sample()
		}
		if f := res.Floor.of(name); f > 0 {
			p.FloorSeconds, p.FloorRatio = f, round1(p.Seconds/f)
		}
		if t, ok := r.thinPhases[name]; ok {
			p.Thin = &t
		}
		res.Phases = append(res.Phases, p)
		writeRow(r.cfg.Out, p)
		writeFloor(r.cfg.Out, p, r.floorBy)
		writeThin(r.cfg.Out, p)
		writeCPU(r.cfg.Out, r.cpu.read().sub(cpu0), time.Duration(p.Seconds*float64(time.Second)), r.pgData != "")
	}
	return nil
}

// runPhase runs phase name; initial holds the network's first snapshots,
// which the initial transfers and the re-sync send.
func (r *runner) runPhase(ctx context.Context, name string, initial []wire.Snapshot) (Phase, error) {
	switch name {
	case PhaseInitial:
		return r.transfers(ctx, name, initial, func(i int) wire.Counts {
			return wire.Counts{Created: len(initial[i].Staff)}
		})
	case PhaseResync:
		return r.transfers(ctx, name, initial, func(i int) wire.Counts {
			return wire.Counts{Unchanged: len(initial[i].Staff)}
		})
	case PhaseChurn:
		want := r.net.Churn()
		return r.transfers(ctx, name, r.net.Snapshots(), func(i int) wire.Counts { return want[i] })
	case PhaseNight:
		return r.night(ctx)
	case PhaseSMTP:
		return r.smtp(ctx)
	case PhaseRollover:
		return r.rollover(ctx)
	case PhaseSCIM:
		return r.scim(ctx)
	}
	return Phase{}, nil
}

// writeSummary prints the result's footer, then the kills, retries, server
// errors, worker memory and errors of the run.
func (r *runner) writeSummary() {
	r.out.Result.writeFooter(r.cfg.Out)
	fmt.Fprintf(r.cfg.Out, "load average at the end: %s\n", loadAverage())
	r.out.Kills = int(r.kills.Load())
	r.out.Retries = int(r.retries.Load())
	if r.cfg.Crash > 0 {
		fmt.Fprintf(r.cfg.Out, "kills: %d (server %d, night run %d, delivery %d of which %d between the SMTP acceptance and the mark)\n",
			r.out.Kills, r.crash.serverKills(), r.nightKillsDone, r.smtpKillsDone, r.preMarkKill)
	}
	if r.out.Retries > 0 {
		fmt.Fprintf(r.cfg.Out, "transfer attempts made again after a failure: %d\n", r.out.Retries)
	}
	if n := r.serverErrors.Load(); n > 0 {
		fmt.Fprintf(r.cfg.Out, "HTTP 5xx answers (each retried): %d; the first: %s\n", n, r.firstServerError)
	}
	if r.workerPeak > 0 {
		fmt.Fprintf(r.cfg.Out, "night/delivery worker peak memory (VmHWM): %s\n", formatBytes(r.workerPeak))
	}
	for _, l := range r.errorLines {
		fmt.Fprintln(r.cfg.Out, "error:", l)
	}
}

// floor measures what the database itself needs for the first load and
// the night of this network (floor.go): PostgreSQL's on the private cluster
// only, since a server given by --db may be shared; SQLite's in a file of
// the work folder.
func (r *runner) floor(ctx context.Context) error {
	if !(slices.Contains(r.cfg.Phases, PhaseInitial) || slices.Contains(r.cfg.Phases, PhaseNight)) {
		return nil
	}
	var (
		f   Floor
		err error
	)
	switch {
	case r.kind == "sqlite":
		r.logf("Measuring the floor: the same rows written by SQLite alone…")
		f, err = measureSQLiteFloor(ctx, r.cfg.WorkDir, r.cfg.Network.Schools, r.cfg.Network.Staff, r.cfg.FloorKeys == FloorKeysScattered)
		r.floorBy = "SQLite alone"
	case r.clusterURL != "":
		r.logf("Measuring the floor: the same rows written by PostgreSQL alone…")
		f, err = measureFloor(ctx, r.clusterURL, r.cfg.Network.Schools, r.cfg.Network.Staff, r.cfg.Concurrency, r.cfg.FloorKeys == FloorKeysScattered)
		r.floorBy = "PostgreSQL alone"
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	r.out.Result.Floor = &f
	clients := r.cfg.Concurrency
	if r.kind == "sqlite" {
		clients = 1
	}
	keys := "keys in school order, as floor.sh"
	if f.Keys == FloorKeysScattered {
		keys = "keys scattered as the network's"
	}
	fmt.Fprintf(r.cfg.Out, "floor (%s, same machine, same run): first load %.2f s (%d transactions of %d persons + %d grants at %d clients, %s), night %.2f s (set-based)\n",
		r.floorBy, f.Initial, r.cfg.Network.Schools, r.cfg.Network.Staff, r.cfg.Network.Staff, clients, keys, f.Night)
	return nil
}

// thin measures the thinnest server (thin.go) for the phases it stands in
// for, with --thin, on the private cluster only, as the floor.
func (r *runner) thin(ctx context.Context) error {
	if !r.cfg.Thin || r.clusterURL == "" || !slices.ContainsFunc(thinPhases, func(p string) bool { return slices.Contains(r.cfg.Phases, p) }) {
		return nil
	}
	r.logf("Measuring the thinnest server: HTTP, JSON and the same rows, nothing else…")
	t, err := measureThin(ctx, r.clusterURL, r.net, r.cfg.Phases, r.cfg.Concurrency)
	if err != nil {
		return err
	}
	r.thinPhases = t
	return nil
}

// openDB opens the store, starting a private PostgreSQL cluster when no
// database was given, and checks that it holds no school.
func (r *runner) openDB(ctx context.Context) (stop func(), err error) {
	stop = func() {}
	dbURL := r.cfg.DB
	switch {
	case dbURL == "":
		r.logf("Starting a private PostgreSQL cluster in %s…", filepath.Join(r.cfg.WorkDir, "pg"))
		c, err := pgcluster.Start(filepath.Join(r.cfg.WorkDir, "pg"), pgcluster.Options{Durable: r.cfg.Durable})
		if err != nil {
			return stop, fmt.Errorf("private PostgreSQL cluster: %w (give --db sqlite: or --db postgres://…)", err)
		}
		stop = func() {
			if err := c.Stop(); err != nil {
				r.logf("%v", err)
			}
		}
		r.pgData, r.clusterURL = filepath.Join(c.Dir, "data"), c.URL
		if dbURL, err = createDatabase(ctx, c.URL, "bench"); err != nil {
			stop()
			return func() {}, err
		}
	case dbURL == "sqlite:":
		dbURL = "sqlite:" + filepath.Join(r.cfg.WorkDir, "extranet.db")
	}
	r.kind = "sqlite"
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		r.kind = "postgres"
	}
	st, err := extranetstore.Open(ctx, dbURL)
	if err != nil {
		stop()
		return func() {}, fmt.Errorf("opening %s: %w", redact(dbURL), err)
	}
	schools, err := st.Schools(ctx)
	if err != nil {
		st.Close()
		stop()
		return func() {}, err
	}
	if len(schools) > 0 {
		st.Close()
		stop()
		return func() {}, fmt.Errorf("the database already holds %d schools: the benchmark needs an empty one", len(schools))
	}
	r.store, r.dbURL = st, dbURL
	stopCluster := stop
	return func() { st.Close(); stopCluster() }, nil
}

// describeDB says which database the run measures, and how durable its
// commits are, which weighs on every figure.
func (r *runner) describeDB(ctx context.Context) string {
	if r.kind != "postgres" {
		return "SQLite " + strings.TrimPrefix(r.dbURL, "sqlite:") + " (WAL, synchronous=NORMAL)"
	}
	settings := []string{"server_version", "fsync", "synchronous_commit", "shared_buffers"}
	vals := make([]string, len(settings))
	for i, name := range settings {
		if err := r.store.DB().R.QueryRowContext(ctx, "SHOW "+name).Scan(&vals[i]); err != nil {
			vals[i] = "?"
		}
	}
	where := "given by --db"
	if r.pgData != "" {
		where = "private cluster"
	}
	return fmt.Sprintf("PostgreSQL %s (%s), fsync=%s, synchronous_commit=%s, shared_buffers=%s", vals[0], where, vals[1], vals[2], vals[3])
}

// createDatabase creates a database on a cluster and returns its URL.
func createDatabase(ctx context.Context, clusterURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, clusterURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u, err := url.Parse(clusterURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// redact hides a password in a database URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// register adds the schools to the extranet and keeps their tokens.
func (r *runner) register(ctx context.Context) error {
	r.logf("Registering %d schools…", len(r.net.Schools))
	svc := &extranet.Service{Store: r.store, Log: slog.New(slog.DiscardHandler)}
	n := len(r.net.Schools)
	r.tokens = make([]string, n)
	r.sent = make([]*wire.Snapshot, n)
	r.acked = make([]*wire.Snapshot, n)
	par := 1
	if r.kind == "postgres" {
		par = 8
	}
	var next atomic.Int64
	errs := make(chan error, par)
	for range par {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					errs <- nil
					return
				}
				s := r.net.Schools[i]
				tok, err := svc.AddSchool(ctx, s.FASE, s.Name, "bench")
				if err != nil {
					errs <- fmt.Errorf("registering FASE %d: %w", s.FASE, err)
					return
				}
				r.tokens[i] = tok
			}
		}()
	}
	var first error
	for range par {
		if err := <-errs; err != nil && first == nil {
			first = err
			next.Store(int64(n)) // stop the others
		}
	}
	return first
}

// serveArgs are the arguments of the server child, without --addr.
func (r *runner) serveArgs() []string {
	args := []string{"extranet", "serve", "--db", r.dbURL, "--night-at", "off", "--log-format", "json"}
	if r.cfg.ProfileDir != "" {
		// The same serve command, inside a wrapper that profiles it.
		args = append([]string{"bench", "profile", "--cpuprofile", r.profilePath("server-cpu.pprof"),
			"--memprofile", r.profilePath("server-heap.pprof"), "--"}, args...)
	}
	return args
}

// newClients makes one API client per school over one shared HTTP
// transport, whose idle pool holds a connection per worker: a benchmark
// must measure the extranet, not TCP handshakes.
func (r *runner) newClients() {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * r.cfg.Concurrency,
		MaxIdleConnsPerHost: 2 * r.cfg.Concurrency,
		IdleConnTimeout:     90 * time.Second,
	}
	r.hc = &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	r.clients = make([]*apiclient.Client, len(r.tokens))
	for i, tok := range r.tokens {
		// The benchmark retries by itself (see transferOne), so that it
		// goes on until a restarted server answers.
		r.clients[i] = apiclient.NewClient(r.target, tok, apiclient.WithHTTPClient(r.hc), apiclient.WithRetries(1, 0), apiclient.WithUserAgent("passerelle-bench"))
	}
}

func (r *runner) noteError(format string, args ...any) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if len(r.errorLines) < 20 {
		r.errorLines = append(r.errorLines, fmt.Sprintf(format, args...))
	}
}
