package store

import (
	"strconv"
	"strings"
	"testing"
)

// rebindReference is rebind's rule written the plain way: a question mark
// outside a quoted literal becomes the next $n.
func rebindReference(q string) string {
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT ? , ?", "SELECT $1 , $2"},
		{"SELECT '?' , ?", "SELECT '?' , $1"},
		{"SELECT 'it''s ?', ?, '' || ?", "SELECT 'it''s ?', $1, '' || $2"},
		{"SELECT ? WHERE x = 'unterminated ?", "SELECT $1 WHERE x = 'unterminated ?"},
		{"?????????????", "$1$2$3$4$5$6$7$8$9$10$11$12$13"},
	} {
		for range 2 { // the second time from what rebind remembers
			if got := rebind(Postgres, c.in); got != c.want {
				t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
			}
		}
		if got := rebind(SQLite, c.in); got != c.in {
			t.Errorf("SQLite: rebind(%q) = %q, want it unchanged", c.in, got)
		}
	}
	for i := range reboundMax + 100 {
		rebind(Postgres, "SELECT ? -- "+strconv.Itoa(i))
	}
	if n := reboundCount.Load(); n > reboundMax {
		t.Errorf("%d texts remembered, at most %d", n, reboundMax)
	}
	if got := rebind(Postgres, "SELECT ?, 'x' -- past the bound"); got != "SELECT $1, 'x' -- past the bound" {
		t.Errorf("past the bound, rebind = %q", got)
	}
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{"SELECT ?", "'?'?", "a''b?c'?", "?'", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if got, want := rebindText(q), rebindReference(q); got != want {
			t.Fatalf("rebindText(%q) = %q, want %q", q, got, want)
		}
	})
}
