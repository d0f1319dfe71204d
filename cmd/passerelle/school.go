package main

// The commands of the Situation école list: school import, school export and
// school check (the checks to run before the <Extranet SeGEC> transfer), and
// the helpers that every school command shares: openSchool (openSchoolStore
// and schoolFASE).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/store"
	"passerelle/store/schoolstore"
)

// openSchoolStore opens the school database with the command's clock.
func openSchoolStore(ctx context.Context, m *Main, url string) (*schoolstore.Store, error) {
	st, err := schoolstore.Open(ctx, url)
	if err != nil {
		return nil, failErr("Base de données %s : %v", store.Redact(url), err)
	}
	st.Now = m.Now
	return st, nil
}

// schoolFASEFlag adds --fase for the commands of one school database; 0
// means its only school (schoolFASE).
func schoolFASEFlag(fs *flag.FlagSet) *int {
	return fs.Int("fase", 0, "the school's FASE number (optional if the database has only one)")
}

// openSchool opens the school database and finds the school a command works
// on (schoolFASE). The caller closes the store.
func openSchool(ctx context.Context, m *Main, url string, fase int) (*schoolstore.Store, int, error) {
	st, err := openSchoolStore(ctx, m, url)
	if err != nil {
		return nil, 0, err
	}
	n, err := schoolFASE(ctx, st, fase)
	if err != nil {
		st.Close()
		return nil, 0, err
	}
	return st, n, nil
}

// schoolFASE returns the school a command works on: fase when given (it must
// exist), else the only school of the database.
func schoolFASE(ctx context.Context, st school.Store, fase int) (int, error) {
	if fase < 0 {
		return 0, usageErr("--fase %d : donnez le numéro FASE de l'école (un nombre entier positif)", fase)
	}
	if fase > 0 {
		if _, err := st.School(ctx, fase); err != nil {
			if errors.Is(err, school.ErrNotFound) {
				return 0, failErr("Aucune école FASE %d dans cette base : vérifiez --fase, ou importez d'abord son personnel (passerelle school import --fase %d FICHIER).", fase, fase)
			}
			return 0, err
		}
		return fase, nil
	}
	schools, err := st.Schools(ctx)
	if err != nil {
		return 0, err
	}
	switch len(schools) {
	case 0:
		return 0, failErr("La base ne contient aucune école : importez d'abord le personnel (passerelle school import --fase N FICHIER).")
	case 1:
		return schools[0].FASE, nil
	}
	faseList := make([]string, len(schools))
	for i, s := range schools {
		faseList[i] = fmt.Sprint(s.FASE)
	}
	return 0, usageErr("La base contient %d écoles (FASE %s) : précisez laquelle avec --fase N.", len(schools), strings.Join(faseList, ", "))
}

// clock returns the command's clock, fixed by --today when given.
func (m *Main) clock(today string) (func() time.Time, error) {
	if today == "" {
		return m.Now, nil
	}
	return parseDay(today)
}

// progressMinRows is the size from which an import shows a progress bar:
// below it the import takes well under a second.
const progressMinRows = 2000

func runSchoolImport(ctx context.Context, m *Main, args []string) error {
	o, err := parseSchoolImport(m, args)
	if err != nil {
		return err
	}
	in, closeIn, err := m.importInput(o.path)
	if err != nil {
		return err
	}
	defer closeIn()
	st, err := openSchoolStore(ctx, m, o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := importFASE(ctx, st, o.fase)
	if err != nil {
		return err
	}
	tables, err := m.tables()
	if err != nil {
		return err
	}
	rows, err := readImportFile(m, in, tables, o.now)
	if err != nil {
		return err
	}
	sc, exists, plan, err := planSchoolImport(ctx, st, n, rows)
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("%s, %s, %s.", frtext.Plural(plan.Created, "membre créé", "membres créés"),
		frtext.Plural(plan.Updated, "modifié", "modifiés"), frtext.Plural(plan.Unchanged, "inchangé", "inchangés"))
	if o.dryRun {
		fmt.Fprintln(m.Stdout, summary)
		fmt.Fprintln(m.Stdout, "Aperçu : rien n'a été importé.")
		return nil
	}
	if err := saveSchoolImport(ctx, m, st, n, o.name, sc, exists, plan); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, summary)
	return nil
}

// schoolImportOptions are the flags and the file of school import.
type schoolImportOptions struct {
	db, name, path string
	fase           int
	dryRun         bool
	now            func() time.Time
}

