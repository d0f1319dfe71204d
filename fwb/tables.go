package fwb

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"passerelle/frtext"
)

// Units in which a function's charge is counted.
const (
	UnitPeriods = "periodes" // periods of 50 minutes (teaching functions)
	UnitHours   = "heures"   // hours (educators, nursery nurses, secretaries)
)

// Function is a staff function of the FWB ("fonction"), with the charge of a
// full-time post and what it means for the extranet.
type Function struct {
	Code  string // e.g. "IP"
	Label string // e.g. "Instituteur primaire"
	// FullTime is the charge of a full-time post, in Unit.
	FullTime int
	Unit     string // UnitPeriods or UnitHours
	// Role is the extranet role given when the school encoded none;
	// RoleNone means staff in this function are not sent.
	Role Role
	// Director marks a "fonction de promotion" of the direction.
	Director bool
	// Teaching marks teaching staff.
	Teaching bool
}

// Display writes the function as the "Fonction principale" column shows it:
// "IP (Instituteur primaire)".
func (f Function) Display() string {
	if f.Label == "" {
		return f.Code
	}
	return f.Code + " (" + f.Label + ")"
}

// Situation is an administrative situation code of the staff forms, such as
// D (définitif) or V (temporaire dans un emploi vacant). The code "-" means
// no main situation.
type Situation struct {
	Code  string
	Label string
}

// NoSituation is the situation code of a member without a main situation.
const NoSituation = "-"

//go:embed functions.csv
var functionsCSV string

//go:embed situations.csv
var situationsCSV string

// Tables holds the function and situation codes in use. Lookups are
// case-insensitive. A Tables is safe for concurrent use, Extend included.
type Tables struct {
	mu         sync.RWMutex
	functions  map[string]Function  // by upper-case code
	situations map[string]Situation // by upper-case code
}

var defaultTables = sync.OnceValue(func() *Tables {
	t, err := LoadTables(strings.NewReader(functionsCSV), strings.NewReader(situationsCSV))
	if err != nil {
		panic("fwb: embedded tables: " + err.Error())
	}
	return t
})

// DefaultTables returns the tables embedded in the program (functions.csv
// and situations.csv). The files are parsed once; each call returns a
// separate copy, so that one school's Extend does not leak into another's.
func DefaultTables() *Tables {
	d := defaultTables()
	d.mu.RLock()
	defer d.mu.RUnlock()
	return &Tables{functions: maps.Clone(d.functions), situations: maps.Clone(d.situations)}
}

// tablesOrDefault lets functions take a nil *Tables to mean the embedded
// tables, without copying them.
func tablesOrDefault(t *Tables) *Tables {
	if t == nil {
		return defaultTables()
	}
	return t
}

// LoadTables reads the two tables from CSV (see Extend for the format of the
// functions; situations are "code;libellé"). A nil reader gives an empty
// table.
func LoadTables(functions, situations io.Reader) (*Tables, error) {
	t := &Tables{functions: map[string]Function{}, situations: map[string]Situation{}}
	if functions != nil {
		fs, err := readFunctions(functions)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			t.functions[strings.ToUpper(f.Code)] = f
		}
	}
	if situations != nil {
		ss, err := readSituations(situations)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			t.situations[strings.ToUpper(s.Code)] = s
		}
	}
	return t, nil
}

// Extend adds the functions read from CSV, replacing those with the same
// code, for schools that use codes the table does not list. One line a
// function, fields separated by ";":
//
//	code;libellé;temps plein;unité;rôle extranet;directeur;enseignant
//	IP;Instituteur primaire;24;periodes;Enseignant;non;oui
//
// Only the first three fields are required. The unit defaults to periodes,
// the role to none, director to whether the role is Directeur and teaching
// to whether it is Enseignant. Lines starting with # and a header line
// whose first field is "code" are skipped. Nothing is added when any line
// is invalid.
func (t *Tables) Extend(functions io.Reader) error {
	fs, err := readFunctions(functions)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range fs {
		t.functions[strings.ToUpper(f.Code)] = f
	}
	return nil
}

// Function returns the function with that code, in any case.
func (t *Tables) Function(code string) (Function, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	f, ok := t.functions[strings.ToUpper(strings.TrimSpace(code))]
	return f, ok
}

// Situation returns the situation with that code, in any case; "-" is the
// valid code for no main situation.
func (t *Tables) Situation(code string) (Situation, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, ok := t.situations[strings.ToUpper(strings.TrimSpace(code))]
	return s, ok
}

