package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/internal/syncbuf"
)

// TestServe: both sites answer once announced, a job's error is logged,
// serve returns only once its jobs have ended, and the listeners are
// closed.
func TestServe(t *testing.T) {
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var sites []site
	for _, body := range []string{"école", "extranet"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		sites = append(sites, site{ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var jobDone atomic.Bool
	jobs := []job{
		func(ctx context.Context) error { return errors.New("schedule broken") },
		func(jctx context.Context) error {
			<-jctx.Done()
			time.Sleep(50 * time.Millisecond) // a step that ends after the cancel
			jobDone.Store(true)
			return jctx.Err()
		},
	}
	m := &Main{Ready: func() {
		for i, want := range []string{"école", "extranet"} {
			resp, err := http.Get("http://" + sites[i].ln.Addr().String() + "/")
			if err != nil {
				t.Errorf("site %d: %v", i, err)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != want {
				t.Errorf("site %d answered %q, want %q", i, b, want)
			}
		}
		cancel()
	}}
	announced := false
	err := m.serve(ctx, log, sites, jobs, func() { announced = true })
	if err != nil || !announced {
		t.Fatalf("serve = %v, announced %v", err, announced)
	}
	if !jobDone.Load() {
		t.Error("serve returned before its job ended")
	}
	if l := logs.String(); !strings.Contains(l, `msg="background job stopped" err="schedule broken"`) || !strings.Contains(l, "msg=stopped") {
		t.Errorf("logs:\n%s", l)
	}
	for _, s := range sites {
		if _, err := s.ln.Accept(); err == nil {
			t.Error("a listener is still open")
		}
	}
}

// TestLoggerDefault: a long-running command's logger becomes the default
// through SetDefaultLog, and a bad --log-format is a usage error.
func TestLoggerDefault(t *testing.T) {
	var got *slog.Logger
	m := &Main{Stderr: io.Discard, SetDefaultLog: func(l *slog.Logger) { got = l }}
	log, err := m.logger("json")
	if err != nil || log == nil || got != log {
		t.Fatalf("logger(json) = %v, %v; default given %v", log, err, got)
	}
	got = nil
	var ee *exitError
	if _, err := m.logger("xml"); !errors.As(err, &ee) || ee.code != exitUsage || got != nil {
		t.Errorf("logger(xml) = %v, default given %v; want a usage error and no default", err, got)
	}
}