func parseSchoolImport(m *Main, args []string) (schoolImportOptions, error) {
	fs := m.flagSet("school import", "--db URL --fase N [--name NAME] [--dry-run] [--today YYYY-MM-DD] FILE",
		"Imports the staff from a CSV file (columns Nom, Prénom, Fonction principale, …; see docs/school.md).\n"+
			"The whole file is checked: on any error, nothing is imported and every error is listed.\n"+
			"A member already known (same matricule, else same national number, else same surname, first name\n"+
			"and date of birth) is updated. FILE \"-\" reads standard input.")
	db := m.dbFlag(fs)
	fase := fs.Int("fase", 0, "the school's FASE number; the school is created if missing (optional if the database has only one)")
	name := fs.String("name", "", "the school's name, to create or rename it")
	dryRun := fs.Bool("dry-run", false, "preview: check the file and count the changes, without importing anything")
	today := fs.String("today", "", "today's date (YYYY-MM-DD): sets the school year of the default start dates")
	if err := parse(fs, args); err != nil {
		return schoolImportOptions{}, err
	}
	if fs.NArg() != 1 {
		return schoolImportOptions{}, usageErr("donnez un seul fichier à importer, par exemple : passerelle school import --fase 5342 personnel.csv")
	}
	now, err := m.clock(*today)
	if err != nil {
		return schoolImportOptions{}, err
	}
	return schoolImportOptions{db: *db, name: strings.TrimSpace(*name), path: fs.Arg(0), fase: *fase, dryRun: *dryRun, now: now}, nil
}

// importInput opens the file to import; "-" is the standard input.
func (m *Main) importInput(path string) (io.Reader, func() error, error) {
	if path == "-" {
		return m.Stdin, func() error { return nil }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, failErr("Fichier %s illisible : %v", path, err)
	}
	return f, f.Close, nil
}

// planSchoolImport plans the import of rows into school n, which may not
// exist yet: it returns the school, whether it exists, and the plan.
func planSchoolImport(ctx context.Context, st *schoolstore.Store, n int, rows []school.ImportRow) (school.School, bool, school.ImportPlan, error) {
	sc, err := st.School(ctx, n)
	exists := err == nil
	if err != nil && !errors.Is(err, school.ErrNotFound) {
		return school.School{}, false, school.ImportPlan{}, err
	}
	var existing []school.Row
	if exists {
		if existing, err = st.Rows(ctx, n); err != nil {
			return school.School{}, false, school.ImportPlan{}, err
		}
	}
	return sc, exists, school.PlanImport(existing, rows, n), nil
}

// importFASE returns the school an import is for: fase, or without --fase
// the only school of the base; an empty base needs the number to create the
// school.
func importFASE(ctx context.Context, st *schoolstore.Store, fase int) (int, error) {
	switch {
	case fase < 0:
		return 0, usageErr("--fase %d : donnez le numéro FASE de l'école (un nombre entier positif)", fase)
	case fase > 0:
		return fase, nil
	}
	schools, err := st.Schools(ctx)
	if err != nil {
		return 0, err
	}
	if len(schools) == 0 {
		return 0, usageErr("La base ne contient encore aucune école : donnez son numéro avec --fase N pour la créer.")
	}
	return schoolFASE(ctx, st, 0)
}

// readImportFile reads and parses a CSV or an .xlsx workbook, whose default
// start dates are in the school year of now(); ParseSpreadsheet refuses what
// is too big. Every problem is listed on the standard error.
func readImportFile(m *Main, in io.Reader, tables *fwb.Tables, now func() time.Time) ([]school.ImportRow, error) {
	data, err := io.ReadAll(io.LimitReader(in, 64<<20+1))
	if err != nil {
		return nil, failErr("Lecture du fichier impossible : %v", err)
	}
	rows, err := school.ParseSpreadsheet(data, tables, fwb.SchoolYearAt(now().In(frtext.Brussels)))
	if err == nil {
		return rows, nil
	}
	var ie *school.ImportError
	if !errors.As(err, &ie) {
		return nil, failErr("Import refusé : %v", err)
	}
	for _, p := range ie.Problems {
		fmt.Fprintln(m.Stderr, p.String())
	}
	them := "les"
	if len(ie.Problems) == 1 {
		them = "la"
	}
	return nil, failErr("Import refusé : %s dans le fichier. Corrigez-%s puis recommencez ; rien n'a été importé.",
		frtext.Plural(len(ie.Problems), "erreur", "erreurs"), them)
}

// saveSchoolImport creates the school, or renames it to name, then saves
// the plan's rows, with a progress bar when they are many.
func saveSchoolImport(ctx context.Context, m *Main, st *schoolstore.Store, n int, name string, sc school.School, exists bool, plan school.ImportPlan) error {
	if !exists || (name != "" && name != sc.Name) {
		if name == "" {
			name = fmt.Sprintf("École FASE %d", n)
		}
		if err := st.SaveSchool(ctx, school.School{FASE: n, Name: name}); err != nil {
			return failErr("Création de l'école FASE %d impossible : %v", n, err)
		}
	}
	var bar *progressBar
	if len(plan.Rows) >= progressMinRows {
		bar = newProgressBar(m.Stderr, "Enregistrement")
	}
	_, err := st.SaveRowsProgress(ctx, n, plan.Rows, bar.update)
	bar.done()
	if err != nil {
		return failErr("Import interrompu, rien n'a été importé : %v", err)
	}
	return nil
}

