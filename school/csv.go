package school

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"passerelle/frtext"
	"passerelle/fwb"
)

// column is one column of the CSV import and export (docs/school.md, "CSV
// import").
type column struct {
	name     string // the header the export writes
	field    string // Field… constant
	required bool
	// aliases are other accepted headers, written as headerKey returns
	// them: the headings of the school software's list, and common
	// shortenings.
	aliases []string
}

// columns are in the export's order.
var columns = []column{
	{"Nom", FieldLastName, true, []string{"nom de famille"}},
	{"Prénom", FieldFirstName, true, nil},
	{"Date de naissance", FieldBirthDate, false, []string{"naissance", "ne le", "nee le", "ne e le"}},
	{"Sexe", FieldSex, false, []string{"genre"}},
	{"Numéro national", FieldNISS, false, []string{"numero national niss", "niss", "numero niss", "n national", "no national", "numero de registre national", "registre national", "rn"}},
	{"Matricule", FieldMatricule, false, []string{"matricule ministeriel", "matricule minist"}},
	{"E-mail école", FieldSchoolEmail, false, []string{"email ecole", "mail ecole", "e mail de l ecole", "courriel ecole", "adresse e mail ecole"}},
	{"E-mail privé", FieldPrivateEmail, false, []string{"email prive", "mail prive", "e mail privee", "courriel prive", "adresse e mail privee"}},
	{"Fonction principale", FieldFunction, true, []string{"fonction"}},
	{"Fonction de promotion", FieldPromotion, false, []string{"promotion"}},
	{"Situation principale", FieldStatus, false, []string{"situation", "statut"}},
	{"Charge", FieldCharge, false, []string{"resume"}},
	{"Présent", FieldPresent, false, []string{"present physiquement"}},
	{"Actif", FieldActive, false, []string{"actif present administrativement"}},
	{"Date de début", FieldStart, false, []string{"debut"}},
	{"Date de fin", FieldEnd, false, []string{"fin"}},
	{"Rôle extranet", FieldRole, false, []string{"role"}},
}

// columnOf returns the index in columns of a field, or -1.
func columnOf(field string) int {
	for i, c := range columns {
		if c.field == field {
			return i
		}
	}
	return -1
}

// headerKey is how headers are compared: folded (case, accents, hyphens,
// apostrophes), with brackets and other punctuation dropped, so that
// "E-mail (École)" and "e-mail école" both give "e mail ecole".
func headerKey(s string) string {
	f := frtext.Fold(strings.TrimPrefix(s, "\uFEFF"))
	f = strings.Map(func(r rune) rune {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			return r
		}
		return ' '
	}, f)
	return strings.Join(strings.Fields(f), " ")
}

// headerIndex maps every accepted header key to its column.
var headerIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range columns {
		m[headerKey(c.name)] = i
		for _, a := range c.aliases {
			m[a] = i
		}
	}
	return m
}()

// maxImportBytes bounds what ParseCSV reads: about a hundred times the
// staff of the largest school, and still small enough to hold in memory.
const maxImportBytes = 64 << 20

// ImportRow is one member read from a CSV file.
type ImportRow struct {
	// Line is the physical line of the row in the file (the header is
	// line 1 when it comes first).
	Line int
	// Row holds the values with the defaults applied; IDs and FASE are 0.
	Row Row
	// Given holds the fields that the file sets for an existing member:
	// those whose column is present, except empty cells of Actif and Date
	// de début, which leave the stored value (their defaults only apply to
	// new members). An empty Présent follows Actif: set with it when Actif
	// is given, kept otherwise. Keys are Field… names.
	Given map[string]bool
	// Notes tell what the import corrected, such as a national number's
	// leading zero that a spreadsheet dropped ("ligne 4 : …").
	Notes []string
}

// ImportProblem is one problem of a CSV file.
type ImportProblem struct {
	Line int
	// Column is the header as written in the file, or "" for a problem of
	// the whole line.
	Column  string
	Message string
}

