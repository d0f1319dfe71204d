package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"passerelle/store/pgcluster"
)

// benchChildEnv makes this test binary act as the passerelle binary when
// passerelle bench starts it as a child (extranet serve, bench worker):
// bench re-executes os.Executable, which under go test is this binary.
const benchChildEnv = "PASSERELLE_BENCH_TEST_CHILD"

// runAsBenchChild runs the command line of a child that passerelle bench
// started, and exits, when this process is one; else it marks the
// environment so that the children it starts are.
func runAsBenchChild() {
	if os.Getenv(benchChildEnv) == "1" && len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-test.") {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv, Now: time.Now}
		code := m.Run(ctx, os.Args[1:])
		stop()
		os.Exit(code)
	}
	// The children inherit it; this process, run with -test.* flags, is
	// not one.
	os.Setenv(benchChildEnv, "1")
}

// runBenchCmd runs passerelle bench with args and returns its exit code
// and streams.
func runBenchCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code = m.Run(ctx, append([]string{"bench"}, args...))
	return code, out.String(), errb.String()
}

// runBenchDoc runs passerelle bench with args and --json, checks that it
// succeeded, and returns the JSON document and the standard output.
func runBenchDoc(t *testing.T, args ...string) (benchDoc, string) {
	t.Helper()
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	code, stdout, stderr := runBenchCmd(t, append(args, "--json", jsonPath)...)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	return benchJSON(t, jsonPath), stdout
}

// benchJSON reads the --json file and checks that it has exactly the keys
// of the JSON shape in docs/benchmarks.md.
func benchJSON(t *testing.T, path string) benchDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	want := []string{"concurrency", "dbBytes", "peakServerRSSBytes", "phases", "schools", "shared", "staffPerSchool", "store"}
	if _, ok := raw["floor"]; ok { // on SQLite, and on the private PostgreSQL cluster
		want = append(want, "floor")
		slices.Sort(want)
	}
	if got := sortedKeys(raw); !reflect.DeepEqual(got, want) {
		t.Errorf("JSON keys %v, want %v", got, want)
	}
	var phases []map[string]json.RawMessage
	json.Unmarshal(raw["phases"], &phases)
	wantPhase := []string{"errors", "name", "p50Ms", "p95Ms", "p99Ms", "records", "recordsPerSecond", "seconds", "transfers", "transfersPerSecond"}
	for _, p := range phases {
		want := slices.Clone(wantPhase)
		if _, ok := p["floorSeconds"]; ok { // initial and night, when the floor was measured
			want = append(want, "floorRatio", "floorSeconds")
		}
		if _, ok := p["thin"]; ok { // with --thin
			want = append(want, "thin")
		}
		if _, ok := p["replace"]; ok { // scim: the replacements
			want = append(want, "replace")
		}
		if _, ok := p["pace"]; ok { // scim, with --scim-rate
			want = append(want, "pace")
		}
		slices.Sort(want)
		if got := sortedKeys(p); !reflect.DeepEqual(got, want) {
			t.Errorf("phase keys %v, want %v", got, wantPhase)
		}
	}
	var doc benchDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type benchDoc struct {
	Schools, StaffPerSchool, Concurrency int
	Shared                               float64
	Store                                string
	Phases                               []benchPhase
	PeakServerRSSBytes, DBBytes          int64
	Floor                                *struct {
		Initial, Night float64
		Keys           string
	}
}

type benchPhase struct {
	Name                           string
	Seconds                        float64
	Transfers, Records, Errors     int
	RecordsPerSecond, P50Ms, P99Ms float64
	TransfersPerSecond, P95Ms      float64
	FloorSeconds, FloorRatio       float64
	Thin                           *struct{ Seconds, P50Ms, P99Ms float64 }
	Pace                           float64
	Replace                        *benchPhase
}

// Phase returns the phase of that name, or nil.
func (d benchDoc) Phase(name string) *benchPhase {
	for i := range d.Phases {
		if d.Phases[i].Name == name {
			return &d.Phases[i]
		}
	}
	return nil
}

