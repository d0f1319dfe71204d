package schoolui

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
)

// kind says how a column's values read and sort.
type kind int

const (
	kindText   kind = iota // French collation
	kindNumber             // digits: shorter first, then by digit
	kindBool               // a disabled checkbox; unticked first
	kindDate               // chronological
)

// column is one column of the Situation école list.
type column struct {
	Key   string // stable, in URLs, forms and preferences
	Label string // the heading, in the words of the school software's help page
	// Default columns show until the user chooses otherwise; Fixed ones
	// cannot be hidden (Nom carries the link to the fiche).
	Default, Fixed bool
	Kind           kind
	text           func(r *listRow) string
	flag           func(r *listRow) bool
	date           func(r *listRow) time.Time
}

// columns are in the order of the list: those of the school software's help
// page, then the columns shown on demand.
var columns = []column{
	{Key: "nom", Label: "Nom", Default: true, Fixed: true, Kind: kindText, text: func(r *listRow) string { return r.row.ListName() }},
	{Key: "niss", Label: "Numéro national", Default: true, Kind: kindNumber, text: func(r *listRow) string { return r.row.Member.NISS }},
	{Key: "matricule", Label: "Matricule ministériel", Default: true, Kind: kindNumber, text: func(r *listRow) string { return r.row.Member.Matricule }},
	{Key: "present", Label: "Présent (physiquement)", Default: true, Kind: kindBool, flag: func(r *listRow) bool { return r.row.Situation.Present }},
	{Key: "actif", Label: "Actif (présent administrativement)", Default: true, Kind: kindBool, flag: func(r *listRow) bool { return r.row.Situation.Active }},
	{Key: "situation", Label: "Situation principale", Default: true, Kind: kindText, text: func(r *listRow) string { return r.row.Situation.Status }},
	{Key: "fonction", Label: "Fonction principale", Default: true, Kind: kindText, text: func(r *listRow) string { return r.function }},
	{Key: "resume", Label: "Résumé", Default: true, Kind: kindText, text: func(r *listRow) string { return r.resume }},
	{Key: "role", Label: "Rôle extranet", Kind: kindText, text: func(r *listRow) string { return string(r.row.Situation.Role) }},
	{Key: "email", Label: "E-mail école", Kind: kindText, text: func(r *listRow) string { return r.row.Member.SchoolEmail }},
	{Key: "naissance", Label: "Date de naissance", Kind: kindDate, date: func(r *listRow) time.Time { return r.row.Member.BirthDate }},
	{Key: "debut", Label: "Date de début", Kind: kindDate, date: func(r *listRow) time.Time { return r.row.Situation.Start }},
	{Key: "fin", Label: "Date de fin", Kind: kindDate, date: func(r *listRow) time.Time { return r.row.Situation.End }},
	{Key: "promotion", Label: "Fonction de promotion", Kind: kindBool, flag: func(r *listRow) bool { return r.row.Situation.Promotion }},
}

func columnByKey(key string) (column, bool) {
	for _, c := range columns {
		if c.Key == key {
			return c, true
		}
	}
	return column{}, false
}

// value returns the cell's text (dates as jj/mm/aaaa; "" for booleans).
func (c column) value(r *listRow) string {
	switch c.Kind {
	case kindBool:
		return ""
	case kindDate:
		return frtext.FormatDate(c.date(r))
	}
	return c.text(r)
}

// compare orders two rows on the column, ascending; empty values are
// reported apart (empty) so that they stay at the end in both directions.
func (c column) compare(a, b *listRow) (res int, emptyA, emptyB bool) {
	switch c.Kind {
	case kindBool:
		fa, fb := c.flag(a), c.flag(b)
		switch {
		case fa == fb:
			return 0, false, false
		case fa:
			return 1, false, false
		}
		return -1, false, false
	case kindDate:
		da, db := c.date(a), c.date(b)
		if da.IsZero() || db.IsZero() {
			return 0, da.IsZero(), db.IsZero()
		}
		return da.Compare(db), false, false
	}
	if c.Key == "nom" {
		m, n := a.row.Member, b.row.Member
		return frtext.CompareNames(m.LastName, m.FirstName, n.LastName, n.FirstName), false, false
	}
	ta, tb := c.text(a), c.text(b)
	if c.Key == "role" {
		// An empty role is what the help page's review step looks for: it
		// sorts first ascending and last descending, like a value.
		return frtext.Compare(ta, tb), false, false
	}
	if ta == "" || tb == "" {
		return 0, ta == "", tb == ""
	}
	if c.Kind == kindNumber {
		if r := cmp.Compare(len(ta), len(tb)); r != 0 {
			return r, false, false
		}
		return strings.Compare(ta, tb), false, false
	}
	return frtext.Compare(ta, tb), false, false
}

