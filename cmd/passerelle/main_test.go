package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

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

// startCommand runs a long-running command line (school serve, extranet
// serve, demo) in the background as the binary does, and returns once it
// listens. stop ends it as SIGTERM does and returns its exit code.
func startCommand(t *testing.T, m *Main, args ...string) (stop func() int) {
	t.Helper()
	ready := make(chan struct{})
	m.Ready = func() { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	exit := make(chan int, 1)
	go func() { exit <- m.Run(ctx, args) }()
	select {
	case <-ready:
	case code := <-exit:
		t.Fatalf("%s exited with %d before being ready: %s", args[0], code, stderrOf(m))
	case <-time.After(60 * time.Second):
		t.Fatalf("%s not ready after 60 s", args[0])
	}
	return func() int {
		t.Helper()
		cancel()
		select {
		case code := <-exit:
			return code
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not stop", args[0])
			return -1
		}
	}
}

// stderrOf is what the command wrote on stderr, when the test kept it.
func stderrOf(m *Main) string {
	if s, ok := m.Stderr.(fmt.Stringer); ok {
		return s.String()
	}
	return ""
}
