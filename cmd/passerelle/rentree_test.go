package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
)

// xtRunEnv is xtRun with environment variables.
func xtRunEnv(env map[string]string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] },
		Now: func() time.Time { return xtNow }}
	code := m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestExtranetNightRentree: the night report prints the accesses carried
// over and their deadline, which PASSERELLE_RENTREE_DEADLINE moves.
func TestExtranetNightRentree(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "extranet.db")
	mailDir := filepath.Join(dir, "mail")
	xtSchoolWithStaff(t, db, 4242, 3)
	night := func(env map[string]string, at string) (int, string, string) {
		return xtRunEnv(env, "extranet", "night", "--db", db, "--mail-dir", mailDir, "--portal-url", "https://extranet.example/", "--at", at)
	}
	if code, out, errs := night(nil, "2026-11-27T02:00:00+01:00"); code != exitOK {
		t.Fatalf("first night: %d\n%s%s", code, out, errs)
	}
	code, out, errs := night(nil, "2027-07-03T02:00:00+02:00")
	if code != exitOK || !strings.Contains(out, "Accès expirés : 0") ||
		!strings.Contains(out, "Accès reconduits : 3 (1 école en attente de la nouvelle année) jusqu'au 30/09/2027") {
		t.Fatalf("night of 3 July 2027: %d\n%s%s", code, out, errs)
	}
	env := map[string]string{graceEnv: "15/09"}
	code, out, _ = night(env, "2027-09-15T02:00:00+02:00")
	if code != exitOK || !strings.Contains(out, "jusqu'au 15/09/2027") {
		t.Fatalf("night of 15 September 2027 with %s=15/09:\n%s", graceEnv, out)
	}
	code, out, _ = night(env, "2027-09-16T02:00:00+02:00")
	if code != exitOK || !strings.Contains(out, "Accès expirés : 3") || !strings.Contains(out, "Comptes désactivés : 3") ||
		strings.Contains(out, "Accès reconduits") {
		t.Fatalf("night of 16 September 2027 with %s=15/09:\n%s", graceEnv, out)
	}
	code, _, errs = night(map[string]string{graceEnv: "31/09"}, "2027-09-17T02:00:00+02:00")
	if code != exitUsage || !strings.Contains(errs, "PASSERELLE_RENTREE_DEADLINE : date « 31/09 » invalide : ce jour n'existe pas") {
		t.Fatalf("31/09: exit %d, %q", code, errs)
	}
}

// TestSchoolTransferRentree: --rentree sends the next school year, from 1
// June; before, it says from when, and sends nothing.
func TestSchoolTransferRentree(t *testing.T) {
	db, url, token := trSetup(t)
	if code, out, errs := trRun(t, token+"\n", "school", "settings", "--db", db, "--extranet", url, "--token-stdin"); code != 0 {
		t.Fatalf("settings: %d\n%s%s", code, out, errs)
	}
	code, out, errs := trRun(t, "", "school", "transfer", "--db", db, "--rentree", "--dry-run")
	if code != exitFailure || out != "" ||
		errs != "Erreur : la rentrée 2027-2028 se prépare à partir du 01/06/2027 : d'ici là, le transfert envoie l'année en cours (2026-2027)\n" {
		t.Fatalf("November: %d %q %q", code, out, errs)
	}
	code, out, errs = trRun(t, "", "school", "transfer", "--db", db, "--rentree", "--dry-run", "--today", "2027-06-14")
	if code != exitOK || !strings.HasPrefix(out, "Information : Préparation de la rentrée 2027-2028 – le personnel tel qu'au premier jour, le 30/08/2027.\n") ||
		!strings.HasSuffix(out, "Aperçu : rien n'a été transféré.\n") {
		t.Fatalf("June: %d\n%s%s", code, out, errs)
	}
}

// TestExtranetNightRentreeSCIM: the report of the rentrée's night counts
// the schools fed by SCIM whose new year it sent.
func TestExtranetNightRentreeSCIM(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "extranet.db")
	if code, _, errs := xtRun(t, xtNow, "extranet", "school", "add", "--db", db, "--fase", "4242", "--name", "École SCIM"); code != exitOK {
		t.Fatalf("school add: %s", errs)
	}
	in := extranet.SCIMUserInput{UserName: "anne@ecole.be", LastName: "Lambert", FirstName: "Anne", BirthDate: "1980-02-01",
		Email: "anne@ecole.be", Role: "Enseignant", Active: true}
	if _, err := xtService(t, db).SCIMCreate(context.Background(), 4242, in, extranet.SCIMOptions{}); err != nil {
		t.Fatal(err)
	}
	night := func(at string) string {
		t.Helper()
		code, out, errs := xtRunEnv(nil, "extranet", "night", "--db", db, "--mail-dir", filepath.Join(dir, "mail"), "--portal-url", "https://extranet.example/", "--at", at)
		if code != exitOK {
			t.Fatalf("night %s: %d\n%s%s", at, code, out, errs)
		}
		return out
	}
	night("2026-11-27T02:00:00+01:00")
	out := night("2027-07-03T02:00:00+02:00")
	if !strings.Contains(out, "Rentrée des écoles approvisionnées par SCIM : 1 école\n") ||
		!strings.Contains(out, "Accès renouvelés sans e-mail : 1\n") || strings.Contains(out, "Accès reconduits") {
		t.Fatalf("night of 3 July 2027:\n%s", out)
	}
}
