package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/syncbuf"
)

// TestDemo runs the demo as a visitor would: it prints the two addresses and
// the sign-in, the school's first transfer shows the four kinds of messages
// of the school software's help page, a second one changes nothing, and a
// restart keeps the data.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	const password = "demo-password-1234"
	start := func() (lines []string, stop func() int) {
		out := &syncbuf.Buffer{}
		m := &Main{Stdout: out, Stderr: io.Discard, Now: time.Now,
			Getenv: func(k string) string {
				if k == demoPasswordEnv {
					return password
				}
				return ""
			}}
		stop = startCommand(t, m, "demo", "--data", dir, "--addr", "127.0.0.1:0", "--extranet-addr", "127.0.0.1:0")
		return strings.Split(strings.TrimSpace(out.String()), "\n"), stop
	}

	lines, stop := start()
	if len(lines) < 4 {
		t.Fatalf("demo printed %q", lines)
	}
	schoolURL, ok1 := strings.CutPrefix(lines[0], "École : ")
	extranetURL, ok2 := strings.CutPrefix(lines[1], "Extranet : ")
	if !ok1 || !ok2 || lines[2] != "Identifiant : direction" || lines[3] != "Mot de passe : "+password {
		t.Fatalf("first four lines = %q", lines[:4])
	}
	// No staff data without sign-in: the list sends to the sign-in page.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(schoolURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
		t.Errorf("GET %s = %d, want a redirect to the sign-in page", schoolURL, res.StatusCode)
	}
	res, err = http.Get(extranetURL + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("extranet /healthz = %d", res.StatusCode)
	}

	db := "sqlite:" + filepath.Join(dir, "school.db")
	transferOut := func() string {
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Now: time.Now}
		if code := m.Run(context.Background(), []string{"school", "transfer", "--db", db}); code != 0 {
			t.Fatalf("school transfer exit %d: %s", code, stderr.String())
		}
		return stdout.String()
	}
	first := transferOut()
	for _, want := range []string{
		"Information : Complété Rôle Extranet \"Enseignant\" chez ",
		"Information : Modifié Rôle ",
		"Avertissement : Créé Rôle ",
		"Avertissement : Désactivé Rôle ",
		"Le transfert est fait.\n",
		"Attention ! Les accès à l'extranet SeGEC ne sont pas immédiats. Il faut attendre une nuit avant d'avoir accès au portail.\n",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first transfer lacks %q:\n%s", want, first)
		}
	}
	if second := transferOut(); !strings.Contains(second, "Information : Aucun changement.\n") {
		t.Errorf("second transfer:\n%s\nwant « Information : Aucun changement. »", second)
	}
	if code := stop(); code != 0 {
		t.Fatalf("demo exit %d after Ctrl-C", code)
	}

	// A restart keeps the data: the transfer still changes nothing.
	_, stop = start()
	defer stop()
	if third := transferOut(); !strings.Contains(third, "Information : Aucun changement.\n") {
		t.Errorf("transfer after restart:\n%s", third)
	}
}

// TestDemoLoopbackOnly checks that the demo, whose « E-mails envoyés »
// page needs no sign-in, refuses to listen on the network.
func TestDemoLoopbackOnly(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", "0.0.0.0:8080"},
		{"--addr", ":8080"},
		{"--extranet-addr", "192.0.2.10:8081"},
		{"--addr", "[::]:8080"},
		{"--extranet-addr", "ecole.lan:8081"},
	} {
		var stderr bytes.Buffer
		m := &Main{Stdout: io.Discard, Stderr: &stderr, Now: time.Now, Getenv: func(string) string { return "" }}
		dir := t.TempDir()
		code := m.Run(context.Background(), append([]string{"demo", "--data", dir}, args...))
		want := "la démo n'écoute que sur 127.0.0.1 ou localhost : " + args[0] + " " + args[1]
		if code != exitUsage || !strings.Contains(stderr.String(), want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", args, code, stderr.String(), exitUsage, want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("%v: the demo wrote into its folder before refusing", args)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0", "127.0.0.2:0"} {
		if !isLoopback(addr) {
			t.Errorf("isLoopback(%q) = false", addr)
		}
	}
}
