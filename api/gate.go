package api

import (
	"net/http"
	"strconv"
	"sync"

	"passerelle/wire"
)

// A transfer holds its body and its decoded snapshot in memory, about three
// times the body: 26 MiB for an 8 MiB snapshot. Transfers of one school are
// applied one after the other anyway (a row lock), so a school has one in
// flight; a second waits outside the server, told to come back, instead of
// inside it with its body read. The total is bounded too.
const (
	// DefaultMaxTransfers bounds the transfers read and applied at once.
	DefaultMaxTransfers = 64
	// transferRetryAfter is the Retry-After of a refused transfer, in
	// seconds: about the time a large transfer takes.
	transferRetryAfter = 2
)

// gate counts the transfers in flight, per school and in all.
type gate struct {
	max    int
	mu     sync.Mutex
	total  int
	school map[int]bool
}

func newGate(max int) *gate {
	if max <= 0 {
		max = DefaultMaxTransfers
	}
	return &gate{max: max, school: map[int]bool{}}
}

// enter reports whether a transfer of fase may start now; the caller that
// got true calls leave when done.
func (g *gate) enter(fase int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.school[fase] || g.total >= g.max {
		return false
	}
	g.school[fase] = true
	g.total++
	return true
}

func (g *gate) leave(fase int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.school, fase)
	g.total--
}

// busy is the answer to a transfer that the gate refused.
func busy() *problemError {
	p := newProblem(http.StatusTooManyRequests, wire.TypeBusy, "Transfert déjà en cours",
		"Un autre transfert de cet établissement est en cours de traitement : rien n'a été lu ni appliqué. Recommencez dans quelques secondes.",
		outcomeBusy)
	p.retryAfter = strconv.Itoa(transferRetryAfter)
	return p
}
