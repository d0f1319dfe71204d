package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// Phase names, in the order they run.
const (
	PhaseInitial = "initial"
	PhaseResync  = "resync"
	PhaseChurn   = "churn"
	PhaseNight   = "night"
	PhaseSMTP    = "smtp"
	// PhaseRollover is the rentrée: every school's first transfer of the
	// next school year, after a summer's changes, then the night that
	// opens it (docs/extranet.md, « La rentrée »).
	PhaseRollover = "rollover"
)

// AllPhases lists every phase in running order.
var AllPhases = []string{PhaseInitial, PhaseResync, PhaseChurn, PhaseNight, PhaseSMTP, PhaseRollover}

// DefaultPhases are the phases run when --phases is not given: all but
// the rollover, which measures another moment of the year.
var DefaultPhases = AllPhases[:5]

// Result is the outcome of a run, in the JSON shape of docs/benchmarks.md.
type Result struct {
	Schools        int     `json:"schools"`
	StaffPerSchool int     `json:"staffPerSchool"`
	Shared         float64 `json:"shared"`
	Concurrency    int     `json:"concurrency"`
	Store          string  `json:"store"`
	Phases         []Phase `json:"phases"`
	// PeakServerRSSBytes is the largest resident set of the extranet
	// server child, over every start of it (VmHWM).
	PeakServerRSSBytes int64 `json:"peakServerRSSBytes"`
	// DBBytes is the size of the database at the end: pg_database_size, or
	// the SQLite file with its WAL.
	DBBytes int64 `json:"dbBytes"`
	// Floor is what PostgreSQL alone needs for the first load and the
	// night on the same machine in the same run (floor.go); nil when not
	// measured (SQLite, or a server given by --db).
	Floor *Floor `json:"floor,omitempty"`
}

// Phase is what one phase measured. For night, Records counts the grants
// opened; for smtp, the e-mails delivered. Latencies are those of one
// school's transfer (from the first attempt to the answer, retries
// included), or of one e-mail (sent and marked) for smtp.
type Phase struct {
	Name               string  `json:"name"`
	Seconds            float64 `json:"seconds"`
	Transfers          int     `json:"transfers"`
	Records            int     `json:"records"`
	RecordsPerSecond   float64 `json:"recordsPerSecond"`
	TransfersPerSecond float64 `json:"transfersPerSecond"`
	P50Ms              float64 `json:"p50Ms"`
	P95Ms              float64 `json:"p95Ms"`
	P99Ms              float64 `json:"p99Ms"`
	Errors             int     `json:"errors"`
	// FloorSeconds and FloorRatio: the phase's floor and Seconds over it,
	// for the phases that have one (initial, night).
	FloorSeconds float64 `json:"floorSeconds,omitempty"`
	FloorRatio   float64 `json:"floorRatio,omitempty"`
	// Thin is what the thinnest server took for the same phase in the
	// same run (thin.go), with --thin, on the private cluster.
	Thin *ThinPhase `json:"thin,omitempty"`
	// Rollover only: the night's part of Seconds, the e-mails the night
	// wrote (invitations and notices), the people new or changed by the
	// summer (arrivals, role and e-mail changes: the most who may get
	// one), and the accesses renewed without an e-mail or with a notice.
	NightSeconds float64 `json:"nightSeconds,omitempty"`
	Emails       int     `json:"emails,omitempty"`
	NewOrChanged int     `json:"newOrChanged,omitempty"`
	Renewed      int     `json:"renewed,omitempty"`
	// SCIM only: the pace asked (users a second; 0 back to back), and
	// the replacements, which follow the creations at the same pace.
	Pace    float64 `json:"pace,omitempty"`
	Replace *Phase  `json:"replace,omitempty"`
}

