package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"passerelle/internal/testkit"
)

func TestMain(m *testing.M) {
	runAsBenchChild()
	testkit.CheapBcrypt()
	os.Exit(m.Run())
}

// TestCommandTable: the table names each command once, in the order of the
// usage text, and every name is found as its words on the command line.
func TestCommandTable(t *testing.T) {
	var names []string
	for _, c := range commands() {
		if c.run == nil || c.summary == "" {
			t.Errorf("%q: no run or no summary", c.name)
		}
		names = append(names, c.name)
		got, rest, ok := findCommand(append(strings.Fields(c.name), "--db", "x"))
		if !ok || got.name != c.name || !slices.Equal(rest, []string{"--db", "x"}) {
			t.Errorf("findCommand(%q …) = %q, %v, %v", c.name, got.name, rest, ok)
		}
	}
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("command names not sorted or not unique: %v", names)
	}
	if _, _, ok := findCommand([]string{"school", "nothing"}); ok {
		t.Error("an unknown command was found")
	}
}
