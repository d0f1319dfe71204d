package web

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// BcryptCost is the bcrypt work factor of HashPassword. Tests lower it once,
// in TestMain (internal/testkit.CheapBcrypt), to stay fast; production
// keeps 12, about a quarter of a second per sign-in on a small server.
var BcryptCost = 12

// Password length limits. bcrypt reads at most 72 bytes, and a longer
// password would be silently cut, so it is refused instead.
const (
	MinPasswordLength = 10 // characters
	MaxPasswordBytes  = 72
)

// ValidatePassword checks a new password; its error is an *Error whose
// message (French) can be shown next to the field.
func ValidatePassword(pw string) error {
	pw = norm.NFC.String(pw)
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return &Error{Status: 400, Message: "Le mot de passe doit compter au moins 10 caractères."}
	}
	if len(pw) > MaxPasswordBytes {
		return &Error{Status: 400, Message: "Le mot de passe est trop long : 72 caractères au plus (une lettre accentuée compte pour deux)."}
	}
	return nil
}

// HashPassword returns the bcrypt hash of pw. The password is put in Unicode
// normal form C first, so that "é" typed as one character or as "e" and an
// accent gives the same hash.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(norm.NFC.String(pw)), BcryptCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// CheckPassword reports whether pw matches hash. With an empty hash (no such
// account) it still spends the time of a real check and returns false, so
// that response times do not tell which identifiers exist.
func CheckPassword(hash, pw string) bool {
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(norm.NFC.String(pw))) == nil
}

var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("no such account"), BcryptCost)
	if err != nil {
		panic(err) // only a cost out of range, a programming error
	}
	return h
})
