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

// The domains link no storage, no HTTP and no network client: they define
// the interfaces they need, and main wires the implementations.
func TestDomainsLinkNoInfrastructure(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, domain := range []string{"passerelle/extranet", "passerelle/school"} {
		out, err := exec.Command(gobin, "list", "-deps", domain).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v: %s", err, out)
		}
		for _, pkg := range strings.Fields(string(out)) {
			switch pkg {
			case "database/sql", "net/http", "net/smtp", "crypto/tls", "passerelle/store":
				t.Errorf("%s links %s", domain, pkg)
			}
		}
	}
}
