package bench

import (
	"slices"
	"strings"
	"testing"
)

// The targets are issue 14's: first load against an absolute bound and the
// floor, re-sync, p99 by phase, the night against an absolute bound and its
// floor, memory; SQLite has its own first-load and night bounds.
func TestTargets(t *testing.T) {
	r := Result{Store: "postgres", Concurrency: 32, PeakServerRSSBytes: 70 << 20, Phases: []Phase{
		{Name: PhaseInitial, Seconds: 2.4, FloorSeconds: 2, FloorRatio: 1.2, P99Ms: 120},
		{Name: PhaseResync, Seconds: 0.6, P99Ms: 15},
		{Name: PhaseChurn, Seconds: 3, P99Ms: 90},
		{Name: PhaseNight, Seconds: 2.6, FloorSeconds: 2, FloorRatio: 1.3},
	}}
	want := map[string]bool{
		"first load ≤ 2.5 s":                   true,
		"first load ≤ 1.5× its floor":          true,
		"p99 of a transfer ≤ 100 ms (initial)": false,
		"re-sync ≤ 0.5 s":                      false,
		"p99 of a transfer ≤ 20 ms (resync)":   true,
		"p99 of a transfer ≤ 100 ms (churn)":   true,
		"night ≤ 2.5 s":                        false,
		"night ≤ 1.5× its floor":               true,
		"server memory ≤ 64 MiB":               false,
	}
	got := r.Targets()
	if len(got) != len(want) {
		t.Fatalf("%d targets, want %d: %+v", len(got), len(want), got)
	}
	for _, tg := range got {
		ok, known := want[tg.What]
		if !known || ok != tg.OK {
			t.Errorf("%q: met %v (known %v), want %v", tg.What, tg.OK, known, ok)
		}
	}
	if !strings.Contains(got[1].Got, "1.2×") || !strings.Contains(got[1].Got, "floor 2.00 s") {
		t.Errorf("ratio written %q", got[1].Got)
	}

	r.Store = "sqlite"
	r.Phases = []Phase{{Name: PhaseInitial, Seconds: 5.5, P99Ms: 50}, {Name: PhaseNight, Seconds: 4.5}}
	got = r.Targets()
	if got[0].What != "first load ≤ 6 s (SQLite)" || !got[0].OK || len(got) != 4 {
		t.Errorf("SQLite targets = %+v", got)
	}
	if got[2].What != "night ≤ 4 s (SQLite)" || got[2].OK {
		t.Errorf("SQLite night target = %+v", got[2])
	}
}

// TestTargetsBesideTheThinnestServer: a target shows what the thinnest
// server took, and says when it missed the target too.
func TestTargetsBesideTheThinnestServer(t *testing.T) {
	r := Result{Store: "postgres", Concurrency: 32, Phases: []Phase{
		{Name: PhaseInitial, Seconds: 8, P99Ms: 600, Thin: &ThinPhase{Seconds: 4, P50Ms: 90, P99Ms: 250}},
		{Name: PhaseResync, Seconds: 4, P99Ms: 300, Thin: &ThinPhase{Seconds: 0.4, P50Ms: 9, P99Ms: 30}},
		{Name: PhaseChurn, Seconds: 5, P99Ms: 350},
	}}
	got := map[string]string{}
	for _, tg := range r.Targets() {
		got[tg.What] = tg.Got
	}
	for what, want := range map[string]string{
		"first load ≤ 2.5 s":                   "8.00 s (thinnest server 4.00 s: out of reach here)",
		"p99 of a transfer ≤ 100 ms (initial)": "600.0 ms at 32 in parallel (thinnest server 250.0 ms: out of reach here)",
		"re-sync ≤ 0.5 s":                      "4.00 s (thinnest server 0.40 s)",
		"p99 of a transfer ≤ 20 ms (resync)":   "300.0 ms at 32 in parallel (thinnest server 30.0 ms: out of reach here)",
		"p99 of a transfer ≤ 100 ms (churn)":   "350.0 ms at 32 in parallel",
	} {
		if got[what] != want {
			t.Errorf("%s: %q, want %q", what, got[what], want)
		}
	}
}

// The SCIM targets (issue 16): the time of the users back to back only (a
// paced run takes the time its pace sets), and the median creation and
// replacement, with the pace they were measured at.
func TestSCIMTargets(t *testing.T) {
	r := Result{Store: "postgres", Concurrency: 8, Phases: []Phase{
		{Name: PhaseSCIM, Seconds: 1.4, P50Ms: 8.5, Replace: &Phase{Name: "replace", Seconds: 1.5, P50Ms: 4.9}},
	}}
	got := r.Targets()
	want := []Target{
		{"1000 SCIM users ≤ 5 s", true, "1.40 s at 8 clients, back to back"},
		{"SCIM creation p50 ≤ 5 ms", false, "8.5 ms at 8 clients, back to back"},
		{"SCIM replacement p50 ≤ 5 ms", true, "4.9 ms at 8 clients, back to back"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("back to back: %+v", got)
	}
	r.Phases[0].Pace, r.Phases[0].Seconds, r.Phases[0].P50Ms = 200, 5.0, 3.1
	got = r.Targets()
	want = []Target{
		{"SCIM creation p50 ≤ 5 ms", true, "3.1 ms at 8 clients, 200 users/s"},
		{"SCIM replacement p50 ≤ 5 ms", true, "4.9 ms at 8 clients, 200 users/s"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("paced: %+v", got)
	}
}
