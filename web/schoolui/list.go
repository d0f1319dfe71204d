package schoolui

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"passerelle/school"
	"passerelle/web"
)

type listView struct {
	base
	Columns []colView
	Rows    []rowView
	Query   listQuery
	Filters filterView
	Total   int // rows before the search, the filters and the switch
	Shown   int // rows the search and the filters keep, on every page
	// First and Last number the rows of this page, from 1; Pages is the
	// number of pages, PrevURL and NextURL the neighbouring ones.
	First, Last, Pages int
	PrevURL, NextURL   string
	Return             string
	Print              string // the print view's address
	// Hidden lists the classes that hide columns: the table carries every
	// column, so that a column ticked in the menu shows at once.
	Hidden   string
	Sort     string
	Desc     bool
	Blocking int
	Warnings int
	Transfer *transferView // the messages of ?transfert=ID
	Banner   *bannerView   // an automatic transfer that failed or was held
}

type colView struct {
	Key, Label string
	Visible    bool
	Fixed      bool
	Sorted     string // "asc", "desc" or ""
	Right      bool   // the menu opens towards the left (last columns)
}

// AriaSort is the heading's aria-sort value.
func (c colView) AriaSort() string {
	switch c.Sorted {
	case "asc":
		return "ascending"
	case "desc":
		return "descending"
	}
	return ""
}

// rowView is one line of the list, written as HTML in Go rather than by
// the template: a list of 300 members has over 4,000 cells, and the
// template's per-value reflection made it the page's main cost
// (BenchmarkListPage300). Every value goes through html.EscapeString.
type rowView struct {
	ID       int64
	Link     string // the fiche's address, with the list's filters
	Cells    []cellView
	Flag     string // worst severity of the row's findings: "bloquant", …
	FlagText string // the findings, one a line, for the tooltip
	Inactive bool
}

type cellView struct {
	Key    string
	Text   string
	IsBool bool
	Bool   bool
	Label  string // the column's label, for the checkbox's accessible name
	Title  string // the full text of an abbreviated cell (a function's label)
}

// longName is the length past which a name may wrap in the list.
const longName = 26

// HTML writes the row.
func (rv rowView) HTML() template.HTML {
	var b strings.Builder
	b.Grow(1024)
	esc := html.EscapeString
	var classes []string
	if rv.Flag != "" {
		classes = append(classes, "flagged", "flagged-"+rv.Flag)
	}
	if rv.Inactive {
		classes = append(classes, "inactive")
	}
	b.WriteString(`<tr id="ligne-` + strconv.FormatInt(rv.ID, 10) + `"`)
	if len(classes) > 0 {
		b.WriteString(` class="` + strings.Join(classes, " ") + `"`)
	}
	if rv.FlagText != "" {
		b.WriteString(` title="` + esc(rv.FlagText) + `"`)
	}
	b.WriteString(">\n")
	for _, c := range rv.Cells {
		switch {
		case c.Key == "nom":
			// Names stay on one line; only a very long one may wrap,
			// so that it does not widen the list past the window.
			if utf8.RuneCountInString(c.Text) > longName {
				b.WriteString(`<td class="col-nom long-name">`)
			} else {
				b.WriteString(`<td class="col-nom">`)
			}
			if rv.Flag != "" {
				t := esc(rv.FlagText)
				b.WriteString(`<span class="flag flag-` + rv.Flag + `" role="img" aria-label="` + t + `" title="` + t + `"></span>`)
			}
			b.WriteString(`<a href="` + esc(rv.Link) + `">` + esc(c.Text) + "</a></td>\n")
		case c.IsBool:
			b.WriteString(`<td class="col-` + c.Key + ` bool"><input type="checkbox" disabled`)
			if c.Bool {
				b.WriteString(" checked")
			}
			b.WriteString(` aria-label="` + esc(c.Label) + `"></td>` + "\n")
		case c.Title != "":
			b.WriteString(`<td class="col-` + c.Key + `"><abbr title="` + esc(c.Title) + `">` + esc(c.Text) + `</abbr><span class="abbr-full"> ` + esc(c.Title) + "</span></td>\n")
		default:
			b.WriteString(`<td class="col-` + c.Key + `">` + esc(c.Text) + "</td>\n")
		}
	}
	b.WriteString("</tr>\n")
	return template.HTML(b.String())
}

// list is the Situation école list, the main page.
func (s *server) list(w http.ResponseWriter, r *http.Request) error {
	if web.SearchTooLong(r.URL.Query().Get("q")) {
		return &web.Error{Status: http.StatusBadRequest, Message: web.MsgSearchTooLong}
	}
	ctx := r.Context()
	u := userFrom(ctx)
	prefs, err := s.listPrefs(r, u.ID)
	if err != nil {
		return err
	}
	q := parseListQuery(r.URL.Query())
	l, err := s.listing(ctx, q, prefs)
	if err != nil {
		return err
	}
	view := listView{
		base:    s.base(r),
		Query:   q,
		Filters: s.filterView(q, l.all),
		Total:   l.total,
		Shown:   len(l.rows),
		Return:  q.sortReturn(),
		Print:   "/imprimer" + q.suffix(),
		Sort:    prefs.Sort,
		Desc:    prefs.Desc,
	}
	view.Columns, view.Hidden = columnViews(prefs)
	page := view.paginate(q, l.rows)
	view.Rows = make([]rowView, len(page))
	link := q.suffix()
	for i, lr := range page {
		view.Rows[i] = newRowView(lr, l.findings[lr.row.Situation.ID], link)
	}
	view.Blocking, view.Warnings = countFindings(l.findings)
	if q.Transfer != "" {
		id, _ := strconv.ParseInt(q.Transfer, 10, 64)
		if view.Transfer, err = s.transferView(r, id); err != nil {
			view.Transfer = &transferView{Missing: true}
		}
	}
	if view.Banner, err = s.banner(ctx); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "list", "Situation école", view)
}

