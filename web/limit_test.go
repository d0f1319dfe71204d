package web

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	l := NewLimiter(3, 15*time.Minute)
	l.now = func() time.Time { return now }

	for i := 1; i <= 3; i++ {
		if !l.Allow("10.0.0.1") {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if l.Allow("10.0.0.1") {
		t.Fatal("4th attempt allowed")
	}
	if !l.Allow("10.0.0.2") {
		t.Fatal("another key is limited too")
	}

	// Refused attempts do not extend the window, and it reopens after it.
	now = now.Add(14 * time.Minute)
	if l.Allow("10.0.0.1") {
		t.Fatal("allowed before the window is over")
	}
	now = now.Add(time.Minute)
	if !l.Allow("10.0.0.1") {
		t.Fatal("still refused after the window")
	}

	l.Allow("10.0.0.1")
	l.Allow("10.0.0.1")
	l.Reset("10.0.0.1")
	if !l.Allow("10.0.0.1") {
		t.Fatal("refused after Reset")
	}
}

func TestLimiterMemoryBound(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	l := NewLimiter(1, time.Minute)
	l.now = func() time.Time { return now }
	l.maxKeys = 100

	for i := range 1000 {
		l.Allow(fmt.Sprint("key", i))
		now = now.Add(time.Millisecond)
	}
	if n := len(l.entries); n > 100 {
		t.Fatalf("%d keys kept, bound is 100", n)
	}
	// The most recent key is still limited; the oldest was evicted.
	if l.Allow("key999") {
		t.Error("recent key forgotten")
	}
	if !l.Allow("key0") {
		t.Error("evicted key still limited")
	}

	// Once the windows are over, pruning empties the map.
	now = now.Add(2 * time.Minute)
	l.Allow("new")
	if n := len(l.entries); n != 1 {
		t.Errorf("%d keys after every window ended, want 1", n)
	}
}

// TestLimiterFloodKeepsLimitedKeys checks that a flood of made-up keys
// cannot make the limiter forget a key over its limit.
func TestLimiterFloodKeepsLimitedKeys(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	l := NewLimiter(2, time.Hour)
	l.now = func() time.Time { return now }
	l.maxKeys = 50
	for range 3 {
		l.Allow("directeur")
	}
	for i := range 1000 {
		now = now.Add(time.Millisecond)
		l.Allow(fmt.Sprint("flood", i))
	}
	if l.Allow("directeur") {
		t.Fatal("the flood made the limiter forget a limited key")
	}
	if n := len(l.entries); n > 50 {
		t.Fatalf("%d keys kept, bound is 50", n)
	}
	// Keys over their limit are kept beyond the bound, up to ten times
	// it; then a new key is refused, none forgotten.
	for i := range 600 {
		for range 3 {
			l.Allow(fmt.Sprint("over", i))
		}
	}
	if n := len(l.entries); n > 500 {
		t.Fatalf("%d keys kept, bound is 500", n)
	}
	if l.Allow("new") {
		t.Error("a new key was let in by forgetting a limited one")
	}
	if l.Allow("directeur") {
		t.Error("the limited key was forgotten")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(50, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				ok := l.Allow("shared")
				l.Allow(fmt.Sprint(g, "-", i))
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 50 {
		t.Errorf("%d attempts allowed, want exactly 50", allowed)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		trust  bool
		remote string
		xff    []string
		want   string
	}{
		{false, "192.0.2.1:5555", nil, "192.0.2.1"},
		{false, "192.0.2.1:5555", []string{"203.0.113.9"}, "192.0.2.1"},
		{false, "[2001:db8::1]:443", nil, "2001:db8::1"},
		{false, "pipe", nil, "pipe"},
		{true, "127.0.0.1:5555", []string{"198.51.100.7, 203.0.113.9"}, "203.0.113.9"},
		{true, "127.0.0.1:5555", []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9"},
		{true, "127.0.0.1:5555", nil, "127.0.0.1"},
		{true, "127.0.0.1:5555", []string{" "}, "127.0.0.1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientIPFrom(r, tt.trust); got != tt.want {
			t.Errorf("ClientIPFrom(trust=%v, %q, %q) = %q, want %q", tt.trust, tt.remote, tt.xff, got, tt.want)
		}
		// ClientIP never trusts the header.
		if got, want := ClientIP(r), ClientIPFrom(r, false); got != want {
			t.Errorf("ClientIP(%q, %q) = %q, want %q", tt.remote, tt.xff, got, want)
		}
	}
}