// sortRows sorts the list on a column, server-side and in French
// collation ("Émile" among the E's); empty cells go last in both
// directions, and ties are broken by name then situation, so the order is
// stable from one page to the next.
func sortRows(rows []*listRow, c column, desc bool) {
	name, _ := columnByKey("nom")
	slices.SortStableFunc(rows, func(a, b *listRow) int {
		r, ea, eb := c.compare(a, b)
		switch {
		case ea && eb:
			r = 0
		case ea:
			return 1
		case eb:
			return -1
		case desc:
			r = -r
		}
		if r != 0 {
			return r
		}
		if r, _, _ = name.compare(a, b); r != 0 {
			return r
		}
		return cmp.Compare(a.row.Situation.ID, b.row.Situation.ID)
	})
}

// listRow is a row of the list with what its cells and the search need,
// computed once per page.
type listRow struct {
	row      school.Row
	function string // "IP (Instituteur primaire)", what the column sorts by
	fnLabel  string // "Instituteur primaire", the code's tooltip
	resume   string
	search   string // folded name, numbers, e-mail, function and role
}

func newListRow(r school.Row, t *fwb.Tables) *listRow {
	lr := &listRow{row: r, resume: r.Situation.Resume()}
	if f, ok := t.Function(r.Situation.Function); ok {
		lr.function, lr.fnLabel = f.Display(), f.Label
	} else {
		lr.function = r.Situation.Function
	}
	m := r.Member
	lr.search = frtext.Fold(m.LastName+" "+m.FirstName) + " " + m.NISS + " " + m.Matricule + " " +
		frtext.Fold(m.SchoolEmail+" "+lr.function+" "+string(r.Situation.Role))
	return lr
}

// search is a parsed search box: every word must be found, accents and
// case aside; a query made only of digits and separators is looked for as
// a number, so "84.07.14-125.07" finds 84071412507. A word typed in
// capitals that is a function code of the table ("IP") finds that function
// only, not every name that holds the two letters ("Philippe").
type search struct {
	words  []string
	codes  map[string]bool // the words that are function codes, folded
	digits string
}

func parseSearch(q string, t *fwb.Tables) search {
	q = strings.TrimSpace(q)
	if q == "" {
		return search{}
	}
	onlyNumber := true
	var digits strings.Builder
	for _, c := range q {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c == ' ' || c == '.' || c == '-' || c == '/':
		default:
			onlyNumber = false
		}
	}
	if onlyNumber && digits.Len() > 0 {
		return search{digits: digits.String()}
	}
	s := search{words: strings.Fields(frtext.Fold(q)), codes: map[string]bool{}}
	for _, w := range strings.Fields(q) {
		if _, ok := t.Function(w); ok && w == strings.ToUpper(w) {
			s.codes[frtext.Fold(w)] = true
		}
	}
	return s
}

func (s search) empty() bool { return s.digits == "" && len(s.words) == 0 }

func (s search) match(r *listRow) bool {
	if s.digits != "" {
		return strings.Contains(r.row.Member.NISS, s.digits) || strings.Contains(r.row.Member.Matricule, s.digits)
	}
	for _, w := range s.words {
		if s.codes[w] {
			if !strings.EqualFold(r.row.Situation.Function, w) {
				return false
			}
			continue
		}
		if !strings.Contains(r.search, w) {
			return false
		}
	}
	return true
}

// listPrefs are a user's choices on the list, kept in user_prefs.
type listPrefs struct {
	Columns []string `json:"columns"`
	Sort    string   `json:"sort"`
	Desc    bool     `json:"desc,omitempty"`
}

const listPrefsKey = "liste"

func defaultListPrefs() listPrefs {
	p := listPrefs{Sort: "nom"}
	for _, c := range columns {
		if c.Default {
			p.Columns = append(p.Columns, c.Key)
		}
	}
	return p
}

// clean drops unknown columns (from an older version), keeps the fixed
// ones and falls back to the defaults where nothing usable is left.
func (p listPrefs) clean() listPrefs {
	var out listPrefs
	seen := map[string]bool{}
	for _, k := range p.Columns {
		if c, ok := columnByKey(k); ok && !seen[k] {
			seen[k] = true
			out.Columns = append(out.Columns, c.Key)
		}
	}
	for _, c := range columns {
		if c.Fixed && !seen[c.Key] {
			out.Columns = append(out.Columns, c.Key)
		}
	}
	out.Sort, out.Desc = p.Sort, p.Desc
	if _, ok := columnByKey(out.Sort); !ok {
		out.Sort, out.Desc = "nom", false
	}
	return out
}

func decodeListPrefs(v string) listPrefs {
	var p listPrefs
	if err := json.Unmarshal([]byte(v), &p); err != nil || p.Columns == nil {
		return defaultListPrefs()
	}
	return p.clean()
}

func (p listPrefs) visible(key string) bool { return slices.Contains(p.Columns, key) }