// Functions returns every function, sorted by code.
func (t *Tables) Functions() []Function {
	t.mu.RLock()
	defer t.mu.RUnlock()
	fs := slices.Collect(maps.Values(t.functions))
	slices.SortFunc(fs, func(a, b Function) int { return strings.Compare(a.Code, b.Code) })
	return fs
}

// Situations returns every situation, sorted by code.
func (t *Tables) Situations() []Situation {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ss := slices.Collect(maps.Values(t.situations))
	slices.SortFunc(ss, func(a, b Situation) int { return strings.Compare(a.Code, b.Code) })
	return ss
}

// readRecords reads a ";"-separated table, skipping comments, blank lines
// and a header whose first field is "code". It returns each record with its
// line number for messages.
func readRecords(r io.Reader, table string) ([][]string, []int, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var records [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("%s, ligne %d : ligne illisible (guillemet mal placé ?)", table, pe.StartLine)
			}
			return nil, nil, fmt.Errorf("%s : lecture impossible : %v", table, err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(records) == 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\uFEFF")
		}
		if len(records) == 0 && frtext.Fold(rec[0]) == "code" {
			continue
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		records = append(records, rec)
		lines = append(lines, line)
	}
	return records, lines, nil
}

// validCode reports whether s can be a code. Charge lines are split on
// spaces, commas and slashes and tell a code from a number by its first
// character, so a code starts with a letter and holds none of them; "avec"
// is the Résumé's word for a leave line.
func validCode(s string) bool {
	if s == "" || len(s) > 16 || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return !strings.EqualFold(s, leaveWord)
}

func readFunctions(r io.Reader) ([]Function, error) {
	const table = "table des fonctions"
	records, lines, err := readRecords(r, table)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var fs []Function
	for i, rec := range records {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s, ligne %d : %s", table, lines[i], fmt.Sprintf(format, args...))
		}
		if len(rec) < 3 || len(rec) > 7 {
			return nil, bad("%d champs au lieu de 3 à 7 ; écrivez code;libellé;temps plein;unité;rôle extranet;directeur;enseignant", len(rec))
		}
		rec = append(rec, make([]string, 7-len(rec))...)
		f := Function{Code: rec[0], Label: rec[1]}
		if !validCode(f.Code) {
			return nil, bad("code « %s » invalide : une lettre suivie de lettres sans accent, chiffres, - ou _ (16 caractères au plus)", f.Code)
		}
		key := strings.ToUpper(f.Code)
		if seen[key] {
			return nil, bad("le code « %s » figure deux fois", f.Code)
		}
		seen[key] = true
		full, err := strconv.Atoi(rec[2])
		if err != nil || full <= 0 || full > maxCharge {
			return nil, bad("temps plein « %s » invalide : un nombre entier de 1 à %d", rec[2], maxCharge)
		}
		f.FullTime = full
		switch frtext.Fold(rec[3]) {
		case "", "periodes", "periode":
			f.Unit = UnitPeriods
		case "heures", "heure":
			f.Unit = UnitHours
		default:
			return nil, bad("unité « %s » inconnue : periodes ou heures", rec[3])
		}
		if f.Role, err = ParseRole(rec[4]); err != nil {
			return nil, bad("%v", err)
		}
		f.Director, f.Teaching = f.Role == RoleDirecteur, f.Role == RoleEnseignant
		for j, dst := range []*bool{&f.Director, &f.Teaching} {
			cell := rec[5+j]
			if cell == "" {
				continue
			}
			v, ok := frtext.ParseBool(cell)
			if !ok {
				return nil, bad("« %s » n'est ni oui ni non", cell)
			}
			*dst = v
		}
		fs = append(fs, f)
	}
	return fs, nil
}

func readSituations(r io.Reader) ([]Situation, error) {
	const table = "table des situations"
	records, lines, err := readRecords(r, table)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ss []Situation
	for i, rec := range records {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s, ligne %d : %s", table, lines[i], fmt.Sprintf(format, args...))
		}
		if len(rec) != 2 {
			return nil, bad("%d champs au lieu de 2 ; écrivez code;libellé", len(rec))
		}
		s := Situation{Code: rec[0], Label: rec[1]}
		if s.Code != NoSituation && !validCode(s.Code) {
			return nil, bad("code « %s » invalide : une lettre suivie de lettres sans accent, chiffres, - ou _ (16 caractères au plus), ou - pour aucune situation", s.Code)
		}
		key := strings.ToUpper(s.Code)
		if seen[key] {
			return nil, bad("le code « %s » figure deux fois", s.Code)
		}
		seen[key] = true
		ss = append(ss, s)
	}
	return ss, nil
}
