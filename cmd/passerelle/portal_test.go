package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/api"
	"passerelle/apiclient"
	"passerelle/extranet"
	"passerelle/mail"
	"passerelle/store/extranetstore"
	"passerelle/web"
	"passerelle/wire"
)

// opRun runs a command line with stdin.
func opRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin),
		Getenv: func(k string) string {
			if k == "USER" {
				return "root"
			}
			return ""
		},
		Now: func() time.Time { return xtNow },
	}
	code := m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestExtranetOperatorAdd(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")
	code, out, errs := opRun(t, "un mot de passe sûr\n", "extranet", "operator", "add", "--db", db,
		"--login", "Ana.Op", "--name", "Ana Opératrice", "--password-stdin")
	if code != exitOK {
		t.Fatalf("operator add: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Opérateur ana.op (Ana Opératrice) créé") {
		t.Errorf("stdout = %q", out)
	}
	st, err := extranetstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	op, err := st.OperatorByLogin(context.Background(), "ana.op")
	if err != nil {
		t.Fatal(err)
	}
	if !web.CheckPassword(op.PasswordHash, "un mot de passe sûr") || strings.Contains(op.PasswordHash, "sûr") {
		t.Errorf("stored hash %q does not check the password", op.PasswordHash)
	}
	audit, _ := st.Audit(context.Background(), extranet.AuditFilter{Action: extranet.AuditOperatorAdded})
	if len(audit) != 1 || audit[0].Actor != "cli:root" {
		t.Errorf("audit = %+v", audit)
	}

	for _, test := range []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string
	}{
		{"same login", "un autre mot de passe\n", []string{"--login", "ana.op", "--name", "Autre", "--password-stdin"}, exitFailure, "déjà l'identifiant"},
		{"short password", "court\n", []string{"--login", "bob", "--name", "Bob", "--password-stdin"}, exitFailure, "au moins 10 caractères"},
		{"no login", "un mot de passe sûr\n", []string{"--name", "Bob", "--password-stdin"}, exitUsage, "--login"},
		{"no name", "un mot de passe sûr\n", []string{"--login", "bob", "--password-stdin"}, exitUsage, "--name"},
		{"bad login", "un mot de passe sûr\n", []string{"--login", "bob l'éponge", "--name", "Bob", "--password-stdin"}, exitUsage, "invalide"},
		{"no terminal", "", []string{"--login", "bob", "--name", "Bob"}, exitUsage, "--password-stdin"},
	} {
		t.Run(test.name, func(t *testing.T) {
			args := append([]string{"extranet", "operator", "add", "--db", db}, test.args...)
			code, _, errs := opRun(t, test.stdin, args...)
			if code != test.code || !strings.Contains(errs, test.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, test.code, test.stderr)
			}
		})
	}
	if _, err := st.OperatorByLogin(context.Background(), "bob"); err == nil {
		t.Error("a refused command created bob")
	}
}

func TestMountPortal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := extranetstore.Open(ctx, "sqlite:"+filepath.Join(dir, "extranet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sender, err := mail.NewDirSender(filepath.Join(dir, "mail"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &extranet.Service{Store: st, Now: func() time.Time { return xtNow }, Log: slog.New(slog.DiscardHandler)}
	token, err := svc.AddSchool(ctx, 4242, "École Saint-Joseph", "test")
	if err != nil {
		t.Fatal(err)
	}

	if err := mountPortal(http.NewServeMux(), portalOptions{Store: st, Service: svc, BaseURL: "http://x/"}); err == nil {
		t.Error("mountPortal without a sender: no error")
	}
	if err := mountPortal(http.NewServeMux(), portalOptions{Store: st, Service: svc, Sender: sender}); err == nil {
		t.Error("mountPortal without an address for the links: no error")
	}
	srv := newExtranetServer(svc, api.DefaultMaxBodyBytes, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	if err := mountPortal(mux, portalOptions{Store: st, Service: svc, Sender: sender, MailDir: filepath.Join(dir, "mail"),
		Demo: true, BaseURL: "http://127.0.0.1:8081/", Log: slog.New(slog.DiscardHandler), Now: svc.Now}); err != nil {
		t.Fatal(err)
	}
	srv.Mount("/", mux)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	for path, want := range map[string]string{
		"/connexion":                 "Connexion à l'extranet",
		"/courriels":                 "E-mails envoyés",
		"/console/connexion":         "Console des opérateurs",
		"/healthz":                   "",
		"/static/base.css":           "",
		"/static/portail/portal.css": ".mail-body",
	} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, want 200 with %q", path, resp.StatusCode, want)
		}
	}

	// The API still answers outside the portal's CSRF, and the transfers it
	// receives are journaled for the console.
	snap := wire.Snapshot{SchoolYear: "2026-2027", Staff: []wire.StaffEntry{{LastName: "Dupont", FirstName: "Jean",
		BirthDate: "1980-05-04", Email: "jean.dupont@ecole.be", Role: "Enseignant"}}}
	if _, err := apiclient.NewClient(ts.URL, token).PutStaff(ctx, 4242, snap, false, ""); err != nil {
		t.Fatalf("PUT through the mounted server: %v", err)
	}
	recs, err := st.Transfers(ctx, extranet.TransferFilter{FASE: 4242})
	if err != nil || len(recs) != 1 || len(recs[0].Changes) != 1 {
		t.Errorf("journal = %+v, %v; want the transfer with its change", recs, err)
	}
	// Mounting twice does not journal twice.
	if err := mountPortal(http.NewServeMux(), portalOptions{Store: st, Service: svc, Sender: sender, BaseURL: "http://x/"}); err != nil {
		t.Fatal(err)
	}
	snap.Staff[0].Role = "Directeur"
	if _, err := apiclient.NewClient(ts.URL, token).PutStaff(ctx, 4242, snap, false, ""); err != nil {
		t.Fatalf("PUT after mounting twice: %v", err)
	}
	if recs, _ := st.Transfers(ctx, extranet.TransferFilter{FASE: 4242}); len(recs) != 2 || recs[0].Changes[0].Action != wire.ActionModified {
		t.Errorf("journal after a second transfer = %+v", recs)
	}

	// The demo's operator is created once.
	for range 2 {
		if err := ensureOperator(ctx, st, svc, "operateur", "Opérateur de démonstration", "mot de passe de démo"); err != nil {
			t.Fatal(err)
		}
	}
	op, err := st.OperatorByLogin(ctx, "operateur")
	if err != nil || !web.CheckPassword(op.PasswordHash, "mot de passe de démo") {
		t.Errorf("demo operator = %+v, %v", op, err)
	}
}
