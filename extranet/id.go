package extranet

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"sync"
	"time"

	"passerelle/token"
)

// idEncoding is lower-case base32hex: its alphabet sorts like the bytes it
// encodes, so IDs sort by creation time, and it only uses the characters a
// mail.Message ID allows.
var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// idState makes the IDs of one process strictly increasing.
var idState struct {
	sync.Mutex
	ms   uint64
	tail [10]byte
}

// NewID returns a 26-character identifier: 48 bits of milliseconds since
// 1970, then 80 bits that are random for the first ID of a millisecond and
// incremented for the next ones. The IDs of a process are thus strictly
// increasing, so that the outbox is delivered in the order it was written;
// the random part makes collisions between processes negligible.
func NewID() string {
	idState.Lock()
	defer idState.Unlock()
	ms := uint64(time.Now().UnixMilli())
	if ms <= idState.ms {
		ms = idState.ms
		// Increment the 80-bit tail; overflowing it would take 2^80 IDs in
		// one millisecond.
		for i := len(idState.tail) - 1; i >= 0; i-- {
			idState.tail[i]++
			if idState.tail[i] != 0 {
				break
			}
		}
	} else {
		idState.ms = ms
		if _, err := rand.Read(idState.tail[:]); err != nil {
			// crypto/rand does not fail on supported systems (Go 1.24+).
			panic("extranet: " + err.Error())
		}
		// A clear top bit leaves room to increment without overflow.
		idState.tail[0] &= 0x7f
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	copy(b[6:], idState.tail[:])
	return idEncoding.EncodeToString(b[:])
}

// TokenPrefix starts every school API token, so that a leaked token is easy
// to recognise in logs and by secret scanners.
const TokenPrefix = "psr_"

// tokenBytes is the random part of school API tokens and sign-in links:
// 256 bits.
const tokenBytes = 32

// newToken returns a school API token: TokenPrefix and 256 random bits.
func newToken() string { return TokenPrefix + token.New(tokenBytes) }

// plausibleToken refuses at once what cannot be a token, so that garbage
// never reaches the database.
func plausibleToken(t string) bool {
	rest, ok := strings.CutPrefix(t, TokenPrefix)
	return ok && token.Plausible(rest, tokenBytes)
}
