// The tests of package apiclient against the real server: they live here,
// beside the server and its fixtures.

package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/apiclient"
	"passerelle/extranet"
	"passerelle/internal/syncbuf"
	"passerelle/wire"
)

const secretToken = "tok-SECRET-0123456789abcdef"

// TestClientRetryAfterLostAnswer puts a proxy in front of the extranet that
// lets the first PUT reach it and be applied, then drops the answer. The
// client retries with the same Idempotency-Key: the extranet applies nothing
// more and answers the first result.
func TestClientRetryAfterLostAnswer(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, ServerOptions{})
		e.seed(faseA, 3)
		var (
			mu      sync.Mutex
			keys    []string
			answers [][]byte
		)
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			req, _ := http.NewRequestWithContext(r.Context(), r.Method, e.ts.URL+r.URL.RequestURI(), bytes.NewReader(body))
			req.Header = r.Header.Clone()
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			answers = append(answers, data)
			n := len(keys)
			mu.Unlock()
			if n == 1 {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("hijack: %v", err)
					return
				}
				conn.Close()
				return
			}
			w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
			w.WriteHeader(resp.StatusCode)
			w.Write(data)
		}))
		defer proxy.Close()

		var logs syncbuf.Buffer
		c := apiclient.NewClient(proxy.URL, e.tokenA, apiclient.WithRetries(3, 10*time.Millisecond), apiclient.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		res, err := c.PutStaff(context.Background(), faseA, snapshot(faseA, 5), false, "")
		if err != nil {
			t.Fatalf("PutStaff: %v", err)
		}
		if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
			t.Fatalf("Idempotency-Keys sent %q, want the same key twice", keys)
		}
		if !bytes.Equal(answers[0], answers[1]) {
			t.Errorf("the retry got another answer than the lost one:\n%s\n%s", answers[0], answers[1])
		}
		if res.Counts.Created != 2 || res.Counts.Unchanged != 3 || !strings.Contains(string(answers[0]), res.TransferID) {
			t.Errorf("result %+v (%s), want the first one: 2 created, 3 unchanged", res.Counts, res.TransferID)
		}
		g := e.grants()
		if len(g[0].Staff) != 5 {
			t.Errorf("%d grants after the retried transfer, want 5", len(g[0].Staff))
		}
		if !strings.Contains(logs.String(), "retrying") || strings.Contains(logs.String(), e.tokenA) {
			t.Errorf("retry log missing or holding the token:\n%s", logs.String())
		}
	})
}

