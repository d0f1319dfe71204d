package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds how long Serve waits, once asked to stop, for the
// requests in flight (a transfer being applied) to finish.
const ShutdownTimeout = 30 * time.Second

// Serve listens on addr and serves h until ctx is cancelled. It then stops
// accepting connections and waits up to ShutdownTimeout for the requests in
// flight to finish before closing the rest. ready, when not nil, is called
// with the address actually listened on (useful with port 0) once
// connections are accepted. It returns nil after a clean stop.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(addr string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("écoute sur %s impossible : %w", addr, err)
	}
	return serveListener(ctx, ln, h, log, ready, ShutdownTimeout)
}

// NewHTTPServer returns an http.Server for h with the timeouts that keep a
// slow or idle client from holding a connection forever. Serve uses it;
// it is exported for callers that manage their own listener (TLS).
func NewHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.Default()
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// An 8 MiB snapshot over a poor school line takes a while; the
		// bounds are generous but finite.
		ReadTimeout:    2 * time.Minute,
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func serveListener(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, ready func(string), grace time.Duration) error {
	if log == nil {
		log = slog.Default()
	}
	srv := NewHTTPServer(h, log)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	log.Info("listening", "addr", addr)
	if ready != nil {
		ready(addr)
	}
	select {
	case err := <-done:
		return fmt.Errorf("serveur HTTP arrêté : %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down, waiting for requests in flight", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		<-done
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("arrêt forcé après %s : des requêtes en cours ont été interrompues", grace)
		}
		return fmt.Errorf("arrêt du serveur HTTP : %w", err)
	}
	<-done // http.ErrServerClosed
	log.Info("stopped")
	return nil
}
