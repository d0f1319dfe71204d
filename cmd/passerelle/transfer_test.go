package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/internal/testkit"
	"passerelle/school"
	"passerelle/store/schoolstore"
)

// trNow is the clock of these tests: Thursday 26 November 2026, 18:00.
var trNow = time.Date(2026, 11, 26, 18, 0, 0, 0, frtext.Brussels)

const trFASE = 4242

// trRun runs one command line as the binary does and returns its exit code,
// stdout and stderr.
func trRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin),
		Getenv: func(k string) string {
			if k == "USER" {
				return "secretariat"
			}
			return ""
		},
		Now: func() time.Time { return trNow },
	}
	code := m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

// trSetup starts a real extranet over HTTP with the school registered, and
// a school database with a small staff; it returns the database URL, the
// extranet's address and the school's token.
func trSetup(t *testing.T) (db, url, token string) {
	t.Helper()
	ctx := context.Background()
	x := testkit.StartExtranet(t, testkit.ExtranetOptions{
		Now: func() time.Time { return trNow }, Log: slog.New(slog.DiscardHandler),
		Schools: []testkit.School{{FASE: trFASE, Name: "École Saint-Joseph"}},
	})
	token = x.Tokens[trFASE]

	db = "sqlite:" + filepath.Join(t.TempDir(), "school.db")
	st, err := schoolstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SaveSchool(ctx, school.School{FASE: trFASE, Name: "École Saint-Joseph"}); err != nil {
		t.Fatal(err)
	}
	row := func(last, first, birth, email, fn string, role fwb.Role) school.Row {
		bd, _ := time.Parse(time.DateOnly, birth)
		return school.Row{
			Member: school.Member{LastName: last, FirstName: first, BirthDate: bd, SchoolEmail: email},
			Situation: school.Situation{FASE: trFASE, Start: time.Date(2015, 9, 1, 0, 0, 0, 0, time.UTC),
				Present: true, Active: true, Status: "D", Function: fn, Role: role},
		}
	}
	if _, err := st.SaveRows(ctx, trFASE, []school.Row{
		row("Dupont", "Jean", "1980-05-04", "jean.dupont@sjoseph.be", "IP", fwb.RoleEnseignant),
		row("Martin", "Marie", "1985-02-03", "marie.martin@sjoseph.be", "IM", fwb.RoleNone),
		row("Janssens", "Tom", "1979-12-24", "", "IP", fwb.RoleEnseignant),
		row("Claes", "Sophie", "1983-03-09", "sophie.claes@sjoseph.be", "ME", fwb.RoleEnseignant),
		row("Bernard", "Zoé", "1994-06-18", "zoe.bernard@sjoseph.be", "MR", fwb.RoleEnseignant),
		row("Écrivain", "Élodie", "1991-07-01", "elodie.ecrivain@sjoseph.be", "IP", fwb.RoleEnseignant),
	}); err != nil {
		t.Fatal(err)
	}
	return db, x.URL, token
}

