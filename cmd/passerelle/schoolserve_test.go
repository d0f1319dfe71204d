package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/internal/htmlcheck"
	"passerelle/internal/syncbuf"
	"passerelle/school"
	"passerelle/store/schoolstore"
	"passerelle/web"
)

var ssNow = time.Date(2026, 11, 26, 10, 0, 0, 0, frtext.Brussels)

// ssRun runs one command line as the binary does.
func ssRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin),
		Getenv: func(string) string { return "" }, Now: func() time.Time { return ssNow }}
	return m.Run(context.Background(), args), out.String(), errb.String()
}

// ssSchool creates a school with two members in a fresh SQLite database.
func ssSchool(t *testing.T) string {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "school.db")
	ctx := context.Background()
	st, err := schoolstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SaveSchool(ctx, school.School{FASE: 4242, Name: "École Sainte-Marie"}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2015, 9, 1, 0, 0, 0, 0, time.UTC)
	_, err = st.SaveRows(ctx, 4242, []school.Row{
		{Member: school.Member{LastName: "Écrivain", FirstName: "Émile", SchoolEmail: "emile.ecrivain@ecole.be"},
			Situation: school.Situation{Start: start, Active: true, Present: true, Function: "IP", Role: fwb.RoleEnseignant}},
		{Member: school.Member{LastName: "Abel", FirstName: "Marc", SchoolEmail: "marc.abel@ecole.be"},
			Situation: school.Situation{Start: start, Active: true, Present: true, Function: "IM"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSchoolUserAdd(t *testing.T) {
	db := ssSchool(t)
	code, out, errs := ssRun(t, "", "school", "user", "add", "--db", db, "--login", "Direction", "--name", "Rémy Milord", "--direction")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`(?m)^Mot de passe : (\S{16})\n$`).FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(out, "Utilisateur « direction » (Rémy Milord, direction) créé.\n") {
		t.Fatalf("stdout:\n%s", out)
	}
	ctx := context.Background()
	st, err := schoolstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByLogin(ctx, "direction")
	st.Close()
	if err != nil || !u.Direction || u.Name != "Rémy Milord" || !web.CheckPassword(u.PasswordHash, m[1]) {
		t.Fatalf("stored user %+v, %v", u, err)
	}
	if strings.Contains(u.PasswordHash, m[1]) {
		t.Fatal("the password is stored in clear")
	}

	// A password on stdin is not printed.
	code, out, errs = ssRun(t, "un mot de passe assez long\n", "school", "user", "add", "--db", db, "--login", "secretariat", "--name", "Sophie", "--password-stdin")
	if code != exitOK || strings.Contains(out, "Mot de passe") || strings.Contains(out, "assez long") {
		t.Fatalf("--password-stdin: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	for _, test := range []struct {
		stdin string
		args  []string
		code  int
		msg   string
	}{
		{"", []string{"--login", "direction", "--name", "Autre"}, exitFailure, "l'identifiant « direction » est déjà utilisé"},
		{"court\n", []string{"--login", "x", "--name", "X", "--password-stdin"}, exitUsage, "au moins 10 caractères"},
		{"", []string{"--login", "x", "--name", "X", "--password-stdin"}, exitUsage, "aucun mot de passe reçu"},
		{"", []string{"--name", "X"}, exitUsage, "--login"},
		{"", []string{"--login", "x"}, exitUsage, "--name"},
	} {
		args := append([]string{"school", "user", "add", "--db", db}, test.args...)
		code, _, errs := ssRun(t, test.stdin, args...)
		if code != test.code || !strings.Contains(errs, test.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", test.args, code, errs, test.code, test.msg)
		}
	}
}

// TestSchoolUserPassword: a forgotten password replaced on the command line.
func TestSchoolUserPassword(t *testing.T) {
	db := ssSchool(t)
	if code, _, errs := ssRun(t, "ancien mot de passe\n", "school", "user", "add", "--db", db, "--login", "direction", "--name", "Rémy Milord", "--direction", "--password-stdin"); code != exitOK {
		t.Fatalf("user add: %s", errs)
	}
	code, out, errs := ssRun(t, "", "school", "user", "password", "--db", db, "--login", "Direction")
	m := regexp.MustCompile(`(?m)^Mot de passe : (\S{16})\n$`).FindStringSubmatch(out)
	if code != exitOK || m == nil || !strings.HasPrefix(out, "Mot de passe de « direction » changé ; ses sessions ouvertes sont fermées.\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	ctx := context.Background()
	st, err := schoolstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByLogin(ctx, "direction")
	st.Close()
	if err != nil || !web.CheckPassword(u.PasswordHash, m[1]) || web.CheckPassword(u.PasswordHash, "ancien mot de passe") {
		t.Fatalf("stored user %+v, %v", u, err)
	}
	code, out, _ = ssRun(t, "un nouveau mot de passe\n", "school", "user", "password", "--db", db, "--login", "direction", "--password-stdin")
	if code != exitOK || strings.Contains(out, "Mot de passe :") {
		t.Fatalf("--password-stdin: exit %d, stdout %q", code, out)
	}
	for _, test := range []struct {
		stdin string
		args  []string
		code  int
		msg   string
	}{
		{"", []string{"--login", "personne"}, exitFailure, "Aucun utilisateur « personne »"},
		{"court\n", []string{"--login", "direction", "--password-stdin"}, exitUsage, "au moins 10 caractères"},
		{"", []string{}, exitUsage, "--login"},
	} {
		args := append([]string{"school", "user", "password", "--db", db}, test.args...)
		code, _, errs := ssRun(t, test.stdin, args...)
		if code != test.code || !strings.Contains(errs, test.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", test.args, code, errs, test.code, test.msg)
		}
	}
}

// TestSchoolServe starts the pages as the binary does: they answer on the
// address printed, ask for a sign-in, show the list once signed in, and
// stop cleanly when the context ends.
func TestSchoolServe(t *testing.T) {
	db := ssSchool(t)
	if code, _, errs := ssRun(t, "mot-de-passe-de-test\n", "school", "user", "add", "--db", db, "--login", "direction", "--name", "Rémy Milord", "--direction", "--password-stdin"); code != exitOK {
		t.Fatalf("user add: %s", errs)
	}

	var out, errb syncbuf.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		Now: func() time.Time { return ssNow }}
	stop := startCommand(t, m, "school", "serve", "--db", db, "--addr", "127.0.0.1:0", "--trust-proxy")
	addr := regexp.MustCompile(`^École : (http://127\.0\.0\.1:\d+/)\n$`).FindStringSubmatch(out.String())
	if addr == nil {
		t.Fatalf("stdout = %q", out.String())
	}
	base := addr[1]

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := c.Get(base + strings.TrimPrefix(path, "/"))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	// Without a session: the sign-in page, and no staff data.
	code, page := get("/")
	signin := htmlcheck.Parse(t, page)
	if code != http.StatusOK || signin.One("h1").Text() != "Connexion" || strings.Contains(page, "Écrivain") {
		t.Fatalf("before sign-in: %d", code)
	}
	token := signin.Form("/connexion").CSRF()
	// With --trust-proxy, a refused sign-in is logged with the address the
	// proxy forwarded.
	req, _ := http.NewRequest("POST", base+"connexion", strings.NewReader(url.Values{"csrf": {token}, "identifiant": {"direction"}, "mot_de_passe": {"faux"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d", res.StatusCode)
	}
	res, err = c.PostForm(base+"connexion", url.Values{"csrf": {token}, "identifiant": {"direction"}, "mot_de_passe": {"mot-de-passe-de-test"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if list := htmlcheck.Parse(t, string(b)); res.StatusCode != http.StatusOK || len(list.WithText("#liste td.col-nom a", "Écrivain Émile")) != 1 ||
		list.Link("Paramètres extranet").Attr("href") != "/parametres" {
		t.Fatalf("after sign-in: %d\n%s", res.StatusCode, b)
	}

	if code := stop(); code != exitOK {
		t.Fatalf("serve exit %d: %s", code, errb.String())
	}
	if logs := errb.String(); !strings.Contains(logs, `"msg":"signed in"`) {
		t.Errorf("the log lacks the sign-in:\n%s", logs)
	}
	if logs := errb.String(); !strings.Contains(logs, `"msg":"sign-in refused","login":"direction","ip":"203.0.113.9"`) {
		t.Errorf("the log lacks the refused sign-in from the forwarded address:\n%s", logs)
	}
}

func TestSchoolServeUsage(t *testing.T) {
	db := ssSchool(t)
	for _, test := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--fase", "17"}, exitFailure, "Aucune école FASE 17"},
		{[]string{"extra"}, exitUsage, "argument inattendu"},
		{[]string{"--addr", "256.0.0.1:99999"}, exitFailure, "École :"},
	} {
		args := append([]string{"school", "serve", "--db", db}, test.args...)
		code, _, errs := ssRun(t, "", args...)
		if code != test.code || !strings.Contains(errs, test.msg) {
			t.Errorf("%v: exit %d, stderr %q", test.args, code, errs)
		}
	}
}