// finish computes the rates and the percentiles of lat.
func (p *Phase) finish(d time.Duration, lat []time.Duration) {
	p.Seconds = round3(d.Seconds())
	if s := d.Seconds(); s > 0 {
		p.RecordsPerSecond = round1(float64(p.Records) / s)
		p.TransfersPerSecond = round1(float64(p.Transfers) / s)
	}
	p.P50Ms = ms(Percentile(lat, 50))
	p.P95Ms = ms(Percentile(lat, 95))
	p.P99Ms = ms(Percentile(lat, 99))
}

// Percentile returns the q-th percentile of ds (nearest rank), 0 for none.
// ds is sorted in place.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := int(math.Ceil(q / 100 * float64(len(ds))))
	return ds[min(max(rank, 1), len(ds))-1]
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
func round1(x float64) float64   { return math.Round(x*10) / 10 }
func round3(x float64) float64   { return math.Round(x*1000) / 1000 }

// WriteJSON writes r to path, indented.
func (r *Result) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Phase returns the phase of that name, or nil.
func (r *Result) Phase(name string) *Phase {
	for i := range r.Phases {
		if r.Phases[i].Name == name {
			return &r.Phases[i]
		}
	}
	return nil
}

// tableHeader is the first line of the terminal table.
const tableHeader = "phase        seconds  transfers    records   records/s  transfers/s   p50 ms   p95 ms   p99 ms  errors"

// writeRow writes one phase as a line of the terminal table.
func writeRow(w io.Writer, p Phase) {
	fmt.Fprintf(w, "%-9s %10.2f %10d %10d %11.1f %12.1f %8.1f %8.1f %8.1f %7d\n",
		p.Name, p.Seconds, p.Transfers, p.Records, p.RecordsPerSecond, p.TransfersPerSecond,
		p.P50Ms, p.P95Ms, p.P99Ms, p.Errors)
}

// WriteTable writes the whole result as the terminal table.
func (r *Result) WriteTable(w io.Writer) {
	fmt.Fprintln(w, tableHeader)
	for _, p := range r.Phases {
		writeRow(w, p)
	}
	r.writeFooter(w)
}

func (r *Result) writeFooter(w io.Writer) {
	fmt.Fprintf(w, "server peak memory (VmHWM): %s   database size: %s   store: %s\n",
		formatBytes(r.PeakServerRSSBytes), formatBytes(r.DBBytes), r.Store)
}

