// Package testkit holds the helpers that the tests of several packages
// share: a clock that tests set and move (Clock), a real extranet served
// over HTTP with registered schools (StartExtranet), and cheap password
// hashing (CheapBcrypt). Only tests import it: the binary links no test
// code (cmd/passerelle's TestBinaryLinksNoTestCode).
package testkit

import (
	"golang.org/x/crypto/bcrypt"

	"passerelle/web"
)

// CheapBcrypt makes web.HashPassword use bcrypt's lowest cost, so that a
// test signs in in milliseconds rather than a quarter of a second. It is
// the only place tests change web.BcryptCost: call it at the top of the
// package's TestMain, before any test runs, so that no test races with it.
func CheapBcrypt() { web.BcryptCost = bcrypt.MinCost }
