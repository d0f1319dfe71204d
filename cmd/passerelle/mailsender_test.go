package main

import (
	"fmt"
	"testing"
)

// TestMailSender checks the choice between SMTP and a folder, and the
// refusals of incoherent flags.
func TestMailSender(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name                           string
		mailDir, addr, user, pass, tls string
		want                           string // type, or "" for an error
	}{
		{"folder", dir, "", "", "", "", "*mail.DirSender"},
		{"smtp", "", "127.0.0.1:2525", "", "", "", "*smtp.Sender"},
		{"smtp wins over folder", dir, "127.0.0.1:2525", "u", "p", "always", "*smtp.Sender"},
		{"nothing", "", "", "", "", "", ""},
		{"no port", "", "smtp.example.be", "", "", "", ""},
		{"bad mode", "", "127.0.0.1:2525", "", "", "sometimes", ""},
		{"password without user", "", "127.0.0.1:2525", "", "p", "", ""},
		{"credentials without smtp", dir, "", "u", "p", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mailSender(tt.mailDir, tt.addr, tt.user, tt.pass, tt.tls, "")
			if tt.want == "" {
				if err == nil {
					t.Errorf("got %T, want an error", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := fmt.Sprintf("%T", s); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
