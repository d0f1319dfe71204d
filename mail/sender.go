package mail

import (
	"context"
	"errors"
	"fmt"
)

// Sender delivers messages. Implementations are safe for concurrent use.
type Sender interface {
	// Send delivers m, or returns why it could not; IsPermanent tells
	// whether trying again later may help.
	Send(ctx context.Context, m Message) error
	// Close releases the sender; Send fails afterwards.
	Close() error
}

// ErrClosed is returned by Send once the sender is closed.
var ErrClosed = errors.New("envoi impossible : le module d'envoi est fermé")

// permanentError marks a failure that is bound to the message itself.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as bound to the message itself: IsPermanent reports
// true for it and for any error that wraps it.
func Permanent(err error) error { return &permanentError{err: err} }

// IsPermanent reports whether err means that this message will never be
// delivered as it is, so that the outbox should stop retrying it: the
// message could not be built (invalid address, header injection…), or the
// SMTP server refused its sender, a recipient or its content with a 5xx
// reply.
//
// Failures that do not depend on the message are temporary even when the
// server answers 5xx: a refused connection, TLS or authentication failure
// (535), "authentication required" (530). They come from the setup, and
// marking every pending message as failed because of them would lose mail.
// 4xx replies, network errors and cancellations are temporary too.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Canceled returns the error of a delivery interrupted by ctx, keeping the
// context's error in the chain so that callers can test it with errors.Is.
func Canceled(ctx context.Context, err error) error {
	cause := ctx.Err()
	if cause == nil {
		// The deadline has passed but the context's timer has not fired.
		cause = context.DeadlineExceeded
	}
	if err == nil {
		return fmt.Errorf("envoi interrompu : %w", cause)
	}
	return fmt.Errorf("envoi interrompu : %w (%v)", cause, err)
}

var _ Sender = (*DirSender)(nil)
