package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"passerelle/frtext"
	"passerelle/school"
	"passerelle/store/schoolstore"
)

// scNow is the clock of the school command tests: 26 November 2026, during
// the 2026-2027 school year.
var scNow = time.Date(2026, 11, 26, 18, 0, 0, 0, frtext.Brussels)

// scRun runs one command line as the binary does and returns its exit code,
// stdout and stderr.
func scRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: func() time.Time { return scNow }}
	code := m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func scDB(t *testing.T) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "school.db")
}

// demoCSV is the demo school's staff file (package demodata).
const demoCSV = "../../school/demodata/demo.csv"

func scFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func scRows(t *testing.T, db string, fase int) []school.Row {
	t.Helper()
	st, err := schoolstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.Rows(context.Background(), fase)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func win1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSchoolImportWindows1252(t *testing.T) {
	db := scDB(t)
	const file = "Nom;Prénom;Date de naissance;E-mail école;Fonction principale;Charge;Rôle extranet\r\n" +
		"Vervandier;Gaëlle;25/07/1989;gaelle.vervandier@ecole.be;IM;IM 13/26;Enseignant\r\n" +
		"Demarcel;Séverine;15/06/1980;severine.demarcel@ecole.be;IP;IP 24/24;Enseignant\r\n" +
		"Coremans;Michèle;21/08/1995;michele.coremans@ecole.be;IP;IP 24/24;\r\n"
	path := scFile(t, "personnel.csv", win1252(t, file))

	for _, test := range []struct {
		name, path, want string
		args             []string
	}{
		{"first import", path, "3 membres créés, 0 modifié, 0 inchangé.\n", []string{"--fase", "5342", "--name", "École Sainte-Marie"}},
		{"same file again", path, "0 membre créé, 0 modifié, 3 inchangés.\n", nil},
		{"dry run of a change", scFile(t, "b.csv", win1252(t, strings.Replace(file, "IM 13/26", "IM 26/26", 1))),
			"0 membre créé, 1 modifié, 2 inchangés.\nAperçu : rien n'a été importé.\n", []string{"--dry-run"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			args := append([]string{"school", "import", "--db", db}, test.args...)
			code, out, errOut := scRun(t, append(args, test.path)...)
			if code != 0 || out != test.want || errOut != "" {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant %q", code, out, errOut, test.want)
			}
		})
	}
	rows := scRows(t, db, 5342)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	names := map[string]school.Row{}
	for _, r := range rows {
		names[r.DisplayName()] = r
	}
	for _, n := range []string{"Gaëlle Vervandier", "Séverine Demarcel", "Michèle Coremans"} {
		if _, ok := names[n]; !ok {
			t.Errorf("%s missing from %v", n, names)
		}
	}
	if got := names["Gaëlle Vervandier"].Situation.Resume(); got != "IM 13/26" {
		t.Errorf("dry run changed the charge: %s", got)
	}
	if got := names["Gaëlle Vervandier"].Situation.Start; !got.Equal(time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("default start %v, want the first day of 2026-2027", got)
	}
}

func TestSchoolImportRefused(t *testing.T) {
	db := scDB(t)
	bad := scFile(t, "bad.csv", []byte("Nom;Prénom;Fonction principale;Date de début\n"+
		"Ludo;Guy;IP;01/09/2009\n"+
		"Walter;Olaf;ME;31/02/2026\n"))
	code, out, errOut := scRun(t, "school", "import", "--db", db, "--fase", "5342", bad)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := "ligne 3, colonne Date de début : la date 31/02/2026 n'existe pas : vérifiez le jour et le mois\n" +
		"Import refusé : 1 erreur dans le fichier. Corrigez-la puis recommencez ; rien n'a été importé.\n"
	if errOut != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
	// Nothing was written, not even the school.
	st, err := schoolstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if schools, err := st.Schools(context.Background()); err != nil || len(schools) != 0 {
		t.Errorf("schools after a refused import: %v, %v", schools, err)
	}

	for _, test := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no file", []string{"school", "import", "--db", db, "--fase", "5342"}, 2, "donnez un seul fichier"},
		{"empty base without --fase", []string{"school", "import", "--db", db, bad}, 2, "donnez son numéro avec --fase N"},
		{"missing file", []string{"school", "import", "--db", db, "--fase", "5342", filepath.Join(t.TempDir(), "nope.csv")}, 1, "illisible"},
		{"check on an empty base", []string{"school", "check", "--db", db}, 1, "La base ne contient aucune école"},
		{"export of a missing school", []string{"school", "export", "--db", db, "--fase", "17"}, 1, "Aucune école FASE 17"},
		{"bad format", []string{"school", "export", "--db", db, "--format", "pdf"}, 2, "choisissez csv ou xlsx"},
		{"bad day", []string{"school", "check", "--db", db, "--today", "26/11/2026"}, 2, "AAAA-MM-JJ"},
	} {
		t.Run(test.name, func(t *testing.T) {
			code, _, errOut := scRun(t, test.args...)
			if code != test.code || !strings.Contains(errOut, test.err) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, test.code, test.err)
			}
		})
	}
}