// String writes "ligne 4, colonne Date de début : …".
func (p ImportProblem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("ligne %d : %s", p.Line, p.Message)
	}
	return fmt.Sprintf("ligne %d, colonne %s : %s", p.Line, p.Column, p.Message)
}

// ImportError lists every problem of a CSV file that was refused as a whole.
type ImportError struct {
	Problems []ImportProblem
}

// Error writes one problem a line.
func (e *ImportError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ParseCSV reads a staff file in the format of docs/school.md ("CSV
// import"). The separator (; , or tab) and the encoding (UTF-8 with or
// without BOM, UTF-16 with BOM, else Windows-1252) are detected. Every row
// is checked; when any is invalid, nothing is returned but an *ImportError
// listing every problem. A national number or matricule with a wrong check
// digit or length is kept (Check reports it); one holding letters is refused.
// Dates of birth missing are taken from a valid national number, an empty
// Actif is oui, an empty Date de début the first day of year. A nil t means
// the embedded tables.
func ParseCSV(r io.Reader, t *fwb.Tables, year fwb.SchoolYear) ([]ImportRow, error) {
	t = tables(t)
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("lecture du fichier impossible : %w", err)
	}
	if len(data) > maxImportBytes {
		return nil, fail(0, "", fmt.Sprintf("fichier trop gros (plus de %d Mo) : importez-le en plusieurs parties", maxImportBytes>>20))
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, fail(1, "", "ce fichier est un classeur (.xlsx ou .ods), pas un CSV : dans le tableur, « Enregistrer sous » CSV (séparateur point-virgule), puis importez ce fichier .csv")
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	p := &csvParser{t: t, year: year, header: make([]string, len(columns)), seen: map[string]int{}}
	return p.parse(text)
}

func fail(line int, col, msg string) *ImportError {
	return &ImportError{Problems: []ImportProblem{{Line: line, Column: col, Message: msg}}}
}

// decodeText returns the file as UTF-8. Spreadsheet programs in Belgium
// save CSV as Windows-1252 unless told otherwise, UTF-8 often with a BOM, and
// "Unicode text" as UTF-16 with a BOM. A file that is valid UTF-8 is taken
// as such: Windows-1252 text with accents is almost never valid UTF-8.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return strings.ToValidUTF8(string(data[3:]), "\uFFFD"), nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", fail(1, "", "fichier UTF-16 illisible : enregistrez-le en CSV UTF-8")
		}
		return strings.TrimPrefix(string(out), "\uFEFF"), nil
	case utf8.Valid(data):
		return string(data), nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", fail(1, "", "encodage du fichier non reconnu : enregistrez-le en CSV UTF-8")
	}
	return string(out), nil
}

// detectSeparator picks, among ; tab and , the one found most often outside
// quotes on the first non-empty line; ties go in that order, ";" being what
// Belgian spreadsheets write.
func detectSeparator(text string) rune {
	line := text
	for line != "" {
		var l string
		l, line, _ = strings.Cut(line, "\n")
		if strings.TrimSpace(l) != "" {
			line = l
			break
		}
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ';' || r == '\t' || r == ','):
			counts[r]++
		}
	}
	best := ';'
	for _, r := range []rune{'\t', ','} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// csvParser holds the state of one ParseCSV call.
type csvParser struct {
	t        *fwb.Tables
	year     fwb.SchoolYear
	comma    rune
	problems []ImportProblem
	// cols maps a file column to its index in columns, -1 when ignored.
	cols []int
	// header holds the headers as written in the file, by columns index
	// ("" for a column the file lacks).
	header []string
	// seen maps identity keys to the line that first used them, to refuse
	// the same person twice.
	seen map[string]int
}