// checkSmallRun checks a run of 5 schools × 20 staff, 10 % shared, with
// every phase.
func checkSmallRun(t *testing.T, doc benchDoc, store, stdout string) {
	t.Helper()
	if doc.Schools != 5 || doc.StaffPerSchool != 20 || doc.Shared != 0.1 || doc.Store != store || doc.Concurrency != 4 {
		t.Errorf("header: %+v", doc)
	}
	var names []string
	for _, p := range doc.Phases {
		names = append(names, p.Name)
		if p.Errors != 0 {
			t.Errorf("phase %s: %d errors", p.Name, p.Errors)
		}
		if p.Seconds <= 0 || p.Records <= 0 || p.RecordsPerSecond <= 0 {
			t.Errorf("phase %s measured nothing: %+v", p.Name, p)
		}
	}
	if want := []string{"initial", "resync", "churn", "night", "smtp"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("phases %v, want %v", names, want)
	}
	initial := doc.Phases[0]
	if initial.Transfers != 5 || initial.Records != 100 || initial.P50Ms <= 0 || initial.P99Ms < initial.P50Ms {
		t.Errorf("initial: %+v", initial)
	}
	// The night opens every live grant: the churned staff, about 100; and
	// the delivery sends one e-mail per address, at most one a grant: a
	// tenth work in two schools, each with its own address.
	night, smtp := doc.Phases[3], doc.Phases[4]
	if night.Records < 90 || night.Records > 110 || smtp.Records < 80 || smtp.Records > night.Records {
		t.Errorf("night opened %d grants, smtp delivered %d e-mails", night.Records, smtp.Records)
	}
	if doc.PeakServerRSSBytes < 5<<20 || doc.DBBytes <= 0 {
		t.Errorf("peak RSS %d, database %d bytes", doc.PeakServerRSSBytes, doc.DBBytes)
	}
	if strings.Contains(stdout, "check FAIL") || strings.Count(stdout, "check ok") < 8 {
		t.Errorf("checks:\n%s", stdout)
	}
}

