// Package apiclient is the Go client of the extranet's API, the one the
// school side uses to send its staff (Client.PutStaff) and read its grants
// (Client.Grants). It speaks only the contract of package wire and
// docs/openapi.yaml, and links nothing of the extranet's side: package api
// serves the same documents.
//
// Its errors say what happened in terms a caller can act on: an *Error for
// any answer other than 2xx (with Held set for the 409 of the guard against
// mass deactivation), ErrMalformedAnswer for a 2xx answer that cannot be
// read, and IsUnreachable, IsTimeout and IsConnectionLost for a call that got
// no answer. The tests that run it against the real server are in package
// api (client_test.go), beside the server they need.
package apiclient
