package token_test

import (
	"testing"

	"passerelle/token"
)

func TestNew(t *testing.T) {
	a, b := token.New(32), token.New(32)
	if len(a) != 43 || a == b {
		t.Errorf("New(32) = %q, %q", a, b)
	}
	if !token.Plausible(a, 32) {
		t.Errorf("Plausible(%q) = false", a)
	}
}

func TestPlausible(t *testing.T) {
	for _, s := range []string{"", "abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		if token.Plausible(s, 32) {
			t.Errorf("Plausible(%q) = true", s)
		}
	}
	if !token.Plausible("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_", 32) {
		t.Error("Plausible refuses a well-formed token")
	}
}

func TestHash(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
	if got := token.Hash("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Hash = %s", got)
	}
}
