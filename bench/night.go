package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/mail/smtptest"
)

// night runs the night run in a worker child until it completes, killing
// it inside or right after a transaction as many times as planned. The
// phase lasts from the first start to the end of the run that completes.
func (r *runner) night(ctx context.Context) (Phase, error) {
	p := Phase{Name: PhaseNight}
	before, err := r.store.BenchInvariants(ctx)
	if err != nil {
		return p, err
	}
	prog := startProgress(r.cfg.Progress, PhaseNight, 0, nil)
	start := time.Now()
	at := time.Now()
	for {
		die, dieBefore := 0, false
		if r.nightKillsDone < r.nightKills {
			// Any transaction of the run: the expiry, or a batch of
			// persons; the run has one more to disable orphan accounts
			// and one for its audit entry.
			pending := 0
			err := r.store.PendingPersons(ctx, fwb.SchoolYearAt(at.In(frtext.Brussels)).String(), func(*extranet.Person) { pending++ })
			if err != nil {
				prog.end()
				return p, err
			}
			batches := (pending + extranet.NightBatchSize - 1) / extranet.NightBatchSize
			die, dieBefore = 1+r.rng.IntN(1+batches), r.rng.IntN(2) == 0
		}
		rep, killed, err := r.worker(ctx, JobNight, at, "", die, dieBefore, "night")
		if killed {
			r.nightKillsDone++
			r.kills.Add(1)
			continue
		}
		if err != nil {
			prog.end()
			return p, err
		}
		for _, e := range rep.Errors {
			p.Errors++
			r.noteError("night: %s", e)
		}
		break
	}
	elapsed := time.Since(start)
	prog.end()
	after, err := r.store.BenchInvariants(ctx)
	if err != nil {
		return p, err
	}
	p.Records = after.GrantsActive - before.GrantsActive
	p.finish(elapsed, nil)
	return p, nil
}

// smtp delivers the outbox to an SMTP server of this process, through a
// worker child, over one reused connection.
func (r *runner) smtp(ctx context.Context) (Phase, error) {
	p := Phase{Name: PhaseSMTP}
	srv, err := smtptest.Start(smtptest.Options{CountOnly: true})
	if err != nil {
		return p, err
	}
	defer srv.Close()
	before, err := r.store.BenchInvariants(ctx)
	if err != nil {
		return p, err
	}
	prog := startProgress(r.cfg.Progress, PhaseSMTP, before.OutboxUnsent, srv.Count)
	start := time.Now()
	var rep WorkerReport
	for {
		die, dieBefore := 0, false
		if r.smtpKillsDone < r.smtpKills {
			v, err := r.store.BenchInvariants(ctx)
			if err != nil {
				prog.end()
				return p, err
			}
			if v.OutboxUnsent > 0 {
				die, dieBefore = 1+r.rng.IntN(v.OutboxUnsent), r.rng.IntN(2) == 0
			}
		}
		var killed bool
		rep, killed, err = r.worker(ctx, JobDeliver, time.Time{}, srv.Addr(), die, dieBefore, "deliver")
		if killed {
			r.smtpKillsDone++
			r.kills.Add(1)
			if dieBefore {
				r.preMarkKill++
			}
			continue
		}
		if err != nil {
			prog.end()
			return p, err
		}
		break
	}
	elapsed := time.Since(start)
	prog.end()
	after, err := r.store.BenchInvariants(ctx)
	if err != nil {
		return p, err
	}
	r.smtpCount = srv.Count()
	r.smtpSent = after.OutboxSent - before.OutboxSent
	p.Records = r.smtpCount
	p.Errors = rep.Failed
	p.finish(elapsed, nil)
	// The latencies of the run that completed: one e-mail, sent and marked.
	p.P50Ms, p.P95Ms, p.P99Ms = rep.P50Ms, rep.P95Ms, rep.P99Ms
	return p, nil
}

// worker runs `passerelle bench worker` and reads its report. killed tells
// that it died of the SIGKILL it was asked to give itself.
func (r *runner) worker(ctx context.Context, job string, at time.Time, smtpAddr string, die int, dieBefore bool, profile string) (rep WorkerReport, killed bool, err error) {
	args := []string{"bench", "worker", "--db", r.dbURL, "--job", job}
	if !at.IsZero() {
		args = append(args, "--at", at.Format(time.RFC3339Nano))
	}
	if smtpAddr != "" {
		args = append(args, "--smtp", smtpAddr)
	}
	if die > 0 {
		args = append(args, "--die-at", strconv.Itoa(die))
		if dieBefore {
			args = append(args, "--die-before")
		}
	} else if r.cfg.ProfileDir != "" {
		args = append(args, "--cpuprofile", r.profilePath(profile+"-cpu.pprof"))
	}
	cmd := r.cfg.Exec(args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	logPath := filepath.Join(r.cfg.WorkDir, "worker.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return rep, false, err
	}
	defer logf.Close()
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return rep, false, err
	}
	stop := context.AfterFunc(ctx, func() { cmd.Process.Kill() })
	err = cmd.Wait()
	stop()
	if ps := cmd.ProcessState; ps != nil {
		r.cpu.addEnded(ps)
	}
	if ctx.Err() != nil {
		return rep, false, context.Cause(ctx)
	}
	if die > 0 && killedBySIGKILL(err) {
		return rep, true, nil
	}
	if err != nil {
		return rep, false, fmt.Errorf("bench worker --job %s: %v\n%s", job, err, tail(logPath, 2048))
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return rep, false, fmt.Errorf("bench worker --job %s: unreadable report %q: %w", job, out.String(), err)
	}
	r.workerPeak = max(r.workerPeak, rep.PeakRSSBytes)
	return rep, false, nil
}