// TestClientAgainstServer checks the client's typed errors on the real
// server's answers.
func TestClientAgainstServer(t *testing.T) {
	e := newEnv(t, sqliteURL(t), ServerOptions{})
	ctx := context.Background()
	e.seed(faseA, 10)
	c := apiclient.NewClient(e.ts.URL+"/", e.tokenA, apiclient.WithRetries(1, 0))

	g, err := c.Grants(ctx, faseA, "")
	if err != nil || g.SchoolYear != year || len(g.Staff) != 10 || g.Staff[0].State != extranet.GrantPending {
		t.Fatalf("Grants: %+v, %v", g, err)
	}
	if g, err := c.Grants(ctx, faseA, "2025-2026"); err != nil || len(g.Staff) != 0 || g.SchoolYear != "2025-2026" {
		t.Errorf("Grants of last year: %+v, %v", g, err)
	}

	// The guard: a typed 409 with the people.
	snap := snapshot(faseA, 10)
	snap.Staff = snap.Staff[:4]
	_, err = c.PutStaff(ctx, faseA, snap, false, "")
	var ae *apiclient.Error
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Held == nil || ae.Held.Deactivations != 6 || len(ae.Held.Changes) != 6 {
		t.Fatalf("held transfer: %#v", err)
	}
	if !strings.Contains(err.Error(), "désactiverait 6 accès") {
		t.Errorf("message %q", err)
	}
	// A dry run of the confirmed snapshot, then the confirmed one.
	snap.ConfirmDeactivations = 6
	res, err := c.PutStaff(ctx, faseA, snap, true, "")
	if err != nil || !res.DryRun || res.Counts.Deactivated != 6 {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	res, err = c.PutStaff(ctx, faseA, snap, false, "")
	if err != nil || res.DryRun || res.Counts.Deactivated != 6 {
		t.Fatalf("confirmed: %+v, %v", res, err)
	}

	// 422 with the snapshot's faults (an entry's are rejected entries).
	bad := snapshot(faseA, 2)
	bad.SchoolYear = "2026-2028"
	_, err = c.PutStaff(ctx, faseA, bad, false, "")
	if !errors.As(err, &ae) || ae.Status != 422 || len(ae.Problem.Errors) != 1 || ae.Problem.Errors[0].Index != -1 || ae.Held != nil {
		t.Fatalf("invalid snapshot: %#v", err)
	}

	// Refused tokens: typed, and the token never in the message.
	for _, tc := range []struct {
		client *apiclient.Client
		status int
	}{
		{apiclient.NewClient(e.ts.URL, secretToken, apiclient.WithRetries(1, 0)), 401},
		{apiclient.NewClient(e.ts.URL, e.tokenB, apiclient.WithRetries(1, 0)), 403},
	} {
		_, err := tc.client.PutStaff(ctx, faseA, snapshot(faseA, 1), false, "")
		if !errors.As(err, &ae) || ae.Status != tc.status || ae.Problem.Detail == "" {
			t.Errorf("want %d, got %#v", tc.status, err)
		}
		if strings.Contains(err.Error(), secretToken) || strings.Contains(err.Error(), e.tokenB) {
			t.Errorf("error %q holds the token", err)
		}
	}
}

// faultServer answers with handler and counts the attempts.
func faultServer(t *testing.T, handler func(n int, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(int(n.Add(1)), w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, &n
}

func TestClientTransportErrors(t *testing.T) {
	ctx := context.Background()
	checkNoToken := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		if strings.Contains(err.Error(), secretToken) {
			t.Errorf("error %q holds the token", err)
		}
	}

	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c := apiclient.NewClient("http://"+addr, secretToken, apiclient.WithRetries(2, time.Millisecond))
		_, err = c.PutStaff(ctx, faseA, snapshot(faseA, 1), false, "")
		checkNoToken(t, err)
		if !apiclient.IsUnreachable(err) || apiclient.IsTimeout(err) || apiclient.IsConnectionLost(err) {
			t.Errorf("%v: unreachable %v, timeout %v, lost %v", err, apiclient.IsUnreachable(err), apiclient.IsTimeout(err), apiclient.IsConnectionLost(err))
		}
		if !strings.Contains(err.Error(), "injoignable") {
			t.Errorf("message %q", err)
		}
	})

	t.Run("timeout, GET retried", func(t *testing.T) {
		release := make(chan struct{})
		ts, n := faultServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		c := apiclient.NewClient(ts.URL, secretToken, apiclient.WithTimeout(50*time.Millisecond), apiclient.WithRetries(2, time.Millisecond))
		_, err := c.Grants(ctx, faseA, "")
		checkNoToken(t, err)
		if !apiclient.IsTimeout(err) || apiclient.IsUnreachable(err) {
			t.Errorf("%v: timeout %v, unreachable %v", err, apiclient.IsTimeout(err), apiclient.IsUnreachable(err))
		}
		if n.Load() != 2 {
			t.Errorf("%d attempts, want 2", n.Load())
		}
	})

	t.Run("connection lost", func(t *testing.T) {
		ts, n := faultServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
		})
		c := apiclient.NewClient(ts.URL, secretToken, apiclient.WithRetries(3, time.Millisecond))
		_, err := c.PutStaff(ctx, faseA, snapshot(faseA, 1), false, "k")
		checkNoToken(t, err)
		if !apiclient.IsConnectionLost(err) || apiclient.IsUnreachable(err) || apiclient.IsTimeout(err) {
			t.Errorf("%v: lost %v, unreachable %v", err, apiclient.IsConnectionLost(err), apiclient.IsUnreachable(err))
		}
		if n.Load() != 3 {
			t.Errorf("%d attempts, want 3", n.Load())
		}
	})

	t.Run("5xx retried with the same key, then success", func(t *testing.T) {
		var keys []string
		var mu sync.Mutex
		ts, n := faultServer(t, func(i int, w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer "+secretToken {
				t.Errorf("Authorization %q", r.Header.Get("Authorization"))
			}
			if i < 3 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "<html>Service Unavailable</html>", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"transferId": "t-1", "counts": {"created": 1}, "futureField": true}`))
		})
		c := apiclient.NewClient(ts.URL, secretToken, apiclient.WithRetries(3, time.Millisecond))
		res, err := c.PutStaff(ctx, faseA, snapshot(faseA, 1), false, "")
		if err != nil || res.TransferID != "t-1" || res.Counts.Created != 1 {
			t.Fatalf("%+v, %v", res, err)
		}
		if n.Load() != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
			t.Errorf("%d attempts with keys %q, want 3 with one key", n.Load(), keys)
		}
	})

	t.Run("429 busy retried after Retry-After", func(t *testing.T) {
		ts, n := faultServer(t, func(i int, w http.ResponseWriter, r *http.Request) {
			if i < 2 {
				writeProblem(w, r, busy())
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"transferId": "t-2", "counts": {"unchanged": 1}}`))
		})
		c := apiclient.NewClient(ts.URL, secretToken, apiclient.WithRetries(3, time.Millisecond))
		start := time.Now()
		res, err := c.PutStaff(ctx, faseA, snapshot(faseA, 1), false, "")
		if err != nil || res.TransferID != "t-2" || n.Load() != 2 {
			t.Fatalf("%+v, %v after %d attempts", res, err, n.Load())
		}
		if d := time.Since(start); d < transferRetryAfter*time.Second {
			t.Errorf("retried after %v, before the Retry-After of %d s", d, transferRetryAfter)
		}
	})

	t.Run("proxy error page", func(t *testing.T) {
		ts, n := faultServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>Bad Gateway</html>"))
		})
		c := apiclient.NewClient(ts.URL, secretToken, apiclient.WithRetries(2, time.Millisecond))
		_, err := c.Grants(ctx, faseA, "")
		checkNoToken(t, err)
		var ae *apiclient.Error
		if !errors.As(err, &ae) || ae.Status != 502 || ae.Problem.Title == "" || ae.Problem.Detail == "" {
			t.Fatalf("%#v", err)
		}
		if n.Load() != 2 {
			t.Errorf("%d attempts, want 2", n.Load())
		}
	})

	t.Run("4xx not retried", func(t *testing.T) {
		ts, n := faultServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", wire.ProblemContentType)
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"type": "` + wire.TypeMalformedRequest + `", "title": "Demande mal formée", "status": 400, "detail": "d"}`))
		})
		c := apiclient.NewClient(ts.URL, secretToken, apiclient.WithRetries(3, time.Millisecond))
		_, err := c.PutStaff(ctx, faseA, snapshot(faseA, 1), false, "")
		var ae *apiclient.Error
		if !errors.As(err, &ae) || ae.Problem.Type != wire.TypeMalformedRequest || n.Load() != 1 {
			t.Errorf("%#v after %d attempts, want one 400", err, n.Load())
		}
	})

	t.Run("malformed answer", func(t *testing.T) {
		for _, body := range []struct{ ct, data string }{
			{"text/html", "<html>Connexion au Wi-Fi</html>"},
			{"application/json", `{"transferId": 12}`},
			{"application/json", `null`},
		} {
			ts, n := faultServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", body.ct)
				w.Write([]byte(body.data))
			})
			c := apiclient.NewClient(ts.URL, secretToken, apiclient.WithRetries(3, time.Millisecond))
			_, err := c.PutStaff(ctx, faseA, snapshot(faseA, 1), false, "")
			checkNoToken(t, err)
			if !errors.Is(err, apiclient.ErrMalformedAnswer) || n.Load() != 1 {
				t.Errorf("%s: %v after %d attempts, want ErrMalformedAnswer at once", body.data, err, n.Load())
			}
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ts, _ := faultServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		})
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		c := apiclient.NewClient(ts.URL, secretToken)
		_, err := c.Grants(cctx, faseA, "")
		if !errors.Is(err, context.Canceled) || apiclient.IsUnreachable(err) || apiclient.IsTimeout(err) {
			t.Errorf("%v", err)
		}
	})

	t.Run("bad base URL", func(t *testing.T) {
		_, err := apiclient.NewClient("extranet.example", secretToken).Grants(ctx, faseA, "")
		if err == nil || !strings.Contains(err.Error(), "adresse de l'extranet") {
			t.Errorf("%v", err)
		}
	})
}
