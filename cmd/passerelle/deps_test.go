package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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
// the interfaces they need, and main wires the implementations. The school
// domain's spreadsheet library (excelize) links net/http on its own, so for
// it the check is on what the project's packages import.
func TestDomainsLinkNoInfrastructure(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	infra := []string{"database/sql", "net/http", "net/smtp", "crypto/tls", "passerelle/store", "passerelle/web", "passerelle/api", "passerelle/mail/smtp"}
	for _, domain := range []string{"passerelle/extranet", "passerelle/school"} {
		out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", domain).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v: %s", err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			pkg, imports, _ := strings.Cut(line, " ")
			if domain == "passerelle/school" && !strings.HasPrefix(pkg, "passerelle/") {
				continue
			}
			for _, imp := range strings.Fields(imports) {
				if slices.Contains(infra, imp) {
					t.Errorf("%s links %s (through %s)", domain, imp, pkg)
				}
			}
		}
	}
}

// The two sides link each other only through the contract (passerelle/wire)
// and meet over HTTP: the school side links nothing of the extranet's, not
// even its API server, and the extranet's domain links neither the API nor
// its client. wire itself stays a contract: no HTTP, no domain.
func TestSidesLinkEachOtherOnlyThroughWire(t *testing.T) {
	for _, c := range []struct {
		from      []string
		forbidden []string
	}{
		{
			from:      []string{"passerelle/transfer", "passerelle/web/schoolui", "passerelle/school", "passerelle/store/schoolstore", "passerelle/apiclient"},
			forbidden: []string{"passerelle/extranet", "passerelle/store/extranetstore", "passerelle/scim", "passerelle/api", "passerelle/web/portal"},
		},
		{
			from:      []string{"passerelle/extranet", "passerelle/wire"},
			forbidden: []string{"passerelle/api", "passerelle/apiclient"},
		},
		{
			from:      []string{"passerelle/wire"},
			forbidden: []string{"passerelle/extranet", "passerelle/school", "net/http"},
		},
	} {
		for _, from := range c.from {
			for _, pkg := range linkedBy(t, from) {
				if slices.Contains(c.forbidden, pkg) {
					t.Errorf("%s links %s", from, pkg)
				}
			}
		}
	}
}

// linkedBy returns the packages that pkg links, itself included.
func linkedBy(t *testing.T, pkg string) []string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	return strings.Fields(string(out))
}