// formatBytes writes a size in MiB.
func formatBytes(n int64) string {
	if n <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Target is one of the figures the extranet must meet at network scale
// (1,200 schools × 70 staff, 10 % shared, 32 in parallel; issue 14).
type Target struct {
	What string
	OK   bool
	Got  string
}

// Network-scale targets (issue 14, « the September rush at the floor »).
const (
	// TargetFloorRatio bounds the first load over the floor: what
	// PostgreSQL alone needs to write the same rows in the same run.
	TargetFloorRatio = 1.5
	// TargetInitialSeconds and TargetInitialSQLiteSeconds bound the first
	// load on PostgreSQL and on SQLite.
	TargetInitialSeconds       = 2.5
	TargetInitialSQLiteSeconds = 6.0
	// TargetResyncSeconds bounds the re-sync of every school.
	TargetResyncSeconds = 0.5
	// TargetP99ResyncMs and TargetP99WriteMs bound the p99 of one
	// transfer at 32 in flight: re-sync, and first load or churn.
	TargetP99ResyncMs = 20.0
	TargetP99WriteMs  = 100.0
	// TargetNightSeconds and TargetNightSQLiteSeconds bound the night on
	// PostgreSQL and on SQLite; the night's ratio to its floor is bounded
	// by TargetFloorRatio too.
	TargetNightSeconds       = 2.5
	TargetNightSQLiteSeconds = 4.0
	// TargetServerBytes bounds the server's peak memory.
	TargetServerBytes = 64 << 20
)

// secondsBeside is the phase's time, with what the thinnest server took
// for it, and, on SQLite, the floor (the issue bounds SQLite's phases by
// time alone): a limit below the thinnest server's time is out of reach of
// any server here, and said so.
func (p *Phase) secondsBeside(floor bool, limit float64) string {
	s := fmt.Sprintf("%.2f s", p.Seconds)
	if floor && p.FloorSeconds > 0 {
		s += fmt.Sprintf(" (floor %.2f s)", p.FloorSeconds)
	}
	if p.Thin != nil {
		s += fmt.Sprintf(" (thinnest server %.2f s%s)", p.Thin.Seconds, outOfReach(p.Thin.Seconds > limit))
	}
	return s
}

// outOfReach marks a target the thinnest server misses too.
func outOfReach(missed bool) string {
	if missed {
		return ": out of reach here"
	}
	return ""
}

// Targets compares r with the network-scale targets. They are absolute
// figures, except the ratio to the floor: a smaller network meets them
// trivially, a larger one is not expected to.
func (r *Result) Targets() []Target {
	var out []Target
	p99 := func(p *Phase, limit float64) Target {
		detail := fmt.Sprintf("%.1f ms at %d in parallel", p.P99Ms, r.Concurrency)
		if p.Thin != nil && p.Thin.P99Ms > 0 {
			detail += fmt.Sprintf(" (thinnest server %.1f ms%s)", p.Thin.P99Ms, outOfReach(p.Thin.P99Ms > limit))
		}
		return Target{fmt.Sprintf("p99 of a transfer ≤ %.0f ms (%s)", limit, p.Name), p.P99Ms <= limit, detail}
	}
	sqlite := r.Store == "sqlite"
	if p := r.Phase(PhaseInitial); p != nil {
		if sqlite {
			out = append(out, Target{fmt.Sprintf("first load ≤ %.0f s (SQLite)", TargetInitialSQLiteSeconds),
				p.Seconds <= TargetInitialSQLiteSeconds, p.secondsBeside(true, TargetInitialSQLiteSeconds)})
		} else {
			out = append(out, Target{fmt.Sprintf("first load ≤ %.1f s", TargetInitialSeconds),
				p.Seconds <= TargetInitialSeconds, p.secondsBeside(false, TargetInitialSeconds)})
		}
		if p.FloorSeconds > 0 && !sqlite {
			out = append(out, Target{fmt.Sprintf("first load ≤ %.1f× its floor", TargetFloorRatio), p.FloorRatio <= TargetFloorRatio,
				fmt.Sprintf("%.1f× (floor %.2f s)", p.FloorRatio, p.FloorSeconds)})
		}
		out = append(out, p99(p, TargetP99WriteMs))
	}
	if p := r.Phase(PhaseResync); p != nil {
		out = append(out,
			Target{fmt.Sprintf("re-sync ≤ %.1f s", TargetResyncSeconds), p.Seconds <= TargetResyncSeconds, p.secondsBeside(false, TargetResyncSeconds)},
			p99(p, TargetP99ResyncMs))
	}
	if p := r.Phase(PhaseChurn); p != nil {
		out = append(out, p99(p, TargetP99WriteMs))
	}
	if p := r.Phase(PhaseNight); p != nil {
		limit, label := TargetNightSeconds, fmt.Sprintf("night ≤ %.1f s", TargetNightSeconds)
		if sqlite {
			limit, label = TargetNightSQLiteSeconds, fmt.Sprintf("night ≤ %.0f s (SQLite)", TargetNightSQLiteSeconds)
		}
		out = append(out, Target{label, p.Seconds <= limit, p.secondsBeside(sqlite, limit)})
		if p.FloorSeconds > 0 && !sqlite {
			out = append(out, Target{fmt.Sprintf("night ≤ %.1f× its floor", TargetFloorRatio), p.FloorRatio <= TargetFloorRatio,
				fmt.Sprintf("%.1f× (floor %.2f s)", p.FloorRatio, p.FloorSeconds)})
		}
	}
	if p := r.Phase(PhaseSMTP); p != nil {
		out = append(out, Target{"SMTP ≥ 300 e-mails/s", p.RecordsPerSecond >= 300, fmt.Sprintf("%.0f e-mails/s", p.RecordsPerSecond)})
	}
	if p := r.Phase(PhaseRollover); p != nil {
		out = append(out,
			Target{"rollover (transfers and night) ≤ 20 s", p.Seconds <= 20, fmt.Sprintf("%.2f s", p.Seconds)},
			Target{"rollover e-mails only to new or changed", p.Emails <= p.NewOrChanged,
				fmt.Sprintf("%d e-mails, %d new or changed, %d renewed", p.Emails, p.NewOrChanged, p.Renewed)})
	}
	if p := r.Phase(PhaseSCIM); p != nil {
		out = append(out, r.scimTargets(p)...)
	}
	if r.PeakServerRSSBytes > 0 {
		out = append(out, Target{"server memory ≤ 64 MiB", r.PeakServerRSSBytes <= TargetServerBytes, formatBytes(r.PeakServerRSSBytes)})
	}
	return out
}

// SCIM targets (issue 16): a creation or a replacement in at most
// TargetSCIMP50Ms at the median, at 8 clients; SCIMUsers users in at most
// TargetSCIMSeconds.
const (
	TargetSCIMP50Ms   = 5.0
	TargetSCIMSeconds = 5.0
)

// scimTargets compares the scim phase with its targets. The time of the
// users is a measure of capacity: a paced run takes the time its pace
// sets, and is not compared with it.
func (r *Result) scimTargets(p *Phase) []Target {
	at := fmt.Sprintf("at %d clients, back to back", r.Concurrency)
	if p.Pace > 0 {
		at = fmt.Sprintf("at %d clients, %.0f users/s", r.Concurrency, p.Pace)
	}
	var out []Target
	if p.Pace <= 0 {
		out = append(out, Target{fmt.Sprintf("%d SCIM users ≤ %.0f s", SCIMUsers, TargetSCIMSeconds),
			p.Seconds <= TargetSCIMSeconds, fmt.Sprintf("%.2f s %s", p.Seconds, at)})
	}
	p50 := func(what string, q *Phase) Target {
		detail := fmt.Sprintf("%.1f ms %s", q.P50Ms, at)
		if q.Thin != nil && q.Thin.P50Ms > 0 {
			detail += fmt.Sprintf(" (thinnest server %.1f ms, back to back)", q.Thin.P50Ms)
		}
		return Target{fmt.Sprintf("SCIM %s p50 ≤ %.0f ms", what, TargetSCIMP50Ms), q.P50Ms <= TargetSCIMP50Ms, detail}
	}
	out = append(out, p50("creation", p))
	if p.Replace != nil {
		out = append(out, p50("replacement", p.Replace))
	}
	return out
}

// WriteTargets writes the targets, one a line.
func WriteTargets(w io.Writer, ts []Target) {
	for _, t := range ts {
		mark := "met   "
		if !t.OK {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "  %s  %-42s %s\n", mark, t.What, t.Got)
	}
}

// ParsePhases reads a --phases list and checks that what a phase needs
// runs before it: resync and churn compare with the initial load, smtp
// delivers what the night wrote; rollover adds initial and night, the year
// it rolls over.
func ParsePhases(s string) ([]string, error) {
	if out, ok, err := parseSCIMPhases(s); ok {
		return out, err
	}
	want := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(AllPhases, f) {
			return nil, fmt.Errorf("--phases: unknown phase %q (phases: %s)", f, strings.Join(AllPhases, ","))
		}
		want[f] = true
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("--phases: give at least one of %s", strings.Join(AllPhases, ","))
	}
	if (want[PhaseResync] || want[PhaseChurn]) && !want[PhaseInitial] {
		return nil, fmt.Errorf("--phases: resync and churn need initial")
	}
	if want[PhaseSMTP] && !want[PhaseNight] {
		return nil, fmt.Errorf("--phases: smtp needs night")
	}
	if want[PhaseRollover] {
		// The rentrée of a network that has lived a year.
		want[PhaseInitial], want[PhaseNight] = true, true
	}
	var out []string
	for _, p := range AllPhases {
		if want[p] {
			out = append(out, p)
		}
	}
	return out, nil
}
