package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/internal/syncbuf"
)

func TestExtranetSCIMConfirm(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")
	if code, _, errs := xtRun(t, xtNow, "extranet", "school", "add", "--db", db, "--fase", "4242", "--name", "École"); code != exitOK {
		t.Fatalf("school add: %s", errs)
	}
	code, out, errs := xtRun(t, xtNow, "extranet", "school", "scim-confirm", "--db", db, "--fase", "4242", "--count", "12")
	if code != exitOK || !strings.Contains(out, "jusqu'à 12 désactivations") {
		t.Fatalf("scim-confirm: exit %d, %q, %q", code, out, errs)
	}
	svc := xtService(t, db)
	a, err := svc.Store.Audit(context.Background(), extranet.AuditFilter{FASE: 4242, Action: extranet.AuditSCIMConfirmed})
	if err != nil || len(a) != 1 || a[0].Actor != "cli:operateur" || !strings.Contains(a[0].Detail, `"maxCount":12`) {
		t.Fatalf("audit %+v %v", a, err)
	}
	if code, _, errs := xtRun(t, xtNow, "extranet", "school", "scim-confirm", "--db", db, "--fase", "4242"); code != exitUsage || !strings.Contains(errs, "--count") {
		t.Errorf("without --count: exit %d, %q", code, errs)
	}
	if code, _, errs := xtRun(t, xtNow, "extranet", "school", "scim-confirm", "--db", db, "--fase", "999", "--count", "3"); code != exitFailure || !strings.Contains(errs, "n'est pas inscrite") {
		t.Errorf("unknown school: exit %d, %q", code, errs)
	}
}

// extranet serve answers SCIM under /scim/v2, with the school's token.
func TestExtranetServeSCIM(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "extranet.db")
	token := xtSchoolWithStaff(t, db, 4242, 2)
	var out, errb syncbuf.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		Now: func() time.Time { return xtNow }}
	stop := startCommand(t, m, "extranet", "serve", "--db", db, "--addr", "127.0.0.1:0", "--night-at", "off")
	addr := regexp.MustCompile(`Extranet : (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(out.String())
	if addr == nil {
		t.Fatalf("no address on stdout: %q", out.String())
	}
	req, _ := http.NewRequest("GET", addr[1]+"scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ TotalResults int }
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/scim+json" || list.TotalResults != 2 {
		t.Fatalf("GET /scim/v2/Users: %d %q %+v %v", resp.StatusCode, resp.Header.Get("Content-Type"), list, err)
	}
	// The prefix alone answers as SCIM, not with the mux's HTML redirect.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get(addr[1] + "scim/v2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/scim+json" {
		t.Fatalf("GET /scim/v2: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if code := stop(); code != exitOK {
		t.Fatalf("serve exit %d: %s", code, errb.String())
	}
}
