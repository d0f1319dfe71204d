package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The production binary links no test code: the benchmark it carries
// starts its PostgreSQL and SMTP sink from packages that do not import
// testing.
func TestBinaryLinksNoTestCode(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || strings.HasPrefix(pkg, "testing/") || strings.HasSuffix(pkg, "/pgtest") {
			t.Errorf("the binary links %s", pkg)
		}
	}
}
