package schoolui

import (
	"net/http"
	"strings"

	"passerelle/frtext"
)

// printView is the list as printed: every row the filters keep (no
// pages), the columns the user shows, and what was filtered.
type printView struct {
	base
	Date    string
	Filters []string // « Fonction : IP (Instituteur primaire) », …
	Columns []colView
	Rows    [][]printCell
	Back    string
}

type printCell struct {
	Text   string
	IsBool bool
	Bool   bool
}

// printList is « Imprimer la liste »: a page made for paper, with the
// title, the school, the date, the visible columns, the filters and ticks
// that print legibly (« oui », not a greyed checkbox).
func (s *server) printList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	prefs, err := s.listPrefs(r, userFrom(ctx).ID)
	if err != nil {
		return err
	}
	q := parseListQuery(r.URL.Query())
	q.Page, q.Transfer = 0, ""
	l, err := s.listing(ctx, q, prefs)
	if err != nil {
		return err
	}
	view := printView{base: s.base(r), Date: frtext.FormatDate(s.now()), Back: q.listURL(), Filters: s.filterLabels(q)}
	all, _ := columnViews(prefs)
	var shown []column
	for i, c := range columns {
		if all[i].Visible {
			view.Columns = append(view.Columns, all[i])
			shown = append(shown, c)
		}
	}
	for _, lr := range l.rows {
		cells := make([]printCell, len(shown))
		for j, c := range shown {
			if c.Kind == kindBool {
				cells[j] = printCell{IsBool: true, Bool: c.flag(lr)}
			} else {
				cells[j] = printCell{Text: c.value(lr)}
			}
		}
		view.Rows = append(view.Rows, cells)
	}
	return s.render(w, r, http.StatusOK, "print", "Situation école – impression", view)
}

// filterLabels describes the query in words, for the printed page.
func (s *server) filterLabels(q listQuery) []string {
	var out []string
	if q.Search != "" {
		out = append(out, "Recherche : « "+q.Search+" »")
	}
	fv := s.filterView(q, nil)
	for _, f := range []struct {
		label string
		opts  []filterOption
	}{{"Fonction", fv.Functions}, {"Situation principale", fv.Statuses}, {"Rôle extranet", fv.Roles}, {"Présent / Actif", fv.Presences}} {
		for _, o := range f.opts {
			if o.Selected {
				out = append(out, f.label+" : "+strings.TrimSpace(o.Label))
			}
		}
	}
	if q.Flagged {
		out = append(out, "Seulement les membres signalés")
	}
	if q.NotSent {
		out = append(out, "Non transférés la dernière fois")
	}
	if q.Inactive {
		out = append(out, "Membres non actifs compris")
	}
	return out
}
