package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"passerelle/extranet"
	"passerelle/mail"
	"passerelle/mail/smtp"
	"passerelle/store/extranetstore"
)

// Jobs of the worker child.
const (
	JobNight   = "night"
	JobDeliver = "deliver"
)

// WorkerConfig is what `passerelle bench worker` does: the night run or the
// delivery of the outbox, in a process of its own that the crash test can
// kill.
type WorkerConfig struct {
	DB  string
	Job string // JobNight or JobDeliver
	// At is the night run's clock.
	At time.Time
	// SMTP is the mail server that JobDeliver sends to.
	SMTP string
	// DieAt, when positive, makes the worker kill itself (SIGKILL) at that
	// transaction: the DieAt-th Store.Update of a night run, or the
	// DieAt-th e-mail marked sent of a delivery. DieBefore kills it before
	// the commit (inside the transaction, or between the SMTP server's
	// acceptance and the mark), otherwise right after.
	DieAt     int
	DieBefore bool
	// CPUProfile, when set, receives a CPU profile of the job.
	CPUProfile string
}

// WorkerReport is what the worker prints on stdout, as one JSON line.
type WorkerReport struct {
	Seconds     float64  `json:"seconds"`
	Activated   int      `json:"activated"`
	Modified    int      `json:"modified"`
	Accounts    int      `json:"accounts"`
	Invitations int      `json:"invitations"`
	Notices     int      `json:"notices"`
	Renewed     int      `json:"renewed"`
	Expired     int      `json:"expired"`
	Disabled    int      `json:"disabled"`
	Sent        int      `json:"sent"`
	Failed      int      `json:"failed"`
	Errors      []string `json:"errors"`
	// Latencies of one e-mail, sent and marked (deliver only).
	P50Ms float64 `json:"p50Ms"`
	P95Ms float64 `json:"p95Ms"`
	P99Ms float64 `json:"p99Ms"`
	// PeakRSSBytes is the worker's own VmHWM at the end.
	PeakRSSBytes int64 `json:"peakRSSBytes"`
}

// RunWorker runs the job of cfg and writes its WorkerReport on out.
func RunWorker(ctx context.Context, cfg WorkerConfig, out io.Writer) error {
	st, err := extranetstore.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	stopProfile, err := startCPUProfile(cfg.CPUProfile)
	if err != nil {
		return err
	}
	ds := &dyingStore{Store: st, dieAt: cfg.DieAt, before: cfg.DieBefore}
	svc := &extranet.Service{Store: ds, Log: slog.New(slog.DiscardHandler)}
	var rep WorkerReport
	start := time.Now()
	switch cfg.Job {
	case JobNight:
		ds.dieInUpdate = true
		// No sender: the night writes every e-mail to the outbox and
		// delivers nothing, which the smtp phase measures on its own.
		r, err := svc.Night(ctx, cfg.At, nil)
		if err != nil {
			stopProfile()
			return err
		}
		rep.Activated, rep.Modified, rep.Accounts = r.Activated, r.Modified, r.CreatedAccounts
		rep.Invitations, rep.Notices, rep.Errors = r.Invitations, r.Notices, r.Errors
		rep.Renewed, rep.Expired, rep.Disabled = r.Renewed, r.Expired, r.Disabled
	case JobDeliver:
		ds.dieInMark = true
		sender := &timedSender{Sender: smtp.New(smtp.Config{Addr: cfg.SMTP, StartTLS: "never"})}
		ds.marked = sender.marked
		sent, failed, err := svc.Deliver(ctx, sender)
		sender.Close()
		if err != nil {
			stopProfile()
			return err
		}
		rep.Sent, rep.Failed = sent, failed
		rep.P50Ms = ms(Percentile(sender.lat, 50))
		rep.P95Ms = ms(Percentile(sender.lat, 95))
		rep.P99Ms = ms(Percentile(sender.lat, 99))
	default:
		stopProfile()
		return fmt.Errorf("unknown job %q", cfg.Job)
	}
	rep.Seconds = round3(time.Since(start).Seconds())
	stopProfile()
	if n, err := vmHWM(os.Getpid()); err == nil {
		rep.PeakRSSBytes = n
	}
	if rep.Errors == nil {
		rep.Errors = []string{}
	}
	return json.NewEncoder(out).Encode(rep)
}

// dyingStore is the worker's store: it counts the transactions of a night
// run, or the e-mails marked sent, and kills the process at the chosen one.
type dyingStore struct {
	extranet.Store
	dieAt       int
	before      bool
	dieInUpdate bool
	dieInMark   bool
	marked      func() // called once a message is marked (latency)

	mu      sync.Mutex
	updates int
	marks   int
}

// die kills the process as hard as a power cut: no deferred function runs,
// no connection is closed politely.
func die() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}

func (d *dyingStore) Update(ctx context.Context, now time.Time, fn func(extranet.Tx) error) error {
	if !d.dieInUpdate || d.dieAt <= 0 {
		return d.Store.Update(ctx, now, fn)
	}
	d.mu.Lock()
	d.updates++
	mine := d.updates == d.dieAt
	d.mu.Unlock()
	if !mine {
		return d.Store.Update(ctx, now, fn)
	}
	err := d.Store.Update(ctx, now, func(tx extranet.Tx) error {
		err := fn(tx)
		if err == nil && d.before {
			die() // every write done, nothing committed
		}
		return err
	})
	if err == nil {
		die() // committed
	}
	return err
}

func (d *dyingStore) MarkSent(ctx context.Context, id string, at time.Time) error {
	mine := false
	if d.dieInMark && d.dieAt > 0 {
		d.mu.Lock()
		d.marks++
		mine = d.marks == d.dieAt
		d.mu.Unlock()
	}
	if mine && d.before {
		die() // accepted by the mail server, not marked: it will go again
	}
	err := d.Store.MarkSent(ctx, id, at)
	if mine {
		die()
	}
	if d.marked != nil {
		d.marked()
	}
	return err
}

// timedSender measures each e-mail from the start of its sending to its
// mark in the outbox.
type timedSender struct {
	mail.Sender
	mu    sync.Mutex
	start time.Time
	lat   []time.Duration
}

func (t *timedSender) Send(ctx context.Context, m mail.Message) error {
	t.mu.Lock()
	t.start = time.Now()
	t.mu.Unlock()
	return t.Sender.Send(ctx, m)
}

func (t *timedSender) marked() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lat = append(t.lat, time.Since(t.start))
}
