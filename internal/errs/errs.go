// Package errs holds the sentinel errors that both sides of Passerelle share,
// so that one meaning has one value: errors.Is(err, school.ErrNotFound) and
// errors.Is(err, extranet.ErrNotFound) test the same thing.
package errs

import "errors"

// ErrNotFound is returned, wrapped, when a looked-up row does not exist. Its
// text is French, since the people who cause it read it.
var ErrNotFound = errors.New("introuvable")
