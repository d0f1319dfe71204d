package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"passerelle/apiclient"
	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/internal/syncbuf"
	"passerelle/store/extranetstore"
	"passerelle/wire"
)

// xtNow is the clock of the extranet command tests: 26 November 2026, 18:00
// in Brussels, during the 2026-2027 school year.
var xtNow = time.Date(2026, 11, 26, 18, 0, 0, 0, frtext.Brussels)

// xtRun runs one command line with a fixed clock and returns its exit code,
// stdout and stderr.
func xtRun(t *testing.T, now time.Time, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "USER" {
				return "operateur"
			}
			return ""
		},
		Now: func() time.Time { return now },
	}
	code := m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

// xtService opens the extranet database as the commands left it.
func xtService(t *testing.T, db string) *extranet.Service {
	t.Helper()
	st, err := extranetstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &extranet.Service{Store: st, Now: func() time.Time { return xtNow }, Log: slog.New(slog.DiscardHandler)}
}

// lastLine is the last line of a command's output: the token.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestExtranetSchoolTokens(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")

	code, out, errs := xtRun(t, xtNow, "extranet", "school", "add", "--db", db, "--fase", "4242", "--name", "École Saint-Joseph")
	if code != exitOK {
		t.Fatalf("school add: exit %d, %s", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 2 || !strings.Contains(lines[len(lines)-2], "une seule fois") {
		t.Errorf("no warning that the token is shown once:\n%s", out)
	}
	first := lastLine(out)
	svc := xtService(t, db)
	if fase, err := svc.AuthenticateSchool(ctx, first); err != nil || fase != 4242 {
		t.Fatalf("the printed token %q does not authenticate: %d, %v", first, fase, err)
	}

	// Registering the same school again fails with a French message.
	code, _, errs = xtRun(t, xtNow, "extranet", "school", "add", "--db", db, "--fase", "4242", "--name", "Autre")
	if code != exitFailure || !strings.Contains(errs, "déjà inscrite") {
		t.Errorf("second add: exit %d, %q", code, errs)
	}

	code, out, errs = xtRun(t, xtNow, "extranet", "school", "rotate-token", "--db", db, "--fase", "4242")
	if code != exitOK {
		t.Fatalf("rotate-token: exit %d, %s", code, errs)
	}
	second := lastLine(out)
	if second == first {
		t.Fatal("rotation printed the same token")
	}
	if _, err := svc.AuthenticateSchool(ctx, first); !errors.Is(err, extranet.ErrBadToken) {
		t.Errorf("old token after rotation: %v", err)
	}
	if fase, err := svc.AuthenticateSchool(ctx, second); err != nil || fase != 4242 {
		t.Errorf("new token: %d, %v", fase, err)
	}

	code, _, errs = xtRun(t, xtNow, "extranet", "school", "revoke-token", "--db", db, "--fase", "4242")
	if code != exitOK {
		t.Fatalf("revoke-token: exit %d, %s", code, errs)
	}
	if _, err := svc.AuthenticateSchool(ctx, second); !errors.Is(err, extranet.ErrBadToken) {
		t.Errorf("token after revocation: %v", err)
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"extranet", "school", "add", "--db", db, "--name", "X"}, exitUsage, "--fase"},
		{[]string{"extranet", "school", "add", "--db", db, "--fase", "12"}, exitUsage, "--name"},
		{[]string{"extranet", "school", "rotate-token", "--db", db, "--fase", "999"}, exitFailure, "n'est pas inscrite"},
		{[]string{"extranet", "school", "revoke-token", "--db", db, "--fase", "999"}, exitFailure, "n'est pas inscrite"},
	} {
		code, _, errs := xtRun(t, xtNow, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args[2:4], code, errs, c.code, c.msg)
		}
	}
}

