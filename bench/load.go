package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"passerelle/apiclient"
	"passerelle/wire"
)

// retryFor bounds how long one school's transfer is tried again after
// failures that a restarted server may cure.
const retryFor = 2 * time.Minute

// transfers runs one transfer phase: every school sends snaps[i],
// Concurrency at a time, and the extranet must answer want(i).
func (r *runner) transfers(ctx context.Context, name string, snaps []wire.Snapshot, want func(int) wire.Counts) (Phase, error) {
	n := len(snaps)
	p := Phase{Name: name, Transfers: n}
	for _, s := range snaps {
		p.Records += len(s.Staff)
	}
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var next, done, errs atomic.Int64
	prog := startProgress(r.cfg.Progress, name, n, func() int { return int(done.Load()) })
	start := time.Now()
	var wg sync.WaitGroup
	for range min(r.cfg.Concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				d, err := r.transferOne(ctx, name, i, &snaps[i], want(i))
				lat[i], ok[i] = d, err == nil
				if err != nil && ctx.Err() == nil {
					errs.Add(1)
					r.noteError("%s, FASE %d: %v", name, r.net.Schools[i].FASE, err)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	prog.end()
	if ctx.Err() != nil {
		return p, context.Cause(ctx)
	}
	p.Errors = int(errs.Load())
	var good []time.Duration
	for i, d := range lat {
		if ok[i] {
			good = append(good, d)
		}
	}
	p.finish(elapsed, good)
	return p, nil
}

// transferOne sends school i's snapshot until the extranet answers, with
// the same Idempotency-Key at every attempt, so that an attempt the
// extranet applied before it was killed is answered, not applied again.
// The latency runs from the first attempt to the answer.
func (r *runner) transferOne(ctx context.Context, phase string, i int, snap *wire.Snapshot, want wire.Counts) (time.Duration, error) {
	s := r.net.Schools[i]
	key := fmt.Sprintf("bench-%d-%s-%d", r.cfg.Network.Seed, phase, s.FASE)
	r.sent[i] = snap
	start := time.Now()
	for attempt := 1; ; attempt++ {
		res, err := r.clients[i].PutStaff(ctx, s.FASE, *snap, false, key)
		if err == nil {
			d := time.Since(start)
			r.acked[i] = snap
			r.crash.success()
			if res.Counts != want {
				return d, fmt.Errorf("the extranet answered %+v, expected %+v", res.Counts, want)
			}
			return d, nil
		}
		if !retryable(err) || ctx.Err() != nil || time.Since(start) > retryFor {
			return time.Since(start), err
		}
		r.retries.Add(1)
		var ae *apiclient.Error
		if errors.As(err, &ae) {
			// The server answered, and failed: worth telling even when a
			// retry cures it, since a school's client would see it too.
			if n := r.serverErrors.Add(1); n == 1 {
				r.firstServerError = fmt.Sprintf("FASE %d, %s: %v", s.FASE, phase, err)
			}
		}
		wait := min(25*time.Millisecond<<min(attempt-1, 5), 500*time.Millisecond)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return time.Since(start), err
		case <-t.C:
		}
	}
}

// retryable tells the failures that a later attempt may cure: no answer
// (the server is down or was killed mid-request) and 5xx answers.
func retryable(err error) bool {
	var ae *apiclient.Error
	switch {
	case apiclient.IsUnreachable(err), apiclient.IsConnectionLost(err), apiclient.IsTimeout(err):
		return true
	case errors.As(err, &ae):
		return ae.Status >= 500
	}
	return false
}

// planCrashes shares the kills between the phases: a tenth (at least one
// when there are three or more) during the night run, as many during the
// delivery, the rest against the server during the transfers. The night
// run is not killed on SQLite, where its lock is a lease that a killed run
// holds for ten minutes (by design: see extranetstore.LockNight).
func (r *runner) planCrashes() error {
	n := r.cfg.Crash
	if n == 0 {
		return nil
	}
	transferPhases := 0
	for _, p := range []string{PhaseInitial, PhaseResync, PhaseChurn} {
		if r.ran[p] {
			transferPhases++
		}
	}
	canNight := r.ran[PhaseNight] && r.kind == "postgres"
	canSMTP := r.ran[PhaseSMTP]
	if n >= 3 || transferPhases == 0 {
		if canNight {
			r.nightKills = max(1, n/10)
		}
		if canSMTP {
			r.smtpKills = max(1, n/10)
		}
	}
	server := n - r.nightKills - r.smtpKills
	if transferPhases == 0 {
		switch {
		case canNight:
			r.nightKills += server
		case canSMTP:
			r.smtpKills += server
		default:
			return errors.New("--crash: no phase to crash in (the night run is not killed on SQLite)")
		}
		server = 0
	}
	if server < 0 {
		// Fewer kills than places to put them: the server goes first.
		r.smtpKills = max(0, r.smtpKills+server)
		server = 0
	}
	total := int64(transferPhases * len(r.net.Schools))
	for range server {
		// After the t-th acknowledged transfer, t < total, so that load
		// follows every kill.
		r.killAt = append(r.killAt, 1+r.rng.Int64N(max(total-1, 1)))
	}
	slices.Sort(r.killAt)
	return nil
}

// crasher kills the server child at the planned moments of the transfer
// phases, and restarts it. Kills are counted in acknowledged transfers, so
// that at least one transfer succeeds between two kills: each kill finds a
// server at work.
type crasher struct {
	r      *runner
	cancel context.CancelCauseFunc
	ctx    context.Context

	mu        sync.Mutex
	successes int64
	next      int
	busy      bool
	done      int
	wg        sync.WaitGroup
}

func newCrasher(ctx context.Context, cancel context.CancelCauseFunc, r *runner) *crasher {
	return &crasher{r: r, ctx: ctx, cancel: cancel}
}

// success counts an acknowledged transfer, and kills the server when a
// planned moment is reached.
func (c *crasher) success() {
	if c == nil || c.r.srv == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.successes++
	if c.busy || c.next >= len(c.r.killAt) || c.successes < c.r.killAt[c.next] {
		return
	}
	c.busy = true
	c.next++
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.r.srv.kill()
		c.r.kills.Add(1)
		err := c.r.srv.start(c.ctx)
		c.mu.Lock()
		c.busy = false
		c.done++
		c.mu.Unlock()
		if err != nil {
			c.cancel(fmt.Errorf("restarting the extranet server after a kill: %w", err))
		}
	}()
}

// wait waits for a restart in progress.
func (c *crasher) wait() {
	if c != nil {
		c.wg.Wait()
	}
}

// serverKills returns how many times the server was killed.
func (c *crasher) serverKills() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}