func TestBenchSQLite(t *testing.T) {
	// What a killed run may leave of SQLite's floor is no obstacle.
	work := filepath.Join(t.TempDir(), "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "sqlite-floor.db"), []byte("left by a killed run"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, stdout := runBenchDoc(t, "--db", "sqlite:", "--schools", "5", "--staff", "20", "--concurrency", "4", "--work-dir", work)
	checkSmallRun(t, doc, "sqlite", stdout)
	// SQLite's floor: the same rows written by SQLite alone, in this run.
	if doc.Floor == nil || doc.Floor.Initial <= 0 || doc.Floor.Night <= 0 {
		t.Errorf("floor = %+v", doc.Floor)
	}
	for _, want := range []string{"phase        seconds", "initial ", "server peak memory (VmHWM)",
		"targets (set for 1,200 schools × 70 staff, 32 in parallel; this run: 5 × 20, 4 in parallel):",
		"floor (SQLite alone, same machine, same run): first load", "(SQLite alone, same rows, same run): ",
		"first load ≤ 6 s (SQLite)", "keys in school order, as floor.sh"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if doc.Floor != nil && doc.Floor.Keys != "school" {
		t.Errorf("floor keys %q, want %q", doc.Floor.Keys, "school")
	}
	// The floor with keys scattered as the network's.
	doc, stdout = runBenchDoc(t, "--db", "sqlite:", "--schools", "3", "--staff", "10", "--concurrency", "2", "--phases", "initial",
		"--floor-keys", "scattered")
	if doc.Floor == nil || doc.Floor.Initial <= 0 || doc.Floor.Keys != "scattered" ||
		!strings.Contains(stdout, "keys scattered as the network's") {
		t.Errorf("floor = %+v, stdout:\n%s", doc.Floor, stdout)
	}
}

// TestBenchPostgres runs on the private cluster that bench starts when no
// --db is given.
func TestBenchPostgres(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	doc, stdout := runBenchDoc(t, "--schools", "5", "--staff", "20", "--concurrency", "4", "--thin")
	checkSmallRun(t, doc, "postgres", stdout)
	// The thinnest server stands in for the first load, the re-sync and
	// the night, in the same run, and is printed beside them and the
	// targets.
	for _, name := range []string{"initial", "resync", "night"} {
		p := doc.Phase(name)
		if p == nil || p.Thin == nil || p.Thin.Seconds <= 0 || (name != "night" && (p.Thin.P50Ms <= 0 || p.Thin.P99Ms < p.Thin.P50Ms)) {
			t.Errorf("phase %s without the thinnest server: %+v", name, p)
		}
	}
	if p := doc.Phase("churn"); p == nil || p.Thin != nil {
		t.Errorf("churn: %+v", p)
	}
	if strings.Count(stdout, "\n          thinnest server ") != 3 || strings.Count(stdout, "(thinnest server ") != 3+2 ||
		!strings.Contains(stdout, "(HTTP, JSON and the rows alone, same run)") || strings.Count(stdout, "; the extranet took ") != 3 {
		t.Errorf("thinnest server lines:\n%s", stdout)
	}
	if !strings.Contains(stdout, "postgres ") {
		t.Errorf("no PostgreSQL CPU figure:\n%s", stdout)
	}
	// The floor is measured in the same run and printed beside the first
	// load and the night, with the ratio.
	if doc.Floor == nil || doc.Floor.Initial <= 0 || doc.Floor.Night <= 0 {
		t.Errorf("floor = %+v", doc.Floor)
	}
	for _, name := range []string{"initial", "night"} {
		if p := doc.Phase(name); p == nil || p.FloorSeconds <= 0 || p.FloorRatio <= 0 {
			t.Errorf("phase %s without its floor: %+v", name, p)
		}
	}
	if strings.Count(stdout, "(PostgreSQL alone, same rows, same run): ") != 2 || !strings.Contains(stdout, "floor (PostgreSQL alone, same machine, same run): first load") {
		t.Errorf("floor lines:\n%s", stdout)
	}
}

// TestBenchSCIM provisions the SCIM phase's users, with the thinnest
// server's creations beside them.
func TestBenchSCIM(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	doc, stdout := runBenchDoc(t, "--phases", "scim", "--schools", "4", "--concurrency", "4", "--thin")
	p := doc.Phase("scim")
	if len(doc.Phases) != 1 || p == nil || p.Transfers != 1000 || p.Errors != 0 || p.P50Ms <= 0 {
		t.Fatalf("phases: %+v", doc.Phases)
	}
	if p.Thin == nil || p.Thin.Seconds <= 0 || p.Thin.P50Ms <= 0 || p.Thin.P99Ms < p.Thin.P50Ms {
		t.Errorf("thinnest server: %+v", p.Thin)
	}
	for _, want := range []string{"scim: 1000 users created in ", "by 4 clients into 4 schools", "\n          thinnest server ",
		"check ok   every SCIM user is live at its school, replaced (0 of 4 schools differ)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "check FAIL") || strings.Contains(stdout, "floor") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if p.Replace == nil || p.Replace.P50Ms <= 0 || p.Pace != 0 || !strings.Contains(stdout, "1000 SCIM users ≤ 5 s") {
		t.Errorf("replacements %+v, pace %v; stdout:\n%s", p.Replace, p.Pace, stdout)
	}

	// At a pace, the users leave on time: 1,000 at 1,000 a second take a
	// second at least, twice (creations, then replacements).
	doc, stdout = runBenchDoc(t, "--phases", "scim", "--schools", "2", "--concurrency", "2", "--scim-rate", "1000")
	p = doc.Phase("scim")
	if p == nil || p.Pace != 1000 || p.Seconds < 0.999 || p.Replace == nil || p.Replace.Seconds < 0.999 || p.Errors != 0 {
		t.Fatalf("paced: %+v", p)
	}
	for _, want := range []string{"by 2 clients into 2 schools at 1000 users/s, p50 ", "SCIM creation p50 ≤ 5 ms", "at 2 clients, 1000 users/s"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("paced: stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "SCIM users ≤") {
		t.Errorf("a paced run compared with the time of the users:\n%s", stdout)
	}
}

// TestBenchCrash kills the server, the night run and the delivery, once
// each, and checks that nothing was lost or done twice.
func TestBenchCrash(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	code, stdout, stderr := runBenchCmd(t, "--schools", "8", "--staff", "20", "--concurrency", "4", "--crash", "3", "--seed", "5")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"kills: 3 (server 1, night run 1, delivery 1",
		"check ok   a night run after the crashes completes",
		"check ok   every school's grants are its last acknowledged snapshot (0 of 8 schools differ)",
		"check ok   no person duplicated",
		"check ok   every grant and account has its person and school (0 orphans)",
		"check ok   no e-mail twice in the outbox",
		"check ok   every e-mail delivered",
		"targets: not compared, the server was killed during the phases",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "check FAIL") {
		t.Errorf("a check failed:\n%s", stdout)
	}
}

func TestBenchRefusesADatabaseInUse(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "x.db")
	args := []string{"--db", db, "--schools", "2", "--staff", "5", "--phases", "initial", "--work-dir", filepath.Join(dir, "work")}
	if code, stdout, stderr := runBenchCmd(t, args...); code != exitOK {
		t.Fatalf("first run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr := runBenchCmd(t, args...)
	if code != exitFailure || !strings.Contains(stderr, "already holds 2 schools") {
		t.Errorf("second run on the same database: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--shared", "0.7"},
		{"--schools", "0"},
		{"--phases", "resync"},
		{"--phases", "initial,nap"},
		{"--concurrency", "0"},
		{"--floor-keys", "random"},
		{"--phases", "scim", "--scim-rate", "-1"},
		{"--scim-rate", "100"},
		{"unexpected"},
	} {
		if code, _, stderr := runBenchCmd(t, args...); code != exitUsage {
			t.Errorf("bench %v: exit %d, want %d; stderr:\n%s", args, code, exitUsage, stderr)
		}
	}
	for _, args := range [][]string{
		{"--url", "http://127.0.0.1:1/", "--db", "sqlite:", "--crash", "2"},
		{"--url", "http://127.0.0.1:1/"},
	} {
		if code, _, stderr := runBenchCmd(t, args...); code != exitUsage || !strings.Contains(stderr, "--url needs --db") {
			t.Errorf("bench %v: exit %d, stderr:\n%s", args, code, stderr)
		}
	}
}

// needPostgres skips the test when PostgreSQL's programs are missing,
// except under CI, where both stores must be tested.
func needPostgres(t *testing.T) {
	t.Helper()
	if _, err := pgcluster.BinDir(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required under CI: %v", err)
		}
		t.Skipf("PostgreSQL unavailable: %v", err)
	}
}

// TestBenchRollover: --phases rollover alone adds the year it rolls over
// (initial, night), then measures the network's rentrée: every entry
// created, all but the arrivals renewed, e-mails only to the people new or
// changed.
func TestBenchRollover(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "bench.json")
	code, stdout, stderr := runBenchCmd(t, "--db", "sqlite:", "--schools", "5", "--staff", "20", "--concurrency", "4",
		"--phases", "rollover", "--json", jsonPath, "--work-dir", filepath.Join(dir, "work"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Phases []struct {
			Name                          string
			Seconds, NightSeconds         float64
			Transfers, Records, Errors    int
			Emails, NewOrChanged, Renewed int
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range doc.Phases {
		names = append(names, p.Name)
	}
	if !reflect.DeepEqual(names, []string{"initial", "night", "rollover"}) {
		t.Fatalf("phases %v", names)
	}
	r := doc.Phases[2]
	if r.Transfers != 5 || r.Errors != 0 || r.NightSeconds <= 0 || r.Seconds < r.NightSeconds ||
		r.Renewed < r.Records-r.NewOrChanged || r.Emails > r.NewOrChanged || r.NewOrChanged == 0 {
		t.Errorf("rollover: %+v", r)
	}
	for _, want := range []string{"check ok   the rollover wrote e-mails only to the people new or changed",
		"check ok   an open account for every person with an access, none for those who left",
		"rollover e-mails only to new or changed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "check FAIL") || strings.Contains(stdout, "MISSED  rollover") {
		t.Errorf("a check failed:\n%s", stdout)
	}
}