// paginate cuts the page of q out of rows and fills the counter and the
// links to the neighbouring pages.
func (v *listView) paginate(q listQuery, rows []*listRow) []*listRow {
	v.Pages = max(1, (len(rows)+pageSize-1)/pageSize)
	p := min(max(q.Page, 1), v.Pages)
	from, to := (p-1)*pageSize, min(p*pageSize, len(rows))
	if len(rows) > 0 {
		v.First, v.Last = from+1, to
	}
	if p > 1 {
		v.PrevURL = q.pageURL(p - 1)
	}
	if p < v.Pages {
		v.NextURL = q.pageURL(p + 1)
	}
	return rows[from:to]
}

// columnViews are the headings with their menus, and the classes that hide
// the columns the user did not choose.
func columnViews(prefs listPrefs) ([]colView, string) {
	var views []colView
	var hidden []string
	for i, c := range columns {
		cv := colView{Key: c.Key, Label: c.Label, Visible: prefs.visible(c.Key), Fixed: c.Fixed, Right: i >= len(columns)/2}
		if c.Key == prefs.Sort {
			cv.Sorted = "asc"
			if prefs.Desc {
				cv.Sorted = "desc"
			}
		}
		if !cv.Visible {
			hidden = append(hidden, "hide-"+c.Key)
		}
		views = append(views, cv)
	}
	return views, strings.Join(hidden, " ")
}

// newRowView builds a line of the list with its flags; link is the list's
// filters, carried to the fiche.
func newRowView(lr *listRow, fs []school.Finding, link string) rowView {
	id := lr.row.Situation.ID
	rv := rowView{ID: id, Link: "/situations/" + strconv.FormatInt(id, 10) + link, Inactive: !lr.row.Situation.Active, Cells: make([]cellView, len(columns))}
	for j, c := range columns {
		cell := cellView{Key: c.Key, Label: c.Label}
		switch {
		case c.Kind == kindBool:
			cell.IsBool, cell.Bool = true, c.flag(lr)
		case c.Key == "fonction" && lr.fnLabel != "":
			cell.Text, cell.Title = lr.row.Situation.Function, lr.fnLabel
		default:
			cell.Text = c.value(lr)
		}
		rv.Cells[j] = cell
	}
	if len(fs) > 0 {
		worst := fs[0].Severity
		lines := make([]string, len(fs))
		for k, f := range fs {
			worst = min(worst, f.Severity)
			lines[k] = f.Severity.Label() + " : " + f.Message
		}
		rv.Flag, rv.FlagText = worst.String(), strings.Join(lines, "\n")
	}
	return rv
}

func countFindings(findings map[int64][]school.Finding) (blocking, warnings int) {
	for _, fs := range findings {
		for _, f := range fs {
			switch f.Severity {
			case school.Bloquant:
				blocking++
			case school.Avertissement:
				warnings++
			}
		}
	}
	return blocking, warnings
}

// listReturn reads the "retour" field of the menus' forms: only the list
// itself, so that the field cannot send anyone elsewhere.
func listReturn(r *http.Request) string {
	ret := web.SafeNext(r.PostFormValue("retour"), "/")
	if ret != "/" && !strings.HasPrefix(ret, "/?") {
		return "/"
	}
	return ret
}

func (s *server) listPrefs(r *http.Request, userID int64) (listPrefs, error) {
	v, ok, err := s.prefs.Pref(r.Context(), userID, listPrefsKey)
	if err != nil {
		return listPrefs{}, err
	}
	if !ok {
		return defaultListPrefs(), nil
	}
	return decodeListPrefs(v), nil
}

func (s *server) saveListPrefs(r *http.Request, userID int64, p listPrefs) error {
	b, err := json.Marshal(p.clean())
	if err != nil {
		return err
	}
	return s.prefs.SavePref(r.Context(), userID, listPrefsKey, string(b))
}

// wantsNoContent reports a request of the page's script, which needs no
// page in return.
func wantsNoContent(r *http.Request) bool {
	return r.Header.Get("X-Requested-With") == "fetch"
}

// saveSort is « Trier par ordre croissant / décroissant » of a column menu.
func (s *server) saveSort(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	c, ok := columnByKey(r.PostFormValue("colonne"))
	order := r.PostFormValue("ordre")
	if !ok || (order != "asc" && order != "desc") {
		return &web.Error{Status: http.StatusBadRequest, Message: "Tri inconnu. Rechargez la page et choisissez le tri dans le menu de la colonne."}
	}
	p, err := s.listPrefs(r, u.ID)
	if err != nil {
		return err
	}
	p.Sort, p.Desc = c.Key, order == "desc"
	if err := s.saveListPrefs(r, u.ID, p); err != nil {
		return err
	}
	if wantsNoContent(r) {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return seeOther(w, r, listReturn(r)+"#menu-"+c.Key)
}

// saveColumns is the « Colonnes » submenu: the ticked columns are shown.
func (s *server) saveColumns(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return &web.Error{Status: http.StatusBadRequest, Err: err}
	}
	p, err := s.listPrefs(r, u.ID)
	if err != nil {
		return err
	}
	p.Columns = nil
	for _, k := range r.PostForm["colonne"] {
		if _, ok := columnByKey(k); !ok {
			return &web.Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("Colonne « %s » inconnue. Rechargez la page et recommencez.", k)}
		}
		p.Columns = append(p.Columns, k)
	}
	if err := s.saveListPrefs(r, u.ID, p); err != nil {
		return err
	}
	if wantsNoContent(r) {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return seeOther(w, r, listReturn(r))
}