func TestSchoolTransferCommands(t *testing.T) {
	db, url, token := trSetup(t)

	// Settings: the token is read from stdin and never echoed.
	code, out, errs := trRun(t, token+"\n", "school", "settings", "--db", db, "--extranet", url, "--token-stdin")
	if code != 0 || strings.Contains(out+errs, token) || !strings.Contains(out, "Jeton : enregistré") {
		t.Fatalf("settings: %d\n%s%s", code, out, errs)
	}

	// Without a school e-mail, Tom Janssens is held back.
	first := `Information : Complété Rôle Extranet "Enseignant" chez Marie Martin
Erreur : Non transféré Tom Janssens – adresse e-mail école manquante
Avertissement : Créé Rôle Zoé Bernard – Enseignant
Avertissement : Créé Rôle Sophie Claes – Enseignant
Avertissement : Créé Rôle Jean Dupont – Enseignant
Avertissement : Créé Rôle Élodie Écrivain – Enseignant
Avertissement : Créé Rôle Marie Martin – Enseignant
`
	code, out, errs = trRun(t, "", "school", "transfer", "--db", db, "--dry-run")
	if want := first + "Aperçu : rien n'a été transféré.\n"; code != 0 || out != want || errs != "" {
		t.Fatalf("dry run: %d\n%s\nwant\n%s%s", code, out, want, errs)
	}
	closing := "Le transfert est fait.\nAttention ! Les accès à l'extranet SeGEC ne sont pas immédiats. Il faut attendre une nuit avant d'avoir accès au portail.\n"
	code, out, errs = trRun(t, "", "school", "transfer", "--db", db, "--fase", "4242")
	if want := first + closing; code != 0 || out != want || errs != "" {
		t.Fatalf("transfer: %d\n%s\nwant\n%s%s", code, out, want, errs)
	}
	code, out, _ = trRun(t, "", "school", "transfer", "--db", db)
	if want := "Erreur : Non transféré Tom Janssens – adresse e-mail école manquante\nInformation : Aucun changement.\n" + closing; code != 0 || out != want {
		t.Fatalf("second transfer: %d\n%s", code, out)
	}

	// A wrong token: exit 1, the French error on stderr, nothing on stdout.
	code, out, errs = trRun(t, "", "school", "transfer", "--db", db, "--token", "faux")
	if code != 1 || out != "" || errs != "Erreur : jeton refusé par l'extranet : vérifiez le jeton dans les paramètres\n" {
		t.Fatalf("bad token: %d %q %q", code, out, errs)
	}

	// The whole staff leaves: the guard holds a transfer that would
	// deactivate every grant of the school.
	ctx := context.Background()
	st, err := schoolstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.Rows(ctx, trFASE)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].Situation.Active = false
	}
	if _, err := st.SaveRows(ctx, trFASE, rows); err != nil {
		t.Fatal(err)
	}
	st.Close()
	held := `Avertissement : Désactivé Rôle Zoé Bernard – Enseignant
Avertissement : Désactivé Rôle Sophie Claes – Enseignant
Avertissement : Désactivé Rôle Jean Dupont – Enseignant
Avertissement : Désactivé Rôle Élodie Écrivain – Enseignant
Avertissement : Désactivé Rôle Marie Martin – Enseignant
Avertissement : Transfert suspendu – 5 désactivations à confirmer (--confirm-deactivations 5).
`
	code, out, errs = trRun(t, "", "school", "transfer", "--db", db)
	if code != 3 || out != held || errs != "" {
		t.Fatalf("held: %d\n%s%s", code, out, errs)
	}
	code, out, _ = trRun(t, "", "school", "transfer", "--db", db, "--confirm-deactivations", "5")
	if want := strings.Join(strings.Split(held, "\n")[:5], "\n") + "\n" + closing; code != 0 || out != want {
		t.Fatalf("confirmed: %d\n%s\nwant\n%s", code, out, want)
	}

	// The history, newest first, in Brussels time.
	code, out, _ = trRun(t, "", "school", "transfers", "--db", db)
	want := `n° 6  26/11/2026 18:00  secretariat  transfert  fait  complétés 0, erreurs 0, modifiés 0, créés 0, désactivés 5, inchangés 0, rejetés 0
n° 5  26/11/2026 18:00  secretariat  transfert  suspendu  5 désactivations à confirmer
n° 4  26/11/2026 18:00  secretariat  transfert  échec  jeton refusé par l'extranet : vérifiez le jeton dans les paramètres
n° 3  26/11/2026 18:00  secretariat  transfert  aucun changement  complétés 0, erreurs 1, modifiés 0, créés 0, désactivés 0, inchangés 5, rejetés 0
n° 2  26/11/2026 18:00  secretariat  transfert  fait  complétés 1, erreurs 1, modifiés 0, créés 5, désactivés 0, inchangés 0, rejetés 0
n° 1  26/11/2026 18:00  secretariat  aperçu  aperçu  complétés 1, erreurs 1, modifiés 0, créés 5, désactivés 0, inchangés 0, rejetés 0
`
	if code != 0 || out != want {
		t.Fatalf("history: %d\n%s\nwant\n%s", code, out, want)
	}
	code, out, _ = trRun(t, "", "school", "transfers", "--db", db, "--id", "2")
	if !strings.HasPrefix(out, "n° 2  26/11/2026 18:00") || !strings.Contains(out, "Année scolaire : 2026-2027\n") || !strings.HasSuffix(out, "\n\n"+first+closing) || code != 0 {
		t.Fatalf("one transfer: %d\n%s", code, out)
	}
	if code, _, errs = trRun(t, "", "school", "transfers", "--db", db, "--id", "99"); code != 1 || !strings.Contains(errs, "introuvable") {
		t.Fatalf("unknown id: %d %s", code, errs)
	}
}

func TestSchoolSettingsCommand(t *testing.T) {
	db, _, _ := trSetup(t)
	code, _, errs := trRun(t, "", "school", "settings", "--db", db, "--auto", "on")
	if code != 2 || !strings.Contains(errs, "--by") {
		t.Fatalf("auto without consent: %d %s", code, errs)
	}
	code, out, errs := trRun(t, "", "school", "settings", "--db", db, "--auto", "on", "--by", "Luc Lambert", "--days", "lun,jeudi", "--hour", "7")
	want := `Paramètres enregistrés.
École : FASE 4242
Extranet : (non indiquée)
Jeton : absent
Transfert automatique : activé le 26/11/2026 à 18:00 par Luc Lambert
Jours : lundi, jeudi à 7h (heure de Bruxelles)
Prochain transfert automatique : 30/11/2026 à 07:00
`
	if code != 0 || out != want {
		t.Fatalf("settings: %d\n%s\nwant\n%s%s", code, out, want, errs)
	}
	for _, args := range [][]string{
		{"--days", "lun,dimanchee"}, {"--hour", "24"}, {"--auto", "peut-être"},
		{"--extranet", "extranet.be"}, {"--token-file", "x", "--token-stdin"},
	} {
		if code, _, errs := trRun(t, "", append([]string{"school", "settings", "--db", db}, args...)...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
	}
	// No address configured: the transfer fails and says where to set it.
	code, _, errs = trRun(t, "", "school", "transfer", "--db", db)
	if code != 1 || !strings.Contains(errs, "adresse de l'extranet manquante") {
		t.Fatalf("no address: %d %s", code, errs)
	}
}
