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
		"TEXT": "text", "timestamp with time zone": "time", "INTEGER": "integer", "bigint": "integer",
		"boolean": "bool", "character varying": "text", "bytea": "blob", "double precision": "real",
	} {
		if got := kind(in); got != want {
			t.Errorf("kind(%q) = %q, want %q", in, got, want)
		}
	}
}