func (p *csvParser) problem(line int, col, format string, args ...any) {
	p.problems = append(p.problems, ImportProblem{Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

func (p *csvParser) parse(text string) ([]ImportRow, error) {
	cr := csv.NewReader(strings.NewReader(text))
	p.comma = detectSeparator(text)
	cr.Comma = p.comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []ImportRow
	headerDone := false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			p.problem(line, "", "ligne illisible (guillemet ouvert sans guillemet fermant ?) : corrigez-la ; la suite du fichier n'a pas pu être lue")
			break
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if !headerDone {
			headerDone = true
			if !p.readHeader(line, rec) {
				return nil, &ImportError{Problems: p.problems}
			}
			continue
		}
		if ir, ok := p.readRow(line, rec); ok {
			out = append(out, ir)
		}
	}
	switch {
	case !headerDone && len(p.problems) == 0:
		p.problem(1, "", "fichier vide : la première ligne doit porter les noms des colonnes, par exemple Nom;Prénom;Fonction principale")
	case len(out) == 0 && len(p.problems) == 0:
		p.problem(2, "", "aucun membre du personnel sous l'en-tête : ajoutez une ligne par membre")
	}
	if len(p.problems) > 0 {
		return nil, &ImportError{Problems: p.problems}
	}
	return out, nil
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// readHeader maps the file's columns; it reports false when the rows cannot
// be read (a required column missing or a column twice).
func (p *csvParser) readHeader(line int, rec []string) bool {
	p.cols = make([]int, len(rec))
	ok := true
	for i, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		idx, known := headerIndex[headerKey(h)]
		if !known {
			// Extra columns are common in exports from other software;
			// they are left out, as docs/school.md says.
			p.cols[i] = -1
			continue
		}
		if prev := p.header[idx]; prev != "" {
			p.problem(line, h, "colonne en double (déjà lue sous « %s ») : gardez-en une seule", prev)
			ok = false
			p.cols[i] = -1
			continue
		}
		p.cols[i] = idx
		p.header[idx] = h
	}
	for i, c := range columns {
		if c.required && p.header[i] == "" {
			p.problem(line, c.name, "colonne obligatoire absente : ajoutez-la à la première ligne (colonnes obligatoires : Nom, Prénom, Fonction principale)")
			ok = false
		}
	}
	return ok
}

// cell is one value of a row.
type cell struct {
	value string
	col   string // header as written
	given bool   // the column is in the file
}

// readRow parses and checks one row; problems are recorded and ok is false
// when there was any.
func (p *csvParser) readRow(line int, rec []string) (ImportRow, bool) {
	before := len(p.problems)
	cells, ok := p.rowCells(line, rec)
	if !ok {
		return ImportRow{}, false
	}
	r := &rowReader{p: p, line: line, cells: cells, bad: map[string]bool{}}
	ir := ImportRow{Line: line, Given: givenFields(cells)}
	r.readMember(&ir)
	r.readSituation(&ir.Row.Situation)

	ir.Row = NormalizeRow(ir.Row, p.t)
	fe := ValidateRow(ir.Row, p.t)
	for _, f := range fe.Fields() {
		if !r.bad[f] {
			r.report(f, fe[f])
		}
	}
	if len(p.problems) == before {
		p.duplicate(line, ir.Row.Member, r.get)
	}
	return ir, len(p.problems) == before
}

// rowCells places the values of record rec in the order of columns, with
// their header as written. It reports, and answers false for, a value over
// several lines or a value beyond the header.
func (p *csvParser) rowCells(line int, rec []string) ([]cell, bool) {
	cells := make([]cell, len(columns))
	for i, c := range columns {
		cells[i] = cell{col: p.header[i], given: p.header[i] != ""}
		if !cells[i].given {
			cells[i].col = c.name
		}
	}
	for i, v := range rec {
		// With lazy quotes an unclosed quote runs to the end of the file
		// and swallows the following lines into one value: report it
		// rather than lose those members.
		if strings.ContainsAny(v, "\r\n") && (i >= len(p.cols) || p.cols[i] >= 0 || strings.ContainsRune(v, p.comma)) {
			col := ""
			if i < len(p.cols) && p.cols[i] >= 0 {
				col = p.header[p.cols[i]]
			}
			p.problem(line, col, "valeur sur plusieurs lignes (guillemet ouvert sans guillemet fermant ?) : corrigez les guillemets de cette ligne")
			return nil, false
		}
		if i >= len(p.cols) {
			if strings.TrimSpace(v) != "" {
				p.problem(line, "", "%d valeurs pour %d colonnes d'en-tête : retirez les valeurs en trop ou donnez un nom à leur colonne", lastFilled(rec), len(p.cols))
				return nil, false
			}
			continue
		}
		if idx := p.cols[i]; idx >= 0 {
			cells[idx].value = unescapeFormula(strings.TrimSpace(v))
		}
	}
	return cells, true
}

// givenFields returns the fields a row gives, cells being in the order of
// columns. Empty cells of defaulted columns keep an existing member's
// values, so they are not given; an empty Présent follows Actif, whether
// Actif is given or kept.
func givenFields(cells []cell) map[string]bool {
	given := map[string]bool{}
	for i, c := range columns {
		if cells[i].given {
			given[c.field] = true
		}
	}
	value := func(field string) string { return cells[columnOf(field)].value }
	for _, f := range []string{FieldActive, FieldStart} {
		if value(f) == "" {
			delete(given, f)
		}
	}
	if value(FieldPresent) == "" {
		if given[FieldActive] {
			given[FieldPresent] = true
		} else {
			delete(given, FieldPresent)
		}
	}
	return given
}

// rowReader reads the cells of one row into a member and a situation,
// reporting each field's problem once.
type rowReader struct {
	p     *csvParser
	line  int
	cells []cell
	bad   map[string]bool // fields already reported
}

// get returns the cell of field.
func (r *rowReader) get(field string) cell { return r.cells[columnOf(field)] }

// report records a problem of field, and that it was reported.
func (r *rowReader) report(field, msg string) {
	r.bad[field] = true
	r.p.problem(r.line, r.get(field).col, "%s", msg)
}

// date reads the date of field, zero when the cell is empty.
func (r *rowReader) date(field string) time.Time {
	v := r.get(field).value
	if v == "" {
		return time.Time{}
	}
	d, err := r.p.cellDate(field, v)
	if err != nil {
		r.report(field, err.Error())
	}
	return d
}

// boolean reads the yes or no of field, def when the cell is empty.
func (r *rowReader) boolean(field string, def bool) bool {
	c := r.get(field)
	if c.value == "" {
		return def
	}
	v, ok := frtext.ParseBool(c.value)
	if !ok {
		r.report(field, fmt.Sprintf("« %s » n'est ni oui ni non : écrivez oui ou non (ou laissez vide)", c.value))
	}
	return v
}

// readMember reads the member's identity. The NISS proves the birth date
// and sex when they are left empty.
func (r *rowReader) readMember(ir *ImportRow) {
	m := &ir.Row.Member
	m.LastName = r.get(FieldLastName).value
	m.FirstName = r.get(FieldFirstName).value
	m.NISS = r.p.readNISS(ir, r.get(FieldNISS).value)
	m.Matricule = r.get(FieldMatricule).value
	m.SchoolEmail = r.get(FieldSchoolEmail).value
	m.PrivateEmail = r.get(FieldPrivateEmail).value
	m.BirthDate = r.date(FieldBirthDate)
	if v := r.get(FieldSex).value; v != "" {
		sex, err := fwb.ParseSex(v)
		if err != nil {
			r.report(FieldSex, err.Error())
		}
		m.Sex = sex
	}
	if n, err := fwb.ParseNISS(m.NISS); err == nil {
		if m.BirthDate.IsZero() && r.get(FieldBirthDate).value == "" {
			m.BirthDate = n.BirthDate
		}
		if m.Sex == fwb.SexUnknown && r.get(FieldSex).value == "" {
			m.Sex = n.Sex
		}
	}
}

// readSituation reads the situation école: an empty Actif means active, an
// empty Présent follows Actif, an empty start is the first day of the year.
// The charge is read only for a known function, which it depends on.
func (r *rowReader) readSituation(s *Situation) {
	p := r.p
	s.Function = codeOf(r.get(FieldFunction).value)
	_, functionOK := p.t.Function(s.Function)
	s.Status = codeOf(r.get(FieldStatus).value)
	s.Promotion = r.boolean(FieldPromotion, false)
	s.Active = r.boolean(FieldActive, true)
	s.Present = r.boolean(FieldPresent, s.Active)
	if v := r.get(FieldCharge).value; v != "" && functionOK {
		lines, err := fwb.ParseCharge(v, s.Function, p.t)
		if err != nil {
			r.report(FieldCharge, err.Error())
		}
		s.Charge = lines
	}
	s.Start = r.date(FieldStart)
	if s.Start.IsZero() && r.get(FieldStart).value == "" && !p.year.IsZero() {
		s.Start = p.year.FirstDay()
	}
	s.End = r.date(FieldEnd)
	if v := r.get(FieldRole).value; v != "" {
		role, err := fwb.ParseRole(v)
		if err != nil {
			r.report(FieldRole, err.Error())
		}
		s.Role = role
	}
}

// duplicate refuses a second line for the same person, recognised as
// PlanImport does, since one line updates one situation.
func (p *csvParser) duplicate(line int, m Member, get func(string) cell) {
	keys := identityKeys(m)
	for _, k := range keys {
		first, ok := p.seen[k]
		if !ok {
			continue
		}
		field, what := FieldLastName, "mêmes nom, prénom et date de naissance"
		switch k[0] {
		case 'm':
			field, what = FieldMatricule, "même matricule"
		case 'n':
			field, what = FieldNISS, "même numéro national"
		}
		p.problem(line, get(field).col, "%s qu'à la ligne %d : gardez une seule ligne par membre du personnel", what, first)
		return
	}
	for _, k := range keys {
		p.seen[k] = line
	}
}

// personKey identifies a person by folded last name, first name and birth
// date, as the extranet does when no matricule is given.
func personKey(m Member) string {
	return frtext.Fold(m.LastName) + "|" + frtext.Fold(m.FirstName) + "|" + formatDateISO(m.EffectiveBirthDate())
}

// formatDateISO writes a civil date as "2006-01-02", "" for the zero time.
func formatDateISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func lastFilled(rec []string) int {
	n := 0
	for i, v := range rec {
		if strings.TrimSpace(v) != "" {
			n = i + 1
		}
	}
	return n
}

// codeOf reads a code written alone ("IP") or as the list shows it ("IP
// (Instituteur primaire)").
func codeOf(v string) string {
	if i := strings.Index(v, "("); i > 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// parseDate reads dd/mm/yyyy or yyyy-mm-dd (frtext.ParseDate); a time of
// midnight that some spreadsheets append ("2026-08-31 00:00:00") is ignored.
func parseDate(v string) (time.Time, error) {
	if d, rest, ok := strings.Cut(v, " "); ok {
		if rest = strings.TrimSpace(rest); rest == "00:00" || rest == "00:00:00" {
			v = d
		}
	}
	return frtext.ParseDate(v)
}

// formulaStart holds the characters that make a spreadsheet read a cell as
// a formula.
const formulaStart = "=+-@"

// escapeFormula protects a CSV cell that a spreadsheet would run as a
// formula (a name such as "=HYPERLINK(…)") with a leading apostrophe, which
// spreadsheets hide and unescapeFormula removes. A lone "-" (no situation)
// is not a formula.
func escapeFormula(v string) string {
	if len(v) > 1 && strings.ContainsRune(formulaStart, rune(v[0])) {
		return "'" + v
	}
	return v
}

func unescapeFormula(v string) string {
	if len(v) > 2 && v[0] == '\'' && strings.ContainsRune(formulaStart, rune(v[1])) {
		return v[1:]
	}
	return v
}
