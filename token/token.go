// Package token makes the random secrets that Passerelle hands out (school
// API tokens, sign-in links, session and CSRF cookies) and the form they are
// stored in. It is a leaf package, so that both the extranet and the web
// layer can use it.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// New returns nBytes random bytes, URL-safe: unpadded base64url, so 32
// bytes (256 bits) give 43 characters.
func New(nBytes int) string {
	b := make([]byte, nBytes)
	rand.Read(b) // never fails since Go 1.24: it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash returns the hex SHA-256 of s: the only form of a token that is
// stored. A plain hash is enough, unlike for passwords: a token from New has
// too many random bits for anything to be guessed from its hash.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Plausible reports whether s could be a token of New(nBytes), so that odd
// values are refused before they reach a database.
func Plausible(s string, nBytes int) bool {
	return len(s) == base64.RawURLEncoding.EncodedLen(nBytes) &&
		strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}