func TestSchoolCheck(t *testing.T) {
	db := scDB(t)
	demo := demoCSV
	if code, out, errOut := scRun(t, "school", "import", "--db", db, "--fase", "5342", demo); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	code, out, errOut := scRun(t, "school", "check", "--db", db, "--today", "2026-11-26")
	if code != 1 {
		t.Errorf("exit %d, want 1 (a blocking problem)", code)
	}
	for _, want := range []string{
		"Bloquant : Talia Gensen – adresse e-mail école manquante : encodez-la dans sa fiche.\n\nAvertissement : ",
		"Avertissement : Gaëlle Vervandier – numéro national « 890725 » invalide : le numéro national doit compter 11 chiffres (6 reçus) ; corrigez-le dans sa fiche.\n",
		"Avertissement : Michèle Coremans – charge IP 28/24 au-delà d'un temps plein : corrigez la charge dans sa fiche.\n",
		"Avertissement : Pascale Brocar – numéro national « 88407140254 » : chiffres de contrôle incorrects",
		"Avertissement : Eve Daniel – numéro national « 88910153254 » : chiffres de contrôle incorrects",
		"Information : Guy Ludo – pas de rôle extranet encodé : le transfert lui donnera le rôle « Enseignant »",
		"\n\n1 bloquant, 5 avertissements, 2 informations.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "Corrigez les problèmes bloquants") {
		t.Errorf("stderr %q", errOut)
	}
	// Before the situations start, nothing is current: nothing to report.
	if code, out, _ := scRun(t, "school", "check", "--db", db, "--fase", "5342", "--today", "1970-01-01"); code != 0 ||
		out != "Aucun problème : les situations école sont prêtes pour le transfert.\n" {
		t.Errorf("check in 1970: %d %q", code, out)
	}

	clean := scDB(t)
	file := scFile(t, "ok.csv", []byte("Nom;Prénom;Date de naissance;E-mail école;Fonction principale;Rôle extranet\nLudo;Guy;19/03/1985;guy.ludo@ecole.be;IP;\n"))
	if code, _, errOut := scRun(t, "school", "import", "--db", clean, "--fase", "17", file); code != 0 {
		t.Fatal(errOut)
	}
	code, out, _ = scRun(t, "school", "check", "--db", clean, "--today", "2026-11-26")
	if code != 0 || !strings.HasSuffix(out, "\n\n0 bloquant, 0 avertissement, 1 information.\n") {
		t.Errorf("clean check: %d %q", code, out)
	}

	// Two schools: --fase is needed.
	if code, _, errOut := scRun(t, "school", "import", "--db", clean, "--fase", "18", file); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := scRun(t, "school", "check", "--db", clean); code != 2 || !strings.Contains(errOut, "La base contient 2 écoles (FASE 17, 18) : précisez laquelle avec --fase N.") {
		t.Errorf("two schools: %d %q", code, errOut)
	}
}

