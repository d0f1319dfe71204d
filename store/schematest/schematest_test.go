package schematest

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	a := map[string]Table{
		"grants": {Columns: []Column{{"id", "text", true}, {"since", "time", true}},
			Indexes: []Index{{Columns: []string{"id"}, Unique: true}}},
		"gone": {},
	}
	b := map[string]Table{
		"grants": {Columns: []Column{{"id", "text", true}, {"since", "text", true}},
			Indexes: []Index{{Columns: []string{"id"}, Unique: true}, {Columns: []string{"since"}}}},
	}
	got := strings.Join(Diff(a, b), "\n")
	for _, want := range []string{"table gone only in the first", "table grants columns", "table grants indexes"} {
		if !strings.Contains(got, want) {
			t.Errorf("Diff lacks %q:\n%s", want, got)
		}
	}
	if d := Diff(a, a); len(d) != 0 {
		t.Errorf("Diff(a, a) = %v", d)
	}
}

func TestKind(t *testing.T) {
	for in, want := range map[string]string{
		"TEXT": "text", "timestamp with time zone": "time", "date": "date", "INTEGER": "integer", "bigint": "integer",
		"boolean": "bool", "character varying": "text", "bytea": "blob", "double precision": "real",
	} {
		if got := kind(in); got != want {
			t.Errorf("kind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSQLiteKinds(t *testing.T) {
	lite := func() map[string]Table {
		return map[string]Table{"grants": {Columns: []Column{{"id", "text", true}, {"since", "text", true},
			{"birth", "text", false}, {"suspended", "integer", true}}}}
	}
	pg := map[string]Table{"grants": {Columns: []Column{{"id", "text", true}, {"since", "time", true},
		{"birth", "date", false}, {"suspended", "bool", true}}}}
	kinds := map[string]string{"grants.since": "time", "grants.birth": "date", "grants.suspended": "bool"}
	a := lite()
	if err := SQLiteKinds(a, kinds); err != nil {
		t.Fatal(err)
	}
	if d := Diff(a, pg); len(d) != 0 {
		t.Errorf("Diff = %v", d)
	}
	// A column PostgreSQL keeps as text while the list says instant, or
	// one the list forgets, still differs.
	a = lite()
	if err := SQLiteKinds(a, map[string]string{"grants.since": "time", "grants.birth": "date"}); err != nil {
		t.Fatal(err)
	}
	if d := strings.Join(Diff(a, pg), "\n"); !strings.Contains(d, "table grants columns") {
		t.Errorf("a forgotten flag makes no difference: %q", d)
	}
	for _, bad := range []map[string]string{
		{"grants.id2": "time"},          // no such column
		{"grants.suspended": "time"},    // an INTEGER is no instant
		{"grants.since": "bool"},        // nor is a TEXT a flag
		{"grants.since": "timestamptz"}, // unknown kind
	} {
		if err := SQLiteKinds(lite(), bad); err == nil {
			t.Errorf("SQLiteKinds(%v) accepted", bad)
		}
	}
}
