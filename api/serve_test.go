package api

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeWaitsForInFlight cancels Serve's context while a request is being
// served: new connections are refused at once, the request in flight
// finishes with its answer, then Serve returns nil.
func TestServeWaitsForInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Write([]byte("appliqué"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- Serve(ctx, "127.0.0.1:0", h, slog.New(slog.DiscardHandler), func(addr string) { addrc <- addr })
	}()
	addr := <-addrc

	type answer struct {
		body string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{string(b), err}
	}()
	<-started
	cancel()

	// The listener closes at once: a new connection is refused.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after the shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned before the request in flight finished: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	a := <-got
	if a.err != nil || a.body != "appliqué" {
		t.Fatalf("request in flight: %q, %v", a.body, a.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestServeBoundedWait checks that a request that does not finish does not
// hold the shutdown past the grace period.
func TestServeBoundedWait(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveListener(ctx, ln, h, nil, nil, 100*time.Millisecond) }()
	go http.Get("http://" + ln.Addr().String() + "/")
	<-started
	cancel()
	select {
	case err := <-served:
		if err == nil || !strings.Contains(err.Error(), "arrêt forcé") {
			t.Errorf("Serve: %v, want a forced stop", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its grace period")
	}
}

func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Serve(context.Background(), ln.Addr().String(), http.NotFoundHandler(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "écoute sur") {
		t.Errorf("Serve on a taken port: %v", err)
	}
}
