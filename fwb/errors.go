package fwb

import (
	"errors"
	"fmt"
)

// Kinds of number errors, for errors.Is. The errors returned by the parsers
// carry a precise French message and wrap one of these.
var (
	// ErrFormat: wrong length or characters other than digits.
	ErrFormat = errors.New("numéro mal formé")
	// ErrCheckDigits: the check digits of a national number do not match.
	ErrCheckDigits = errors.New("chiffres de contrôle incorrects")
	// ErrBirthDate: the birth date encoded in the number is impossible.
	ErrBirthDate = errors.New("date de naissance impossible")
	// ErrSexDigit: the sex digit of a matricule is neither 1 nor 2.
	ErrSexDigit = errors.New("chiffre du sexe incorrect")
	// ErrMismatch: a national number and a matricule describe different people.
	ErrMismatch = errors.New("numéro national et matricule discordants")
)

// kindError is an error with a precise message that still classifies as one
// of the Err kinds above.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func kindErrorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
