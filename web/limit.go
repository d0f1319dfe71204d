package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ClientIP returns the address a request comes from, for throttling and logs:
// the host of RemoteAddr. It ignores X-Forwarded-For; a server behind a
// reverse proxy uses ClientIPFrom.
func ClientIP(r *http.Request) string { return ClientIPFrom(r, false) }

// ClientIPFrom is ClientIP for a server that may sit behind a reverse proxy:
// with trustProxy it returns the last address of X-Forwarded-For, the one
// the proxy itself added (the ones before it are whatever the client sent),
// and the host of RemoteAddr when the header is missing. Pass true only
// when the server is reachable through exactly one reverse proxy that sets
// that header; otherwise anyone could pick the address the limiter sees.
func ClientIPFrom(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// DefaultLimiterKeys bounds the memory of a Limiter: beyond it, the oldest
// windows of keys within their limit are forgotten first.
const DefaultLimiterKeys = 10000

// overLimitFactor: a Limiter keeps up to overLimitFactor × its bound of keys
// over their limit (100,000 by default, a few megabytes), never forgetting
// one for a newer key; past that, new keys are refused. Filling it takes a
// million requests from 20,000 addresses.
const overLimitFactor = 10

// Limiter counts attempts per key (an address, an identifier) and refuses
// them beyond max within a window, for example 10 sign-in attempts per
// address per 15 minutes. A window starts at a key's first attempt. It is
// safe for concurrent use, and its memory is bounded: windows that are over
// are pruned, at most DefaultLimiterKeys keys within their limit are kept,
// and keys over their limit are never forgotten before their window ends
// (up to ten times that bound), so that a flood of made-up keys cannot
// reset a limited one.
type Limiter struct {
	max    int
	window time.Duration

	mu        sync.Mutex
	entries   map[string]*limitEntry
	lastPrune time.Time
	maxKeys   int
	now       func() time.Time // tests move the clock
}

type limitEntry struct {
	start time.Time
	count int
}

// NewLimiter returns a limiter that allows max attempts per key per window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{
		max:     max,
		window:  window,
		entries: make(map[string]*limitEntry),
		maxKeys: DefaultLimiterKeys,
		now:     time.Now,
	}
}

// Allow records an attempt for key and reports whether it is within the
// limit. Refused attempts count too, so hammering does not help.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	// Prune once per window, or when full, but then at most once a second:
	// during a flood of new keys every scan would find little to drop.
	if since := now.Sub(l.lastPrune); since >= l.window || (len(l.entries) >= l.maxKeys && since >= time.Second) {
		l.prune(now)
	}
	e := l.entries[key]
	if e == nil || now.Sub(e.start) >= l.window {
		if e == nil && len(l.entries) >= l.maxKeys && !l.evictOldest() && len(l.entries) >= overLimitFactor*l.maxKeys {
			// Every key kept is over its limit, and there are many: a
			// flood of made-up keys is refused rather than let it forget
			// one of them.
			return false
		}
		e = &limitEntry{start: now}
		l.entries[key] = e
	}
	if e.count <= l.max {
		// Stop counting past max+1: the answer no longer changes, and the
		// count cannot overflow.
		e.count++
	}
	return e.count <= l.max
}

// Reset forgets key, for example after a successful sign-in.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// prune drops the windows that are over.
func (l *Limiter) prune(now time.Time) {
	for k, e := range l.entries {
		if now.Sub(e.start) >= l.window {
			delete(l.entries, k)
		}
	}
	l.lastPrune = now
}

// evictOldest drops, of the keys still within their limit, the one whose
// window started first, and reports whether there was one: a key over its
// limit is never forgotten before its window ends, or a flood of new keys
// would reset it. It runs only when maxKeys live windows exist at once, a
// flood, so a linear scan is fine.
func (l *Limiter) evictOldest() bool {
	var oldest string
	var start time.Time
	found := false
	for k, e := range l.entries {
		if e.count <= l.max && (!found || e.start.Before(start)) {
			oldest, start, found = k, e.start, true
		}
	}
	if found {
		delete(l.entries, oldest)
	}
	return found
}
