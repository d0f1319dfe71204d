package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCapped(t *testing.T) {
	if got := Capped("direction"); got != "direction" {
		t.Errorf("Capped(short) = %q", got)
	}
	long := strings.Repeat("é", 7<<20)
	got := Capped(long)
	if len(got) > MaxInputBytes+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("Capped(7 MiB) = %d bytes, valid %v: %q", len(got), utf8.ValidString(got), got)
	}
	if got := Capped("a\xffb"); got != "a\uFFFDb" {
		t.Errorf("Capped(invalid) = %q", got)
	}
}

func TestSearchTooLong(t *testing.T) {
	for q, want := range map[string]bool{
		"":                                    false,
		"jean dupont":                         false,
		"a b c d e f g h":                     false,
		"a b c d e f g h i":                   true,
		strings.Repeat("é", MaxSearchRunes):   false,
		strings.Repeat("é", MaxSearchRunes+1): true,
		strings.Repeat("dupont ", 1000):       true,
	} {
		if got := SearchTooLong(q); got != want {
			t.Errorf("SearchTooLong(%.30q) = %v, want %v", q, got, want)
		}
	}
}

func TestSearchText(t *testing.T) {
	for in, want := range map[string]string{
		" jean dupont ":  "jean dupont",
		"jean\x00dupont": "jean dupont",
		"a\xffb":         "a\uFFFDb",
		"\t\n":           "",
	} {
		if got := SearchText(in); got != want {
			t.Errorf("SearchText(%q) = %q, want %q", in, got, want)
		}
	}
}