// xtSchoolWithStaff registers a school through the command and sends it a
// snapshot of n people directly to the service.
func xtSchoolWithStaff(t *testing.T, db string, fase, n int) string {
	t.Helper()
	code, out, errs := xtRun(t, xtNow, "extranet", "school", "add", "--db", db, "--fase", fmt.Sprint(fase), "--name", "École Saint-Joseph")
	if code != exitOK {
		t.Fatalf("school add: %s", errs)
	}
	snap := wire.Snapshot{SchoolYear: "2026-2027"}
	for i := range n {
		snap.Staff = append(snap.Staff, wire.StaffEntry{
			LastName: []string{"Dupont", "Martin", "Lambert"}[i%3], FirstName: []string{"Jean", "Anne"}[i%2],
			BirthDate: fmt.Sprintf("198%d-05-04", i), Email: fmt.Sprintf("p%d@ecole.be", i), Role: "Enseignant",
		})
	}
	if _, err := xtService(t, db).Transfer(context.Background(), fase, snap, extranet.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	return lastLine(out)
}

func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestExtranetNight(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "extranet.db")
	mailDir := filepath.Join(dir, "mail")
	xtSchoolWithStaff(t, db, 4242, 3)

	// Without the portal's address, the invitations would lead nowhere:
	// nothing is done.
	code, out, errs := xtRun(t, xtNow, "extranet", "night", "--db", db, "--at", "2026-11-27T02:00:00+01:00", "--mail-dir", mailDir)
	if code != exitUsage || !strings.Contains(errs, "--portal-url") || len(emlFiles(t, mailDir)) != 0 {
		t.Fatalf("night without --portal-url: exit %d, %d e-mails\n%s\n%s", code, len(emlFiles(t, mailDir)), out, errs)
	}

	code, out, errs = xtRun(t, xtNow, "extranet", "night", "--db", db, "--at", "2026-11-27T02:00:00+01:00",
		"--mail-dir", mailDir, "--from", "Extranet <extranet@example.be>", "--portal-url", "https://extranet.example/")
	if code != exitOK {
		t.Fatalf("night: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"Traitement de nuit du ", "Accès ouverts : 3", "Comptes créés : 3", "Invitations : 3", "E-mails envoyés : 3", "Durée : "} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	files := emlFiles(t, mailDir)
	if len(files) != 3 {
		t.Fatalf("%d .eml files, want 3", len(files))
	}
	msg, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(msg, []byte("extranet@example.be")) || !bytes.Contains(msg, []byte("https://extranet.example/")) {
		t.Errorf("the e-mail lacks --from or --portal-url:\n%s", msg)
	}

	// A second night has nothing left to do.
	code, out, _ = xtRun(t, xtNow, "extranet", "night", "--db", db, "--mail-dir", mailDir, "--portal-url", "https://extranet.example/")
	if code != exitOK || !strings.Contains(out, "Accès ouverts : 0") || len(emlFiles(t, mailDir)) != 3 {
		t.Errorf("second night: exit %d\n%s", code, out)
	}

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"extranet", "night", "--db", db}, "--mail-dir"},
		{[]string{"extranet", "night", "--db", db, "--mail-dir", mailDir, "--at", "27/11/2026"}, "RFC 3339"},
		{[]string{"extranet", "night", "--db", db, "--mail-dir", mailDir, "--from", "pas une adresse"}, "--from"},
		{[]string{"extranet", "night", "--db", db, "--mail-dir", mailDir}, "--portal-url"},
		{[]string{"extranet", "night", "--db", db, "--mail-dir", mailDir, "--smtp", "localhost:25"}, "s'excluent"},
	} {
		code, _, errs := xtRun(t, xtNow, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, %q", c.args[4:], code, errs)
		}
	}
}

