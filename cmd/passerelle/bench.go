package main

// passerelle bench: the extranet's load generator (package bench), and the
// two internal commands it runs as children: bench worker (a night run or a
// delivery that the crash test can kill) and bench profile (a command run
// under the CPU profiler). The tool is for operators and developers: its
// output is English.

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"passerelle/bench"
)

func runBench(ctx context.Context, m *Main, args []string) error {
	cfg, jsonPath, err := parseBench(m, args)
	if err != nil {
		return err
	}
	// A closed stdout (passerelle bench | head) must not kill the benchmark
	// before it stops its children and its private cluster: with SIGPIPE
	// notified, a write to a broken pipe fails instead. (Notify, not
	// Ignore: an ignored signal would stay ignored in the children.)
	sigpipe := make(chan os.Signal, 1)
	signal.Notify(sigpipe, syscall.SIGPIPE)
	defer signal.Stop(sigpipe)
	out, err := bench.Run(ctx, cfg)
	if err != nil {
		return failErr("bench: %v", err)
	}
	if jsonPath != "" {
		if err := out.Result.WriteJSON(jsonPath); err != nil {
			return failErr("bench: writing %s: %v", jsonPath, err)
		}
	}
	writeBenchTargets(m.Stdout, cfg, out.Result)
	if out.Failed() {
		return failErr("bench: FAILED: errors or differences above (logs in %s)", out.WorkDir)
	}
	return nil
}

// parseBench reads and checks the flags of bench, and returns the
// benchmark's configuration and the file to write the result to ("" for
// none).
func parseBench(m *Main, args []string) (bench.Config, string, error) {
	fs := m.flagSet("bench", "[--db URL | --url URL --db URL] [--schools 1200] [--staff 70] [--shared 0.1] [--seed 1] [--concurrency 32] [--json FILE] [--crash N] [--durable] [--phases initial,resync,churn,night,smtp[,rollover]]",
		"Generates a deterministic synthetic network, starts an extranet server as a child\n"+
			"process on the given database (default: a private PostgreSQL cluster in a temporary\n"+
			"folder), and measures the phases: initial load, steady re-sync, churn, night run,\n"+
			"SMTP delivery; with --phases …,rollover (or rollover alone, which adds initial and night),\n"+
			"the rentrée: every school's first transfer of the next school year and its night, with\n"+
			"the e-mails written. With --crash N, kills the server (and the night and delivery\n"+
			"processes) N times under load, then checks from the database that nothing was\n"+
			"lost or done twice. On the private cluster, it first measures the floor: what\n"+
			"PostgreSQL alone needs to write the same rows, printed beside the first load and the\n"+
			"night with the ratio. Exits 1 on any error or difference.\n\n"+
			"PASSERELLE_DB is not read: a benchmark never runs on a real database by accident.")
	db := fs.String("db", "", "the extranet's database, which must hold no school: sqlite: (a file in the work folder), sqlite:PATH or postgres://… (default: a private PostgreSQL cluster)")
	target := fs.String("url", "", "the URL of an extranet already running on --db, instead of starting one")
	schools := fs.Int("schools", 1200, "number of schools")
	staff := fs.Int("staff", 70, "staff per school")
	shared := fs.Float64("shared", 0.1, "share of each school's staff who also work in another school (0 to 0.5)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic network and of the crash moments")
	conc := fs.Int("concurrency", 32, "transfers in flight at once")
	jsonPath := fs.String("json", "", "write the result as JSON to this file (shape in docs/benchmarks.md)")
	crash := fs.Int("crash", 0, "kill the extranet (SIGKILL) this many times under load, then check that nothing was lost")
	durable := fs.Bool("durable", false, "start the private PostgreSQL cluster with fsync, synchronous commits and full-page writes on, as in production")
	floorKeys := fs.String("floor-keys", bench.FloorKeysSchool, "the floor's keys: school (side by side in each index, as floor.sh) or scattered (over each index, as the network's)")
	scimRate := fs.Float64("scim-rate", 0, "with --phases scim: the pace of the requests, users a second spread over the clients (0: each client sends its next request as soon as it has the answer)")
	thin := fs.Bool("thin", false, "also measure the thinnest server (HTTP, JSON and the rows alone) for the phases initial, resync, night and scim, on the private cluster")
	phases := fs.String("phases", strings.Join(bench.DefaultPhases, ","), "phases to run, in this order (also: rollover)")
	pprofDir := fs.String("pprof", "", "write CPU profiles of the server, the workers and the load generator, and the server's heap profile, to this folder")
	workDir := fs.String("work-dir", "", "folder for the logs, the private cluster and the SQLite file (default: a temporary folder, removed after a run that passed)")
	if err := parse(fs, args); err != nil {
		return bench.Config{}, "", err
	}
	if fs.NArg() > 0 {
		return bench.Config{}, "", usageErr("unexpected argument: %s", strings.Join(fs.Args(), " "))
	}
	ps, err := bench.ParsePhases(*phases)
	if err != nil {
		return bench.Config{}, "", usageErr("%v", err)
	}
	netCfg := bench.NetworkConfig{Schools: *schools, Staff: *staff, Shared: *shared, Seed: *seed}
	if err := netCfg.Validate(); err != nil {
		return bench.Config{}, "", usageErr("%v", err)
	}
	if *conc < 1 || *crash < 0 {
		return bench.Config{}, "", usageErr("--concurrency must be at least 1, --crash 0 or more")
	}
	if *scimRate < 0 || (*scimRate > 0 && !slices.Equal(ps, []string{bench.PhaseSCIM})) {
		return bench.Config{}, "", usageErr("--scim-rate: a pace of 0 or more users a second, with --phases scim")
	}
	if *floorKeys != bench.FloorKeysSchool && *floorKeys != bench.FloorKeysScattered {
		return bench.Config{}, "", usageErr("--floor-keys: school or scattered, not %q", *floorKeys)
	}
	if *durable && *db != "" {
		return bench.Config{}, "", usageErr("--durable sets up the private cluster: leave out --db")
	}
	if *target != "" && (*crash > 0 || *db == "") {
		return bench.Config{}, "", usageErr("--url needs --db (the database of that extranet) and excludes --crash (the benchmark can only kill the extranet it starts)")
	}
	exe, err := os.Executable()
	if err != nil {
		return bench.Config{}, "", failErr("bench: cannot find the passerelle binary to start the extranet: %v", err)
	}
	cfg := bench.Config{
		Network: netCfg, DB: *db, URL: *target, Concurrency: *conc, Phases: ps, Crash: *crash, Durable: *durable, Thin: *thin, FloorKeys: *floorKeys, SCIMRate: *scimRate,
		Exec:       func(args ...string) *exec.Cmd { return exec.Command(exe, args...) },
		WorkDir:    *workDir,
		ProfileDir: *pprofDir,
		Out:        m.Stdout,
		Log:        m.Stderr,
	}
	if f, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		cfg.Progress = m.Stderr
	}
	return cfg, *jsonPath, nil
}

