package main

// What the long-running commands (school serve, extranet serve, demo) share:
// their listeners, their HTTP servers, the jobs that run beside them (the
// automatic transfer, the night run), and one shutdown.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"passerelle/api"
	"passerelle/extranet"
	"passerelle/mail"
)

// site is one HTTP server of a long-running command.
type site struct {
	ln net.Listener
	h  http.Handler
}

// job runs beside the servers until its context ends; an error other than
// the context's is logged.
type job func(ctx context.Context) error

// listen opens addr for the side named name ("École", "Extranet"): the
// addresses are known (port 0 in tests) before the handlers are built.
func listen(name, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, failErr("%s : écoute sur %s impossible : %v", name, addr, err)
	}
	return ln, nil
}

// serve serves the sites, with the jobs beside them, until ctx ends or a
// server fails. Once the servers accept connections it calls announce,
// which prints the addresses, then m.Ready. At the end, the jobs are
// cancelled (no new scheduled work starts) while the servers stop
// accepting and get api.ShutdownTimeout for the requests in flight (a
// transfer being applied); serve returns once both are done. It closes the
// listeners.
func (m *Main) serve(ctx context.Context, log *slog.Logger, sites []site, jobs []job, announce func()) error {
	servers := make([]*http.Server, len(sites))
	failed := make(chan error, len(sites))
	for i, s := range sites {
		servers[i] = api.NewHTTPServer(s.h, log)
		go func() {
			if err := servers[i].Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
				failed <- fmt.Errorf("serveur HTTP arrêté : %w", err)
			}
		}()
		log.Info("listening", "addr", s.ln.Addr().String())
	}
	jobCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j(jobCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("background job stopped", "err", err)
			}
		}()
	}
	announce()
	if m.Ready != nil {
		m.Ready()
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-failed:
	}
	if shutErr := shutdown(log, servers); err == nil {
		err = shutErr
	}
	stopJobs()
	wg.Wait()
	return err
}

// shutdown stops the servers together, each waiting up to
// api.ShutdownTimeout for its requests in flight.
func shutdown(log *slog.Logger, servers []*http.Server) error {
	log.Info("shutting down, waiting for requests in flight", "grace", api.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), api.ShutdownTimeout)
	defer cancel()
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Shutdown(ctx); err != nil {
				s.Close()
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("arrêt forcé après %s : des requêtes en cours ont été interrompues", api.ShutdownTimeout)
		case err != nil:
			return fmt.Errorf("arrêt du serveur HTTP : %w", err)
		}
	}
	log.Info("stopped")
	return nil
}

// nightWait bounds, at shutdown, the wait for a night run in progress: a run
// interrupted later is rolled back and done again by the next one.
const nightWait = 30 * time.Second

// nightJob is the night loop as a job. Its runs have a context of their
// own, so that a shutdown does not cut one at once: a run in progress gets
// nightWait to finish, past which it is cancelled and its current step
// rolled back.
func nightJob(m *Main, svc *extranet.Service, sender mail.Sender, at nightTime, log *slog.Logger) job {
	return func(ctx context.Context) error {
		runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
		defer stopRun()
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
				return
			case <-ctx.Done():
			}
			select {
			case <-done:
			case <-time.After(nightWait):
				log.Warn("night run still in progress at shutdown, cancelling it")
				stopRun()
			}
		}()
		nightLoop(ctx, runCtx, m, svc, sender, at, log)
		close(done)
		return nil
	}
}
