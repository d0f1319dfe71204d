package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Flash kinds, matching the stylesheet's .flash-info, .flash-warning,
// .flash-error and .flash-success.
const (
	FlashInfo    = "info"
	FlashWarning = "warning"
	FlashError   = "error"
	FlashSuccess = "success"
)

// Flash is a message shown once on the next page, typically after a
// redirect: « Les modifications sont enregistrées. »
type Flash struct {
	Kind string `json:"k"`
	Text string `json:"t"`
}

// flashCookieName is shared by both applications in the demo (same host);
// each only reads cookies that carry its own signature.
const flashCookieName = "flash"

// Limits that keep the cookie well under the 4 KB browsers accept.
const (
	maxFlashes    = 5
	maxFlashBytes = 400
	flashMaxAge   = 300 // seconds: a flash is for the next page, not for later
)

// FlashKey signs the flash cookie with HMAC-SHA256, so that a page never
// shows a message that this server did not write. A random key at each start
// is enough: a flash lives a few seconds.
type FlashKey []byte

// NewFlashKey returns a random 256-bit key.
func NewFlashKey() FlashKey {
	k := make(FlashKey, 32)
	rand.Read(k) // never fails since Go 1.24
	return k
}

// Middleware makes AddFlash and Flashes work for the requests it serves. It
// panics when the key is shorter than 16 bytes, at wiring time.
func (k FlashKey) Middleware(next http.Handler) http.Handler {
	if len(k) < 16 {
		panic("web: flash key shorter than 16 bytes")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &flashState{key: k}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), flashKey{}, st)))
	})
}

type flashKey struct{}

// flashState holds one request's flashes: those of the cookie it came with,
// plus those added while serving it.
type flashState struct {
	key     FlashKey
	loaded  bool
	pending []Flash
	cookie  bool // the response must clear (or has set) the cookie
}

func (st *flashState) load(r *http.Request) {
	if st.loaded {
		return
	}
	st.loaded = true
	c, err := r.Cookie(flashCookieName)
	if err != nil {
		return
	}
	if list, ok := st.decode(c.Value); ok {
		st.pending = list
		st.cookie = true
	}
}

func (st *flashState) sign(payload string) string {
	mac := hmac.New(sha256.New, st.key)
	mac.Write([]byte("flash\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (st *flashState) encode(list []Flash) string {
	b, _ := json.Marshal(list) // strings only: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + st.sign(payload)
}

func (st *flashState) decode(v string) ([]Flash, bool) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(st.sign(payload))) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, false
	}
	var list []Flash
	if json.Unmarshal(b, &list) != nil {
		return nil, false
	}
	return list, true
}

// AddFlash leaves a message for the next page that shows flashes (usually
// the one after a redirect). kind is one of FlashInfo, FlashWarning,
// FlashError or FlashSuccess; anything else counts as FlashInfo. Only the
// last few messages are kept, each cut to a few hundred bytes. It panics
// without FlashKey.Middleware, a wiring mistake that tests show at once.
func AddFlash(w http.ResponseWriter, r *http.Request, kind, text string) {
	st, _ := r.Context().Value(flashKey{}).(*flashState)
	if st == nil {
		panic("web: AddFlash without FlashKey.Middleware")
	}
	st.load(r)
	switch kind {
	case FlashInfo, FlashWarning, FlashError, FlashSuccess:
	default:
		kind = FlashInfo
	}
	st.pending = append(st.pending, Flash{Kind: kind, Text: truncate(text, maxFlashBytes)})
	if n := len(st.pending); n > maxFlashes {
		st.pending = st.pending[n-maxFlashes:]
	}
	st.cookie = true
	setFlashCookie(w, r, st.encode(st.pending), flashMaxAge)
}

// Flashes returns the pending messages and clears them, so each shows once.
// Render calls it; handlers rarely need to. Without
// FlashKey.Middleware it returns nil.
func Flashes(w http.ResponseWriter, r *http.Request) []Flash {
	st, _ := r.Context().Value(flashKey{}).(*flashState)
	if st == nil {
		return nil
	}
	st.load(r)
	list := st.pending
	st.pending = nil
	if st.cookie {
		st.cookie = false
		setFlashCookie(w, r, "", -1)
	}
	return list
}

// setFlashCookie sets the flash cookie, replacing one set earlier in the same
// response: two Set-Cookie lines for one name would leave the browser with
// whichever it reads last.
func setFlashCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	h := w.Header()
	lines := h["Set-Cookie"]
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, flashCookieName+"=") {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		h.Del("Set-Cookie")
	} else {
		h["Set-Cookie"] = kept
	}
	http.SetCookie(w, &http.Cookie{
		Name:     flashCookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		// Only on TLS requests: behind a TLS proxy the cookie goes
		// without the flag, which is harmless since it is signed and
		// holds nothing secret.
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
