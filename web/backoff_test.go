package web

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	b := &Backoff{Free: 3, Base: 2 * time.Second, Max: time.Minute, Now: func() time.Time { return now }}
	attacker := BackoffKey("Direction", "192.0.2.1")
	owner := BackoffKey("direction", "198.51.100.7")
	for i := range 3 {
		if d := b.Wait(attacker); d != 0 {
			t.Fatalf("attempt %d must wait %v", i+1, d)
		}
		b.Fail(attacker)
	}
	for i, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute} {
		b.Fail(attacker)
		if d := b.Wait(attacker); d != want {
			t.Fatalf("after failure %d: wait %v, want %v", i+4, d, want)
		}
		// The owner, from another computer, is never made to wait.
		if d := b.Wait(owner); d != 0 {
			t.Fatalf("the owner must wait %v", d)
		}
	}
	now = now.Add(time.Minute)
	if d := b.Wait(attacker); d != 0 {
		t.Fatalf("still waiting %v after the delay", d)
	}
	b.Reset(attacker)
	b.Fail(attacker)
	if d := b.Wait(attacker); d != 0 {
		t.Fatalf("a reset pair waits %v after one failure", d)
	}
}

// TestBackoffFlood checks that a flood of made-up logins neither grows the
// memory past its bound nor makes a waiting pair forget its wait.
func TestBackoffFlood(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	b := &Backoff{Free: 1, Base: time.Minute, Max: time.Hour, MaxKeys: 100, Now: func() time.Time { return now }}
	key := BackoffKey("direction", "192.0.2.1")
	b.Fail(key)
	b.Fail(key)
	for i := range 10000 {
		now = now.Add(time.Millisecond)
		b.Fail(BackoffKey(fmt.Sprint("inconnu", i), "192.0.2.2"))
	}
	if d := b.Wait(key); d <= 0 {
		t.Fatal("the flood made the waiting login forget its wait")
	}
	if n, m := len(b.counted), len(b.waiting); n > 100 || m > 1000 {
		t.Fatalf("%d counted and %d waiting, bounds are 100 and 1,000", n, m)
	}
	// Waiting pairs beyond the bound: the one whose wait ends first goes.
	for i := range 2000 {
		k := BackoffKey(fmt.Sprint("attente", i), "192.0.2.3")
		b.Fail(k)
		b.Fail(k)
	}
	if m := len(b.waiting); m > 1000 {
		t.Fatalf("%d waiting, bound is 1,000", m)
	}
}

func TestWaitMessage(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second:               "Patientez 1 seconde avant",
		1500 * time.Millisecond:   "Patientez 2 secondes avant",
		time.Minute:               "Patientez 60 secondes avant",
		time.Minute + time.Second: "Patientez 2 minutes avant",
		15 * time.Minute:          "Patientez 15 minutes avant",
	} {
		if got := WaitMessage(d); !strings.Contains(got, want) {
			t.Errorf("WaitMessage(%v) = %q, want %q in it", d, got, want)
		}
	}
}
