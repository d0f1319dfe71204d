package web

import (
	"strings"
	"sync"
	"time"

	"passerelle/frtext"
)

// Backoff slows down password guessing for one login from one client: after
// Free failures, each further failure makes that pair wait before its next
// attempt, twice as long each time up to Max. It never locks the login
// itself: the owner, from another computer, signs in at once, and from the
// same one after the wait. The number of logins one address may try is the
// business of a Limiter per address.
//
// Its memory is bounded by MaxKeys pairs being counted and ten times as
// many waiting. A flood of made-up logins can only make it forget pairs
// that are not waiting; past 100,000 waiting pairs (by default: 400,000
// failures, from 8,000 addresses at 50 attempts each) the one whose wait
// ends first is dropped.
type Backoff struct {
	Free    int           // failures without delay (default 3)
	Base    time.Duration // first delay (default 2 s)
	Max     time.Duration // longest delay (default 15 min)
	MaxKeys int           // default DefaultLimiterKeys
	Now     func() time.Time

	mu      sync.Mutex
	counted map[string]*backoffEntry // failures, no delay yet
	waiting map[string]*backoffEntry // a delay set
}

type backoffEntry struct {
	failures int
	last     time.Time // last failure
	until    time.Time // next attempt allowed from
}

// BackoffKey is the key of a login (case-insensitive, capped) from a client.
func BackoffKey(login, client string) string {
	return strings.ToLower(Capped(login)) + "\x00" + client
}

func (b *Backoff) init() {
	if b.counted == nil {
		b.counted, b.waiting = map[string]*backoffEntry{}, map[string]*backoffEntry{}
	}
	if b.Free <= 0 {
		b.Free = 3
	}
	if b.Base <= 0 {
		b.Base = 2 * time.Second
	}
	if b.Max <= 0 {
		b.Max = 15 * time.Minute
	}
	if b.MaxKeys <= 0 {
		b.MaxKeys = DefaultLimiterKeys
	}
	if b.Now == nil {
		b.Now = time.Now
	}
}

// Wait returns how long key must still wait before an attempt, 0 when it
// may try now. A refused attempt does not count as a failure.
func (b *Backoff) Wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	if e := b.waiting[key]; e != nil {
		if d := e.until.Sub(b.Now()); d > 0 {
			return d
		}
	}
	return 0
}

// Fail records a failed attempt of key.
func (b *Backoff) Fail(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	now := b.Now()
	b.forget(now)
	e := b.waiting[key]
	if e == nil {
		if e = b.counted[key]; e == nil {
			if len(b.counted) >= b.MaxKeys {
				dropOne(b.counted, func(e *backoffEntry) time.Time { return e.last })
			}
			e = &backoffEntry{}
			b.counted[key] = e
		}
	}
	e.failures++
	e.last = now
	if e.failures <= b.Free {
		return
	}
	delay := b.Max
	if n := e.failures - b.Free - 1; n < 20 && b.Base<<n < b.Max {
		delay = b.Base << n
	}
	e.until = now.Add(delay)
	if b.waiting[key] == nil {
		delete(b.counted, key)
		if len(b.waiting) >= overLimitFactor*b.MaxKeys {
			dropOne(b.waiting, func(e *backoffEntry) time.Time { return e.until })
		}
		b.waiting[key] = e
	}
}

// Reset forgets key, after a successful sign-in.
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	delete(b.counted, key)
	delete(b.waiting, key)
}

// forget drops the pairs without failure for Max past their wait: their
// count starts again.
func (b *Backoff) forget(now time.Time) {
	if len(b.counted)+len(b.waiting) < b.MaxKeys/2 {
		return
	}
	for _, m := range []map[string]*backoffEntry{b.counted, b.waiting} {
		for k, e := range m {
			if now.Sub(e.last) > b.Max && !now.Before(e.until) {
				delete(m, k)
			}
		}
	}
}

// dropOne deletes the entry of m whose time is earliest.
func dropOne(m map[string]*backoffEntry, at func(*backoffEntry) time.Time) {
	var first string
	var t time.Time
	for k, e := range m {
		if first == "" || at(e).Before(t) {
			first, t = k, at(e)
		}
	}
	delete(m, first)
}

// WaitMessage is the French answer to an attempt that must wait d: the wait
// rounded up to the second, or to the minute beyond one.
func WaitMessage(d time.Duration) string {
	wait := frtext.Plural(int((d+time.Second-1)/time.Second), "seconde", "secondes")
	if d > time.Minute {
		wait = frtext.Plural(int((d+time.Minute-1)/time.Minute), "minute", "minutes")
	}
	return "Trop d'essais de mot de passe pour cet identifiant depuis cet ordinateur. Patientez " + wait + " avant de réessayer."
}