// writeBenchTargets compares the result with the targets, which are set
// for the default network; a run that killed the server is not compared.
func writeBenchTargets(w io.Writer, cfg bench.Config, r bench.Result) {
	switch {
	case cfg.Crash > 0:
		fmt.Fprintln(w, "targets: not compared, the server was killed during the phases")
	case r.Phase(bench.PhaseSCIM) != nil:
		fmt.Fprintf(w, "targets (SCIM: %d users at 8 clients; this run: %d clients):\n", bench.SCIMUsers, r.Concurrency)
		bench.WriteTargets(w, r.Targets())
	case r.Schools != 1200 || r.StaffPerSchool != 70 || r.Concurrency != 32:
		fmt.Fprintf(w, "targets (set for 1,200 schools × 70 staff, 32 in parallel; this run: %d × %d, %d in parallel):\n",
			r.Schools, r.StaffPerSchool, r.Concurrency)
		bench.WriteTargets(w, r.Targets())
	default:
		fmt.Fprintln(w, "targets (at 1,200 schools × 70 staff, 32 in parallel):")
		bench.WriteTargets(w, r.Targets())
	}
}

func runBenchWorker(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("bench worker", "--db URL --job night|deliver [--at RFC3339] [--smtp HOST:PORT] [--die-at N [--die-before]]",
		"Runs the night run (without delivery) or the delivery of the outbox, and prints a JSON\n"+
			"report. Internal to passerelle bench, which kills it with --die-at.")
	db := fs.String("db", "", "the extranet's database")
	job := fs.String("job", "", "night or deliver")
	at := fs.String("at", "", "the night run's clock, RFC 3339 (default: now)")
	smtpAddr := fs.String("smtp", "", "the SMTP server of deliver, HOST:PORT")
	dieAt := fs.Int("die-at", 0, "kill this process (SIGKILL) at this transaction of the night run, or this e-mail marked sent")
	dieBefore := fs.Bool("die-before", false, "with --die-at: before the commit (or the mark) instead of right after")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of the job to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *db == "" || (*job != bench.JobNight && *job != bench.JobDeliver) || (*job == bench.JobDeliver && *smtpAddr == "") {
		return usageErr("bench worker: give --db, --job night or --job deliver, and --smtp for deliver")
	}
	defer m.tuneGC()()
	cfg := bench.WorkerConfig{DB: *db, Job: *job, SMTP: *smtpAddr, DieAt: *dieAt, DieBefore: *dieBefore, CPUProfile: *cpu}
	if *at != "" {
		t, err := time.Parse(time.RFC3339Nano, *at)
		if err != nil {
			return usageErr("--at %q: RFC 3339 expected", *at)
		}
		cfg.At = t
	}
	if err := bench.RunWorker(ctx, cfg, m.Stdout); err != nil {
		return failErr("bench worker: %v", err)
	}
	return nil
}

func runBenchProfile(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("bench profile", "--cpuprofile FILE [--memprofile FILE] -- COMMAND…",
		"Runs a passerelle command under the CPU profiler, and writes a heap profile when it ends.\n"+
			"Internal to passerelle bench --pprof.")
	cpu := fs.String("cpuprofile", "", "CPU profile file")
	mem := fs.String("memprofile", "", "heap profile file, written when the command ends")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("bench profile: give the command to run after --")
	}
	stop, err := bench.StartCPUProfile(*cpu)
	if err != nil {
		return failErr("bench profile: %v", err)
	}
	code := m.Run(ctx, fs.Args())
	stop()
	if *mem != "" {
		if err := bench.WriteHeapProfile(*mem); err != nil {
			return failErr("bench profile: %v", err)
		}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}
