package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGC: the extranet's long-running commands collect at GOGC=400
// under a soft limit of 48 MiB, unless the environment says otherwise, and
// the previous settings come back afterwards.
func TestTuneGC(t *testing.T) {
	current := func() (int, int64) {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p, debug.SetMemoryLimit(-1) // a negative limit reads it
	}
	p0, l0 := current()
	env := map[string]string{}
	m := &Main{Getenv: func(k string) string { return env[k] }}

	restore := m.tuneGC()
	if p, l := current(); p != serverGCPercent || l != serverMemoryLimit {
		t.Errorf("tuned: GOGC %d, limit %d; want %d, %d", p, l, serverGCPercent, serverMemoryLimit)
	}
	restore()
	if p, l := current(); p != p0 || l != l0 {
		t.Errorf("restored: GOGC %d, limit %d; want %d, %d", p, l, p0, l0)
	}

	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		env = map[string]string{k: "200"}
		restore := m.tuneGC()
		if p, l := current(); p != p0 || l != l0 {
			t.Errorf("with %s set: GOGC %d, limit %d; want them untouched (%d, %d)", k, p, l, p0, l0)
		}
		restore()
	}
	if l0 != math.MaxInt64 && l0 <= 0 {
		t.Errorf("limit before: %d", l0)
	}
}