// progressBar draws "Enregistrement [#####     ] 45 %" on a terminal. A nil
// bar does nothing, so callers need not test whether one is shown.
type progressBar struct {
	w     io.Writer
	label string
	last  int // last percentage drawn
}

// newProgressBar returns a bar when w is a terminal, else nil: redirected
// output and tests get no carriage returns.
func newProgressBar(w io.Writer, label string) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progressBar{w: w, label: label, last: -1}
}

func (p *progressBar) update(done, total int) {
	if p == nil || total == 0 {
		return
	}
	pct := done * 100 / total
	if pct == p.last {
		return
	}
	p.last = pct
	const width = 30
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d %%", p.label, strings.Repeat("#", fill), strings.Repeat(" ", width-fill), pct)
}

func (p *progressBar) done() {
	if p == nil || p.last < 0 {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}

func runSchoolExport(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("school export", "--db URL --fase N [--format csv|xlsx] [-o FILE]",
		"Exports the staff and their school situations in the import's format (CSV with \";\", UTF-8)\n"+
			"or as an Excel workbook. Without -o, the file is written to standard output.")
	db := m.dbFlag(fs)
	fase := schoolFASEFlag(fs)
	format := fs.String("format", "", "csv or xlsx (default: from the extension of -o, else csv)")
	out := fs.String("o", "", "file to write (default: standard output)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("argument inattendu : %s (le fichier se donne avec -o FICHIER)", strings.Join(fs.Args(), " "))
	}
	write, err := m.exportWriter(*format, *out)
	if err != nil {
		return err
	}
	st, n, err := openSchool(ctx, m, *db, *fase)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Rows(ctx, n)
	if err != nil {
		return err
	}
	tables, err := m.tables()
	if err != nil {
		return err
	}
	if *out == "" {
		return write(m.Stdout, rows, tables)
	}
	if err := writeFileAtomic(*out, func(w io.Writer) error { return write(w, rows, tables) }); err != nil {
		return failErr("Export vers %s impossible : %v", *out, err)
	}
	fmt.Fprintf(m.Stdout, "%s dans %s.\n", frtext.Plural(len(rows), "situation exportée", "situations exportées"), *out)
	return nil
}

// exportWriter returns the writer of --format, which defaults to the
// extension of -o (out), else CSV. A workbook is not written to a terminal.
func (m *Main) exportWriter(format, out string) (func(io.Writer, []school.Row, *fwb.Tables) error, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f == "" {
		f = "csv"
		if strings.EqualFold(filepath.Ext(out), ".xlsx") {
			f = "xlsx"
		}
	}
	switch f {
	case "csv":
		return school.WriteCSV, nil
	case "xlsx":
		if out == "" {
			if file, ok := m.Stdout.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
				return nil, usageErr("un classeur Excel ne s'affiche pas dans le terminal : écrivez-le dans un fichier avec -o personnel.xlsx")
			}
		}
		return school.WriteXLSX, nil
	}
	return nil, usageErr("--format %q : choisissez csv ou xlsx", format)
}

// writeFileAtomic writes path through a temporary file renamed at the end,
// so that a failed export never leaves half a file where the previous one
// was.
func writeFileAtomic(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func runSchoolCheck(ctx context.Context, m *Main, args []string) error {
	fs := m.flagSet("school check", "--db URL --fase N [--today YYYY-MM-DD]",
		"Checks the staff members' e-mail addresses and school situations before the Extranet SeGEC\n"+
			"transfer. Exit code 1 when a problem is blocking: the member concerned would not be\n"+
			"transferred.")
	db := m.dbFlag(fs)
	fase := schoolFASEFlag(fs)
	today := fs.String("today", "", "today's date (YYYY-MM-DD): checks the situations current on that day")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	now, err := m.clock(*today)
	if err != nil {
		return err
	}
	st, n, err := openSchool(ctx, m, *db, *fase)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Rows(ctx, n)
	if err != nil {
		return err
	}
	tables, err := m.tables()
	if err != nil {
		return err
	}
	findings := school.Check(rows, now(), tables)
	for i, f := range findings {
		if i > 0 && f.Severity != findings[i-1].Severity {
			fmt.Fprintln(m.Stdout)
		}
		fmt.Fprintln(m.Stdout, f.String())
	}
	blocking, warnings, infos := school.Count(findings)
	if len(findings) > 0 {
		fmt.Fprintln(m.Stdout)
	}
	switch {
	case len(findings) == 0:
		fmt.Fprintln(m.Stdout, "Aucun problème : les situations école sont prêtes pour le transfert.")
	default:
		fmt.Fprintf(m.Stdout, "%s, %s, %s.\n", frtext.Plural(blocking, "bloquant", "bloquants"),
			frtext.Plural(warnings, "avertissement", "avertissements"), frtext.Plural(infos, "information", "informations"))
	}
	if blocking > 0 {
		return failErr("Corrigez les problèmes bloquants : tant qu'ils restent, les membres concernés ne sont pas transférés.")
	}
	return nil
}
