// Package errs holds the sentinel errors that both sides of Passerelle share,
// so that one meaning has one value: errors.Is(err, school.ErrNotFound) and
// errors.Is(err, extranet.ErrNotFound) test the same thing. It also holds
// the stores' one way of naming the operation that failed (Wrap), and the
// marks that keep it off the errors people read (New, Errorf, Keep).
package errs

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned, wrapped, when a looked-up row does not exist. Its
// text is French, since the people who cause it read it.
var ErrNotFound = New("introuvable")

// Wrap names the operation that failed: when *errp is not nil it becomes
// "operation: " followed by its text, where the operation is
// fmt.Sprintf(format, args...), and the original stays reachable through
// errors.Is and errors.As (context.Canceled, *pgconn.PgError, sql.ErrNoRows…).
// Each exported store method calls it first, deferred, on its named result:
//
//	defer errs.Wrap(&err, "extranetstore: lock school %d", fase)
//
// Three kinds of error pass through unchanged:
//
//   - an error that already names its operation (a Wrap further down: a store
//     method that called another one), so the innermost operation is named
//     once, never "extranetstore: a: extranetstore: b: …";
//   - a refusal, written for people in French (New, Errorf: ErrNotFound, the
//     domains' sentinel errors such as extranet.ErrUnknownSchool or
//     school.ErrLoginTaken, a store's own validation message), or any error
//     that wraps one: a person may read its text, which gets no English
//     prefix;
//   - an error marked with Keep: a transaction function's callback error,
//     which is its caller's own. Wrap removes the mark.
//
// Everything else, the failures of the database and of decoding what it
// returned, is named.
func Wrap(errp *error, format string, args ...any) {
	err := *errp
	if err == nil {
		return
	}
	if k, ok := err.(*kept); ok {
		*errp = k.err
		return
	}
	var named *opError
	var r *refusal
	if errors.As(err, &named) || errors.As(err, &r) {
		return
	}
	*errp = &opError{op: fmt.Sprintf(format, args...), err: err}
}

// opError is an error named with its operation by Wrap. Its text is the one
// fmt.Errorf(format+": %w", args..., err) would give.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// New returns a refusal: an error, like errors.New's, whose text is written
// for people (in French), which Wrap passes through unchanged. Sentinel
// errors that pages or commands show are made with it.
func New(text string) error { return &refusal{err: errors.New(text)} }

// Errorf is New with fmt.Errorf's formatting (%w keeps the wrapped error
// reachable). Only for a message written for people: an error it wraps is
// not named by Wrap either.
func Errorf(format string, args ...any) error {
	return &refusal{err: fmt.Errorf(format, args...)}
}

// refusal marks an error whose text people read.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// Keep marks err, returned by a transaction's callback, as the caller's own:
// the transaction function's Wrap returns it as it was, unmarked, and names
// only the transaction's own failures (begin, commit). Keep(nil) is nil.
func Keep(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*kept); ok {
		return err
	}
	return &kept{err: err}
}

type kept struct{ err error }

func (k *kept) Error() string { return k.err.Error() }
func (k *kept) Unwrap() error { return k.err }
