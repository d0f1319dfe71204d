package web_test

import (
	"strings"
	"testing"

	"passerelle/web"
)

func TestPasswords(t *testing.T) {
	hash, err := web.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$2") || strings.Contains(hash, "horse") {
		t.Errorf("hash %q is not bcrypt", hash)
	}
	if !web.CheckPassword(hash, "correct horse battery") {
		t.Error("right password refused")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery"} {
		if web.CheckPassword(hash, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	if web.CheckPassword("", "") || web.CheckPassword("", "anything") {
		t.Error("empty hash accepts a password")
	}
	if web.CheckPassword("not a hash", "not a hash") {
		t.Error("garbage hash accepts a password")
	}

	// "é" precomposed and decomposed are the same password.
	nfc, nfd := "mot de passe \u00e9t\u00e9", "mot de passe e\u0301te\u0301"
	hash, err = web.HashPassword(nfd)
	if err != nil {
		t.Fatal(err)
	}
	if !web.CheckPassword(hash, nfc) {
		t.Error("NFC and NFD forms of the same password differ")
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		pw   string
		want string // part of the message; "" for valid
	}{
		{"", "au moins 10 caractères"},
		{"123456789", "au moins 10 caractères"},
		{"éééééééé", "au moins 10 caractères"}, // 16 bytes, 8 characters
		{"1234567890", ""},
		{"été à Liège", ""},
		{strings.Repeat("a", 72), ""},
		{strings.Repeat("a", 73), "trop long"},
		{strings.Repeat("é", 40), "trop long"}, // 80 bytes
	}
	for _, tt := range tests {
		err := web.ValidatePassword(tt.pw)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidatePassword(%q) = %v, want nil", tt.pw, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ValidatePassword(%q) = %v, want %q", tt.pw, err, tt.want)
		}
	}
	if _, err := web.HashPassword(strings.Repeat("a", 73)); err == nil {
		t.Error("HashPassword accepts a password bcrypt would cut")
	}
}
