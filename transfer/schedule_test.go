package transfer

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/school"
	"passerelle/wire"
)

// runSchedule runs the scheduler on the fake clock until it reaches end:
// each wait the scheduler asks for moves the clock forward at once, so days
// of schedule take milliseconds.
func runSchedule(t *testing.T, e *env, end time.Time) {
	t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	s := &Scheduler{
		Runner: e.runner, Store: e.school, Now: e.clock.Now, Rescan: time.Hour,
		After: func(d time.Duration) <-chan time.Time {
			ch := make(chan time.Time, 1)
			if e.clock.Now().Add(d).After(end) {
				e.clock.Set(end)
				cancel()
				return ch
			}
			ch <- e.clock.Add(d)
			return ch
		},
	}
	if err := s.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
}

func TestScheduler(t *testing.T) {
	var failures atomic.Int32
	flaky := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if failures.Add(-1) >= 0 {
				w.Header().Set("Content-Type", wire.ProblemContentType)
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"type":"` + wire.TypeUnavailable + `","title":"Service indisponible","status":503}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, smallSchool(), flaky)
	e.clock.Set(brussels(2026, 11, 26, 10, 0)) // a Thursday
	set, err := e.school.Settings(e.ctx, testFASE)
	if err != nil {
		t.Fatal(err)
	}
	set.Auto, set.AutoConsentBy, set.AutoConsentAt = true, "Luc Lambert", e.clock.Now()
	if err := e.school.SaveSettings(e.ctx, set); err != nil {
		t.Fatal(err)
	}
	// A school that turned the schedule on without the consent recorded
	// is never transferred.
	if err := e.school.SaveSchool(e.ctx, school.School{FASE: 5353, Name: "Sans consentement"}); err != nil {
		t.Fatal(err)
	}
	if err := e.school.SaveSettings(e.ctx, school.Settings{FASE: 5353, ExtranetURL: e.ts.URL, Token: "x", Auto: true, AutoHour: 19}); err != nil {
		t.Fatal(err)
	}

	// Friday's run and its three retries fail; Monday's goes through.
	failures.Store(4)
	runSchedule(t, e, brussels(2026, 12, 1, 12, 0))
	type entry struct {
		at      string
		outcome school.TransferOutcome
	}
	want := []entry{
		{"27/11/2026 à 19:00", school.OutcomeFailed},
		{"27/11/2026 à 19:05", school.OutcomeFailed},
		{"27/11/2026 à 19:20", school.OutcomeFailed},
		{"27/11/2026 à 20:05", school.OutcomeFailed},
		{"30/11/2026 à 19:00", school.OutcomeDone},
	}
	check := func(want []entry) []school.TransferRecord {
		t.Helper()
		h := e.history()
		if len(h) != len(want) {
			for _, r := range h {
				t.Logf("%s %s %s", frtext.FormatDateTime(r.At), r.Outcome, r.Error)
			}
			t.Fatalf("%d transfers, want %d", len(h), len(want))
		}
		for i, r := range h {
			if got := frtext.FormatDateTime(r.At); got != want[i].at || r.Outcome != want[i].outcome || r.By != ByAutomatic {
				t.Errorf("transfer %d: %s %s by %s, want %s %s", i, got, r.Outcome, r.By, want[i].at, want[i].outcome)
			}
		}
		return h
	}
	h := check(want)
	if h[0].Error != "erreur de l'extranet (HTTP 503) : réessayez plus tard ; rien n'a été transféré" {
		t.Errorf("error %q", h[0].Error)
	}
	if other, err := e.school.Transfers(e.ctx, 5353, 10); err != nil || len(other) != 0 {
		t.Errorf("school without consent: %d transfers, %v", len(other), err)
	}

	// Five members leave at once: Wednesday's and Friday's runs are held
	// and never confirmed; nobody is deactivated.
	e.night()
	for _, last := range []string{"Dupont", "Lambert", "Écrivain", "Claes", "Bernard"} {
		r := e.row(last)
		r.Situation.Active = false
		e.save(r)
	}
	runSchedule(t, e, brussels(2026, 12, 5, 12, 0))
	h = check(append(want,
		entry{"02/12/2026 à 19:00", school.OutcomeHeld},
		entry{"04/12/2026 à 19:00", school.OutcomeHeld}))
	if h[5].Counts.Deactivated != 5 {
		t.Errorf("held count %d", h[5].Counts.Deactivated)
	}
	grants, err := e.svc.Grants(e.ctx, testFASE, "2026-2027")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grants.Staff {
		if g.State == "deactivated" {
			t.Errorf("%s %s deactivated by an automatic transfer", g.FirstName, g.LastName)
		}
	}
}
