package apiclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"passerelle/wire"
)

// Error is the extranet's answer to a call that it refused or failed: any
// status other than 2xx. The school side phrases its messages from Status
// and Problem (whose Title and Detail are already French).
type Error struct {
	Status  int
	Problem wire.Problem
	// Held is set for the 409 of the guard against mass deactivation.
	Held *HeldInfo
}

// HeldInfo is what a transfer held by the guard would have deactivated:
// send the same snapshot with ConfirmDeactivations = Deactivations to apply
// it all the same.
type HeldInfo struct {
	Deactivations int
	Changes       []wire.Change
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("extranet : %s (HTTP %d)", e.Problem.Title, e.Status)
	if e.Problem.Detail != "" {
		msg += " – " + e.Problem.Detail
	}
	return msg
}

// ErrMalformedAnswer is wrapped by the errors of a 2xx answer that cannot be
// read: not JSON, or not the expected document. It usually means that the
// configured address is not the extranet's API (a proxy, a login page).
var ErrMalformedAnswer = errors.New("réponse de l'extranet illisible")

// transportError is a call that got no answer. The message never holds the
// token: the URL carries none, and the token travels only in a header.
type transportError struct {
	err     error
	timeout bool
	// reached is false when no attempt of the call got a connection to
	// the extranet, so that nothing can have been applied.
	reached bool
}

func (e *transportError) Error() string {
	switch {
	case e.timeout:
		return fmt.Sprintf("l'extranet n'a pas répondu à temps (%v)", e.err)
	case !e.reached:
		return fmt.Sprintf("extranet injoignable (%v)", e.err)
	}
	return fmt.Sprintf("connexion à l'extranet interrompue avant sa réponse (%v)", e.err)
}

func (e *transportError) Unwrap() error { return e.err }

func newTransportError(ctx context.Context, err error) *transportError {
	var ne net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	if ctx.Err() == context.Canceled {
		timeout = false
	}
	return &transportError{err: err, timeout: timeout, reached: reachedServer(err)}
}

// reachedServer tells the failures that happen before a request can be sent
// (no connection, unknown host, a TLS handshake refused) from the others.
func reachedServer(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var rec tls.RecordHeaderError
	switch {
	case errors.As(err, &op) && op.Op == "dial",
		errors.As(err, &dns), errors.As(err, &cert), errors.As(err, &rec):
		return false
	}
	return true
}

// IsUnreachable reports whether err means that the extranet could not be
// reached at all: connection refused, unknown host, TLS handshake refused,
// at every attempt. Nothing was sent, so nothing was applied.
func IsUnreachable(err error) bool {
	var te *transportError
	return errors.As(err, &te) && !te.timeout && !te.reached && !errors.Is(te.err, context.Canceled)
}

// IsTimeout reports whether err means that the extranet did not answer in
// time (the client's timeout or the context's deadline). The transfer may
// have been applied; sending it again with the same Idempotency-Key is safe
// and answers the first result.
func IsTimeout(err error) bool {
	var te *transportError
	return errors.As(err, &te) && te.timeout
}

// IsConnectionLost reports whether err means that a connection was made but
// broke before the answer came (reset, closed by a proxy). As with a
// timeout, the transfer may have been applied; sending it again with the
// same Idempotency-Key is safe.
func IsConnectionLost(err error) bool {
	var te *transportError
	return errors.As(err, &te) && !te.timeout && te.reached && !errors.Is(te.err, context.Canceled)
}
