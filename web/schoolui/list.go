package schoolui

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"passerelle/school"
	"passerelle/web"
)

type listView struct {
	base
	Columns  []colView
	Rows     []rowView
	Query    string
	Inactive bool // « Afficher les membres non actifs »
	Total    int  // rows before the search and the switch
	Return   string
	// Hidden lists the classes that hide columns: the table carries every
	// column, so that a column ticked in the menu shows at once.
	Hidden   string
	Sort     string
	Desc     bool
	Blocking int
	Warnings int
	Transfer *transferView // the messages of ?transfert=ID
}

type colView struct {
	Key, Label string
	Heading    string // Label with soft hyphens
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
}

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
	b.WriteString("<tr")
	if len(classes) > 0 {
		b.WriteString(` class="` + strings.Join(classes, " ") + `"`)
	}
	if rv.FlagText != "" {
		b.WriteString(` title="` + esc(rv.FlagText) + `"`)
	}
	b.WriteString(">\n")
	id := strconv.FormatInt(rv.ID, 10)
	for _, c := range rv.Cells {
		switch {
		case c.Key == "nom":
			b.WriteString(`<td class="col-nom">`)
			if rv.Flag != "" {
				t := esc(rv.FlagText)
				b.WriteString(`<span class="flag flag-` + rv.Flag + `" role="img" aria-label="` + t + `" title="` + t + `"></span>`)
			}
			b.WriteString(`<a href="/situations/` + id + `">` + esc(c.Text) + "</a></td>\n")
		case c.IsBool:
			b.WriteString(`<td class="col-` + c.Key + ` bool"><input type="checkbox" disabled`)
			if c.Bool {
				b.WriteString(" checked")
			}
			b.WriteString(` aria-label="` + esc(c.Label) + `"></td>` + "\n")
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
	rows, err := s.store.Rows(ctx, s.fase)
	if err != nil {
		return err
	}
	findings := school.BySituation(school.Check(rows, s.now(), s.tables))

	q := r.URL.Query()
	view := listView{
		base:     s.base(r),
		Query:    strings.TrimSpace(q.Get("q")),
		Inactive: q.Get("inactifs") != "",
		Total:    len(rows),
		Return:   returnTo(r),
		Sort:     prefs.Sort,
		Desc:     prefs.Desc,
	}
	srch := parseSearch(view.Query)
	list := make([]*listRow, 0, len(rows))
	for _, row := range rows {
		if !row.Situation.Active && !view.Inactive {
			continue
		}
		lr := newListRow(row, s.tables)
		if !srch.empty() && !srch.match(lr) {
			continue
		}
		list = append(list, lr)
	}
	sortCol, _ := columnByKey(prefs.Sort)
	sortRows(list, sortCol, prefs.Desc)

	var hidden []string
	for i, c := range columns {
		heading := c.Heading
		if heading == "" {
			heading = c.Label
		}
		cv := colView{Key: c.Key, Label: c.Label, Heading: heading, Visible: prefs.visible(c.Key), Fixed: c.Fixed, Right: i >= len(columns)/2}
		if c.Key == prefs.Sort {
			cv.Sorted = "asc"
			if prefs.Desc {
				cv.Sorted = "desc"
			}
		}
		if !cv.Visible {
			hidden = append(hidden, "hide-"+c.Key)
		}
		view.Columns = append(view.Columns, cv)
	}
	view.Hidden = strings.Join(hidden, " ")

	view.Rows = make([]rowView, len(list))
	for i, lr := range list {
		rv := rowView{ID: lr.row.Situation.ID, Inactive: !lr.row.Situation.Active, Cells: make([]cellView, len(columns))}
		for j, c := range columns {
			cell := cellView{Key: c.Key, Label: c.Label}
			if c.Kind == kindBool {
				cell.IsBool, cell.Bool = true, c.flag(lr)
			} else {
				cell.Text = c.value(lr)
			}
			rv.Cells[j] = cell
		}
		if fs := findings[rv.ID]; len(fs) > 0 {
			worst := fs[0].Severity
			lines := make([]string, len(fs))
			for k, f := range fs {
				worst = min(worst, f.Severity)
				lines[k] = f.Severity.Label() + " : " + f.Message
			}
			rv.Flag, rv.FlagText = worst.String(), strings.Join(lines, "\n")
		}
		view.Rows[i] = rv
	}
	for _, fs := range findings {
		for _, f := range fs {
			switch f.Severity {
			case school.Bloquant:
				view.Blocking++
			case school.Avertissement:
				view.Warnings++
			}
		}
	}

	if v := q.Get("transfert"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			view.Transfer, err = s.transferView(r, id)
		}
		if err != nil {
			view.Transfer = &transferView{Missing: true}
		}
	}
	return s.render(w, r, http.StatusOK, "list", "Situation école", view)
}

// returnTo is the list's address with its search and switch, for the forms
// of the column menus to come back to.
func returnTo(r *http.Request) string {
	q := url.Values{}
	if v := strings.TrimSpace(r.URL.Query().Get("q")); v != "" {
		q.Set("q", v)
	}
	if r.URL.Query().Get("inactifs") != "" {
		q.Set("inactifs", "1")
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
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