// TestExtranetServe starts the server as the binary does, with a clock a
// moment before 02:00: it answers the API, runs the night run on time (the
// e-mails appear), and stops cleanly when its context ends.
func TestExtranetServe(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "extranet.db")
	mailDir := filepath.Join(dir, "mail")
	token := xtSchoolWithStaff(t, db, 4242, 2)

	beforeNight := time.Date(2026, 11, 27, 1, 59, 59, 700e6, frtext.Brussels)
	var out, errb syncbuf.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		Now: func() time.Time { return beforeNight }}
	stop := startCommand(t, m, "extranet", "serve", "--db", db, "--addr", "127.0.0.1:0", "--mail-dir", mailDir)
	ctx := context.Background()
	addr := regexp.MustCompile(`Extranet : (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(out.String())
	if addr == nil {
		t.Fatalf("no address on stdout: %q", out.String())
	}

	c := apiclient.NewClient(addr[1], token)
	g, err := c.Grants(ctx, 4242, "")
	if err != nil || len(g.Staff) != 2 {
		t.Fatalf("grants through serve: %+v, %v", g, err)
	}
	resp, err := http.Get(addr[1] + "healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()

	// The night run fires at 02:00 and writes the invitations.
	deadline := time.Now().Add(10 * time.Second)
	for len(emlFiles(t, mailDir)) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no e-mails after the night run; log:\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The metrics saw it.
	deadline = time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(addr[1] + "metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `passerelle_extranet_night_runs_total{outcome="ok"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("night run not in the metrics:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if code := stop(); code != exitOK {
		t.Fatalf("serve exit %d: %s", code, errb.String())
	}
	// The log is JSON (stderr is not a terminal) and names the next night.
	logs := errb.String()
	if !strings.Contains(logs, `"msg":"night run done"`) || !strings.Contains(logs, `"msg":"next night run","at":"2026-11-28T02:00:00+01:00"`) {
		t.Errorf("log lacks the night run or the next one:\n%s", logs)
	}
	if strings.Contains(logs, token) {
		t.Error("the log holds the token")
	}
}

func TestExtranetServeUsage(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"extranet", "serve", "--db", db}, "--mail-dir"},
		{[]string{"extranet", "serve", "--db", db, "--night-at", "25:00"}, "--night-at"},
		{[]string{"extranet", "serve", "--db", db, "--night-at", "off", "--log-format", "xml"}, "--log-format"},
		{[]string{"extranet", "serve", "--db", db, "--night-at", "off", "--max-body", "0"}, "--max-body"},
		// E-mails sent from a server on the network need the portal's
		// public address.
		{[]string{"extranet", "serve", "--db", db, "--addr", ":8081", "--mail-dir", t.TempDir()},
			"--addr :8081 n'est pas une adresse locale : indiquez --portal-url"},
		{[]string{"extranet", "serve", "--db", db, "--addr", "extranet.lan:8081", "--night-at", "off", "--smtp", "smtp.example:25"},
			"--addr extranet.lan:8081 n'est pas une adresse locale : indiquez --portal-url"},
	} {
		code, _, errs := xtRun(t, xtNow, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, %q", c.args[4:], code, errs)
		}
	}
}

func TestNightTimeNext(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		flag, now, want string
	}{
		{"02:00", "2026-11-26T18:00:00+01:00", "2026-11-27T02:00:00+01:00"},
		{"02:00", "2026-11-27T02:00:00+01:00", "2026-11-28T02:00:00+01:00"},
		{"23:30", "2026-11-26T18:00:00+01:00", "2026-11-26T23:30:00+01:00"},
		{"23:30", "2026-11-26T23:30:00+01:00", "2026-11-27T23:30:00+01:00"},
		{"03:15", "2026-03-28T12:00:00+01:00", "2026-03-29T03:15:00+02:00"}, // summer time starts
	} {
		n, err := parseNightAt(c.flag)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.next(at(c.now)); !got.Equal(at(c.want)) {
			t.Errorf("%s after %s: %s, want %s", c.flag, c.now, got.Format(time.RFC3339), c.want)
		}
	}
	for _, bad := range []string{"2", "2:0", "24:00", "02:60", "deux heures"} {
		if _, err := parseNightAt(bad); err == nil {
			t.Errorf("--night-at %q accepted", bad)
		}
	}
	if n, err := parseNightAt("off"); err != nil || n.enabled {
		t.Errorf("off: %+v, %v", n, err)
	}
}

// TestExtranetServeAddressInUse checks that a server that cannot listen
// fails at once with a French message, without waiting for its night loop.
func TestExtranetServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	done := make(chan struct{})
	var code int
	var errs string
	go func() {
		code, _, errs = xtRun(t, xtNow, "extranet", "serve", "--db", "sqlite:"+filepath.Join(dir, "x.db"),
			"--addr", ln.Addr().String(), "--mail-dir", filepath.Join(dir, "mail"))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("serve on a taken address did not return")
	}
	if code != exitFailure || !strings.Contains(errs, "écoute sur") {
		t.Errorf("exit %d, %q", code, errs)
	}
}

func TestDefaultPortalURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8081":  "http://127.0.0.1:8081/",
		"localhost:8081":  "http://localhost:8081/",
		"[::1]:8081":      "http://[::1]:8081/",
		"extranet.lan:80": "",
		"192.0.2.10:8081": "",
		":8081":           "",
		"0.0.0.0:8081":    "",
		"[::]:8081":       "",
		"pas une adresse": "",
	} {
		if got := defaultPortalURL(addr); got != want {
			t.Errorf("%q: %q, want %q", addr, got, want)
		}
	}
}
