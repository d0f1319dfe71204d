package testkit_test

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"passerelle/internal/testkit"
	"passerelle/web"
)

func TestMain(m *testing.M) {
	testkit.CheapBcrypt()
	os.Exit(m.Run())
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	c := testkit.NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %s, want %s", got, start)
	}
	if got := c.Add(90 * time.Minute); !got.Equal(start.Add(90*time.Minute)) || !c.Now().Equal(got) {
		t.Errorf("Add returned %s, Now %s; want both %s", got, c.Now(), start.Add(90*time.Minute))
	}
	later := start.AddDate(0, 1, 0)
	c.Set(later)
	if !c.Now().Equal(later) {
		t.Errorf("after Set, Now = %s, want %s", c.Now(), later)
	}
	// Readers and writers at once: go test -race checks the lock.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(2)
		go func() { defer wg.Done(); c.Add(time.Second) }()
		go func() { defer wg.Done(); c.Now() }()
	}
	wg.Wait()
	if want := later.Add(4 * time.Second); !c.Now().Equal(want) {
		t.Errorf("after four Add(1s), Now = %s, want %s", c.Now(), want)
	}
}

func TestCheapBcrypt(t *testing.T) {
	h, err := web.HashPassword("un mot de passe sûr")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) < 7 || h[4:6] != "04" { // "$2a$04$…": bcrypt.MinCost
		t.Errorf("hash %q: cost is not bcrypt's lowest", h)
	}
}

func TestStartExtranet(t *testing.T) {
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	var mountedURL string
	var wrapped int
	var mu sync.Mutex
	x := testkit.StartExtranet(t, testkit.ExtranetOptions{
		Now:     func() time.Time { return now },
		Schools: []testkit.School{{FASE: 4242, Name: "École A"}, {FASE: 5353, Name: "École B"}},
		Mount: func(x *testkit.Extranet) {
			mountedURL = x.URL
			x.API.Mount("GET /essai", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
			}))
		},
		Wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				wrapped++
				mu.Unlock()
				h.ServeHTTP(w, r)
			})
		},
	})
	if mountedURL != x.URL || x.URL != x.Server.URL {
		t.Errorf("URL %q, seen by Mount %q, server's %q: want one address", x.URL, mountedURL, x.Server.URL)
	}
	for fase, want := range map[int]int{4242: 4242, 5353: 5353} {
		got, err := x.Service.AuthenticateSchool(context.Background(), x.Tokens[fase])
		if err != nil || got != want {
			t.Errorf("token of %d authenticates %d, %v", fase, got, err)
		}
	}
	for path, status := range map[string]int{"/healthz": http.StatusOK, "/essai": http.StatusTeapot} {
		resp, err := http.Get(x.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if wrapped != 2 {
		t.Errorf("Wrap saw %d requests, want 2", wrapped)
	}
	if !x.Service.Now().Equal(now) {
		t.Errorf("the service's clock is not Now")
	}
}
