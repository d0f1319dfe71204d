package transfer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"passerelle/frtext"
	"passerelle/school"
)

// DefaultBackoff are the waits before each retry of a failed automatic
// transfer: an extranet that is down for maintenance is usually back within
// the hour, and three tries keep the history readable.
var DefaultBackoff = []time.Duration{5 * time.Minute, 15 * time.Minute, 45 * time.Minute}

// Scheduler runs the automatic transfer (transfert automatique) of every
// school of a store that turned it on and recorded the direction's consent,
// on the school's days at its hour, Europe/Brussels. A transfer the
// extranet holds for a mass deactivation is never confirmed: it stays held
// in the history for a person to confirm. A failed transfer is retried after
// each wait of Backoff; every try is in the history.
type Scheduler struct {
	Runner *Runner
	Store  school.Store
	// Now and After are the clock; tests replace them with a fake one. Nil
	// means time.Now and time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Backoff are the waits before each retry; nil means DefaultBackoff.
	Backoff []time.Duration
	// Rescan is how often the settings are read again when no transfer is
	// due sooner, so that a school that turns the schedule on or changes
	// its hour is followed without a restart. Zero means 10 minutes.
	Rescan time.Duration
	Log    *slog.Logger // nil means slog.Default()

	plans map[int]*plan
}

// plan is the scheduler's state for one school.
type plan struct {
	key     string    // the schedule it was computed for (days and hour)
	next    time.Time // the next regular run
	retry   time.Time // the next retry of a failed run, zero when none
	retries int       // retries made since the last regular run
}

// Run runs the schedule until ctx is done, and returns ctx's error. One
// Run at a time per Scheduler: it keeps the schools' plans in the value.
func (s *Scheduler) Run(ctx context.Context) error {
	s.plans = map[int]*plan{}
	for {
		wake, err := s.step(ctx)
		if err != nil {
			s.log().Error("automatic transfer: cannot read the schools", "err", err)
		}
		now := s.now()
		wait := s.rescan()
		if !wake.IsZero() && wake.Sub(now) < wait {
			wait = max(wake.Sub(now), 0)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.after(wait):
		}
	}
}

// step runs every transfer that is due and returns the earliest time one
// will be due next (zero when no school has the schedule on).
func (s *Scheduler) step(ctx context.Context) (time.Time, error) {
	schools, err := s.Store.Schools(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var wake time.Time
	seen := map[int]bool{}
	for _, sc := range schools {
		if ctx.Err() != nil {
			return wake, nil
		}
		settings, err := s.Store.Settings(ctx, sc.FASE)
		if err != nil {
			if !errors.Is(err, school.ErrNotFound) {
				s.log().Error("automatic transfer: cannot read the settings", "fase", sc.FASE, "err", err)
			}
			continue
		}
		if !AutoEnabled(settings) {
			continue
		}
		seen[sc.FASE] = true
		due := s.tick(ctx, sc.FASE, settings)
		if wake.IsZero() || due.Before(wake) {
			wake = due
		}
	}
	// A school that turned the schedule off starts afresh when it turns it
	// on again.
	for fase := range s.plans {
		if !seen[fase] {
			delete(s.plans, fase)
		}
	}
	return wake, nil
}

// tick runs the school's transfer when it is due and returns when it will
// next be.
func (s *Scheduler) tick(ctx context.Context, fase int, settings school.Settings) time.Time {
	now := s.now()
	key := scheduleKey(settings)
	p := s.plans[fase]
	if p == nil || p.key != key {
		// A first sight or a new schedule counts from now: a run missed
		// while the program was stopped is not made up, the next one comes.
		p = &plan{key: key, next: NextRun(settings, now)}
		s.plans[fase] = p
	}
	regular := !now.Before(p.next)
	retry := !p.retry.IsZero() && !now.Before(p.retry)
	if regular || retry {
		if regular {
			// A regular run replaces any retry still pending.
			p.next = NextRun(settings, now)
			p.retry, p.retries = time.Time{}, 0
		}
		out, err := s.Runner.Run(ctx, fase, Options{By: ByAutomatic})
		var te *Error
		switch {
		case err == nil && out.Held:
			s.log().Warn("automatic transfer held: the school must confirm it", "fase", fase, "deactivations", out.HeldCount)
			p.retry = time.Time{}
		case err == nil:
			p.retry = time.Time{}
		case errors.As(err, &te) && out.Record.Outcome == school.OutcomeCancelled:
			p.retry = time.Time{}
		default:
			backoff := s.backoff()
			if p.retries < len(backoff) {
				p.retry = s.now().Add(backoff[p.retries])
				p.retries++
				s.log().Warn("automatic transfer failed, retry planned", "fase", fase, "err", err,
					"retry", p.retry.Format(time.RFC3339), "attempt", p.retries)
			} else {
				p.retry = time.Time{}
				s.log().Error("automatic transfer failed, no retry before the next scheduled run", "fase", fase, "err", err,
					"next", p.next.Format(time.RFC3339))
			}
		}
	}
	if !p.retry.IsZero() && p.retry.Before(p.next) {
		return p.retry
	}
	return p.next
}

// AutoEnabled reports whether the school's automatic transfer runs: turned
// on, with the consent recorded (who and when).
func AutoEnabled(s school.Settings) bool {
	return s.Auto && s.AutoConsentBy != "" && !s.AutoConsentAt.IsZero()
}

// AutoDays returns the school's days of automatic transfer, or the default
// ones (Monday, Wednesday, Friday).
func AutoDays(s school.Settings) []time.Weekday {
	if len(s.AutoDays) == 0 {
		return school.DefaultAutoDays
	}
	return s.AutoDays
}

// AutoHour returns the school's hour of automatic transfer; an hour out of
// 0–23 gives the default one (19). The store reads absent settings as 19, so
// 0 is midnight.
func AutoHour(s school.Settings) int {
	if s.AutoHour < 0 || s.AutoHour > 23 {
		return school.DefaultAutoHour
	}
	return s.AutoHour
}

// NextRun returns the first moment strictly after t when the school's
// automatic transfer runs: one of its days at its hour, Europe/Brussels.
// The hour is wall-clock time, so a 19:00 transfer stays at 19:00 across the
// changes to and from summer time.
func NextRun(s school.Settings, t time.Time) time.Time {
	days, hour := AutoDays(s), AutoHour(s)
	local := t.In(frtext.Brussels)
	for i := 0; i <= 7; i++ {
		d := time.Date(local.Year(), local.Month(), local.Day()+i, hour, 0, 0, 0, frtext.Brussels)
		if slices.Contains(days, d.Weekday()) && d.After(t) {
			return d
		}
	}
	// Unreachable with at least one day; a week later is a safe answer.
	return t.Add(7 * 24 * time.Hour)
}

func scheduleKey(s school.Settings) string {
	return fmt.Sprint(AutoDays(s), AutoHour(s))
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) after(d time.Duration) <-chan time.Time {
	if s.After != nil {
		return s.After(d)
	}
	return time.After(d)
}

func (s *Scheduler) backoff() []time.Duration {
	if s.Backoff != nil {
		return s.Backoff
	}
	return DefaultBackoff
}

func (s *Scheduler) rescan() time.Duration {
	if s.Rescan > 0 {
		return s.Rescan
	}
	return 10 * time.Minute
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