func TestSchoolExport(t *testing.T) {
	db := scDB(t)
	if code, _, errOut := scRun(t, "school", "import", "--db", db, "--fase", "5342", demoCSV); code != 0 {
		t.Fatal(errOut)
	}
	code, first, errOut := scRun(t, "school", "export", "--db", db)
	if code != 0 || errOut != "" || !strings.HasPrefix(first, "\uFEFFNom;Prénom;") || strings.Count(first, "\r\n") != 21 {
		t.Fatalf("export: %d %q\n%s", code, errOut, first)
	}
	if !strings.Contains(first, "\r\nBrocar;Pascale;14/07/1984;F;88407140254;28407140254;pascale.brocar@sainte-marie-namur.be;;ME;non;D;ME 8/24;oui;oui;01/09/2012;;Enseignant\r\n") {
		t.Errorf("Brocar's line missing:\n%s", first)
	}

	// The export imports into another base and exports identically, and
	// imports back into its own base without a change.
	path := scFile(t, "export.csv", []byte(first))
	if code, out, errOut := scRun(t, "school", "import", "--db", db, path); code != 0 || out != "0 membre créé, 0 modifié, 20 inchangés.\n" {
		t.Fatalf("re-import: %d %q %q", code, out, errOut)
	}
	other := scDB(t)
	if code, out, errOut := scRun(t, "school", "import", "--db", other, "--fase", "5342", path); code != 0 || out != "20 membres créés, 0 modifié, 0 inchangé.\n" {
		t.Fatalf("import of the export: %d %q %q", code, out, errOut)
	}
	if _, second, _ := scRun(t, "school", "export", "--db", other, "--format", "csv"); second != first {
		t.Errorf("second export differs:\n%s\nfirst:\n%s", second, first)
	}

	xlsx := filepath.Join(t.TempDir(), "personnel.xlsx")
	code, out, errOut := scRun(t, "school", "export", "--db", db, "--fase", "5342", "-o", xlsx)
	if code != 0 || out != "20 situations exportées dans "+xlsx+".\n" {
		t.Fatalf("xlsx export: %d %q %q", code, out, errOut)
	}
	zr, err := zip.OpenReader(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := false
	for _, f := range zr.File {
		found = found || f.Name == "xl/worksheets/sheet1.xml"
	}
	if !found {
		t.Error("no sheet in the workbook")
	}
}

// A database URL is never printed with its password, whatever the command.
func TestDBErrorHidesPassword(t *testing.T) {
	const db = "postgres://passerelle:s3cret@db.invalid:port/x"
	for _, args := range [][]string{
		{"school check", "--db", db},
		{"school transfers", "--db", db},
		{"extranet school rotate-token", "--fase", "5342", "--db", "mysql://root:s3cret@db/x"},
	} {
		args = strings.Fields(strings.Join(args, " "))
		code, out, errOut := scRun(t, args...)
		if code != exitFailure || !strings.Contains(errOut, "xxxxx") {
			t.Errorf("%v: exit %d, %q; want exit %d naming the masked URL", args, code, errOut, exitFailure)
		}
		if strings.Contains(out+errOut, "s3cret") {
			t.Errorf("%v shows the password:\n%s%s", args, out, errOut)
		}
	}
}

// TestSchoolFunctionsFile: a function code missing from the embedded table
// is refused, and accepted once PASSERELLE_FUNCTIONS names a file that adds
// it.
func TestSchoolFunctionsFile(t *testing.T) {
	csv := scFile(t, "staff.csv", []byte("Nom;Prénom;Date de naissance;Matricule;E-mail école;Fonction principale;Charge\n"+
		"Dupont;Jean;04/05/1980;18005040123;jean.dupont@ecole.be;PGC;20/20\n"))
	run := func(env map[string]string, args ...string) (int, string) {
		var out, errb bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return scNow }}
		code := m.Run(context.Background(), args)
		return code, out.String() + errb.String()
	}
	db := scDB(t)
	if code, out := run(nil, "school", "import", "--db", db, "--fase", "4242", "--name", "Athénée", csv); code != exitFailure {
		t.Fatalf("import with an unknown function: exit %d, want 1\n%s", code, out)
	}
	functions := scFile(t, "fonctions.csv", []byte("PGC;Professeur de cours généraux;20;periodes;Enseignant\n"))
	env := map[string]string{functionsEnv: functions}
	if code, out := run(env, "school", "import", "--db", db, "--fase", "4242", "--name", "Athénée", csv); code != exitOK {
		t.Fatalf("import with PASSERELLE_FUNCTIONS: exit %d\n%s", code, out)
	}
	if code, out := run(map[string]string{functionsEnv: filepath.Join(t.TempDir(), "absent.csv")}, "school", "check", "--db", db); code != exitFailure || !strings.Contains(out, "Fichier de fonctions") {
		t.Fatalf("missing functions file: exit %d\n%s", code, out)
	}
}
