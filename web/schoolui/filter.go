package schoolui

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"passerelle/fwb"
	"passerelle/school"
	"passerelle/wire"
)

// pageSize is the number of rows of one page of the list: a secondary
// school has several hundred members, and a page of 100 stays quick to
// render and to scroll (BenchmarkListPage600).
const pageSize = 100

// Values of the Rôle extranet and Présent / Actif filters.
const (
	roleEmpty       = "vide"
	presencePresent = "present"
	presenceAbsent  = "absent"
	presenceOff     = "inactif"
)

// listQuery is the state of the list that lives in its address: the
// search, the switch, the filters and the page. The fiche's links carry it
// too, so that « Retour à la liste », previous/next fiche, sorting, back
// and reload all keep it.
type listQuery struct {
	Search   string // q
	Inactive bool   // inactifs: « Afficher les membres non actifs »
	Function string // fonction: a function code
	Status   string // situation: a situation principale code
	Role     string // role: Enseignant, Directeur or roleEmpty
	Presence string // presence: presencePresent, presenceAbsent or presenceOff
	Flagged  bool   // signales: only the members the checks flag
	NotSent  bool   // nontransferes: those the last transfer did not send
	Page     int    // page, from 1
	Transfer string // transfert: the transfer whose messages show below
}

func parseListQuery(v url.Values) listQuery {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := listQuery{
		Search: get("q"), Inactive: get("inactifs") != "",
		Function: get("fonction"), Status: get("situation"),
		Flagged: get("signales") != "", NotSent: get("nontransferes") != "",
	}
	switch r := get("role"); r {
	case string(fwb.RoleEnseignant), string(fwb.RoleDirecteur), roleEmpty:
		q.Role = r
	}
	switch p := get("presence"); p {
	case presencePresent, presenceAbsent, presenceOff:
		q.Presence = p
	}
	if n, err := strconv.Atoi(get("page")); err == nil && n > 1 {
		q.Page = n
	}
	if id, err := strconv.ParseInt(get("transfert"), 10, 64); err == nil && id > 0 {
		q.Transfer = strconv.FormatInt(id, 10)
	}
	return q
}

// values are the search and the filters, without the page and the
// transfer: what a fiche's link carries.
func (q listQuery) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	flag := func(k string, on bool) {
		if on {
			v.Set(k, "1")
		}
	}
	set("q", q.Search)
	flag("inactifs", q.Inactive)
	set("fonction", q.Function)
	set("situation", q.Status)
	set("role", q.Role)
	set("presence", q.Presence)
	flag("signales", q.Flagged)
	flag("nontransferes", q.NotSent)
	return v
}

// Filtered reports whether any filter or the search narrows the list.
func (q listQuery) Filtered() bool { return len(q.values()) > 0 }

// suffix is "?…" with the filters, or "".
func (q listQuery) suffix() string {
	if e := q.values().Encode(); e != "" {
		return "?" + e
	}
	return ""
}

// listURL is the list's address with the filters, page and transfer.
func (q listQuery) listURL() string {
	v := q.values()
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Transfer != "" {
		v.Set("transfert", q.Transfer)
	}
	if e := v.Encode(); e != "" {
		return "/?" + e
	}
	return "/"
}

// sortReturn is where the column menus come back to: the same filters and
// transfer, on the first page, since a new order starts at its top.
func (q listQuery) sortReturn() string {
	q.Page = 0
	return q.listURL()
}

// pageURL is the list's address at page n, without the transfer.
func (q listQuery) pageURL(n int) string {
	q.Page, q.Transfer = n, ""
	return q.listURL()
}

// listing is the list as one request sees it: every row of the school,
// the ones the query keeps, sorted, and what the filters needed.
type listing struct {
	total    int
	rows     []*listRow
	findings map[int64][]school.Finding
	all      []school.Row
}

// listing reads, filters and sorts the school's rows for q.
func (s *server) listing(ctx context.Context, q listQuery, prefs listPrefs) (*listing, error) {
	rows, err := s.store.Rows(ctx, s.fase)
	if err != nil {
		return nil, err
	}
	return s.listingOf(ctx, rows, school.BySituation(school.Check(rows, s.now(), s.tables)), q, prefs)
}

// listingOf filters and sorts rows already read, with their findings.
func (s *server) listingOf(ctx context.Context, rows []school.Row, findings map[int64][]school.Finding, q listQuery, prefs listPrefs) (*listing, error) {
	l := &listing{total: len(rows), all: rows, findings: findings}
	var notSent map[string]bool
	var err error
	if q.NotSent {
		if notSent, err = s.lastNotSent(ctx); err != nil {
			return nil, err
		}
	}
	srch := parseSearch(q.Search, s.tables)
	l.rows = make([]*listRow, 0, len(rows))
	for _, row := range rows {
		if !q.keeps(row, l.findings, notSent) {
			continue
		}
		lr := newListRow(row, s.tables)
		if !srch.empty() && !srch.match(lr) {
			continue
		}
		l.rows = append(l.rows, lr)
	}
	sortCol, _ := columnByKey(prefs.Sort)
	sortRows(l.rows, sortCol, prefs.Desc)
	return l, nil
}

// keeps applies the filters other than the search to one row.
func (q listQuery) keeps(row school.Row, findings map[int64][]school.Finding, notSent map[string]bool) bool {
	st := row.Situation
	switch q.Presence {
	case presenceOff:
		if st.Active {
			return false
		}
	case presencePresent:
		if !st.Present {
			return false
		}
	case presenceAbsent:
		if st.Present {
			return false
		}
	}
	switch {
	case !st.Active && !q.Inactive && q.Presence != presenceOff:
		return false
	case q.Function != "" && !strings.EqualFold(st.Function, q.Function):
		return false
	case q.Status != "" && !strings.EqualFold(st.Status, q.Status):
		return false
	case q.Role == roleEmpty && st.Role != fwb.RoleNone:
		return false
	case q.Role != "" && q.Role != roleEmpty && string(st.Role) != q.Role:
		return false
	case q.Flagged && len(findings[st.ID]) == 0:
		return false
	case q.NotSent && !notSent[row.DisplayName()]:
		return false
	}
	return true
}

// lastNotSent returns the names ("Prénom Nom") of the members the latest
// transfer that reached the extranet did not send: its « Erreur : Non
// transféré … » lines. The history keeps the lines, not the members, so
// the names are read back from them.
func (s *server) lastNotSent(ctx context.Context) (map[string]bool, error) {
	recs, err := s.store.Transfers(ctx, s.fase, 50)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, rec := range recs {
		if rec.DryRun || (rec.Outcome != school.OutcomeDone && rec.Outcome != school.OutcomeNoChange) {
			continue
		}
		// « Erreur : Non transféré Jean Dupont – … », or « Non transférée »
		// for a woman the school held back.
		prefix := strings.TrimSpace(strings.TrimSuffix(wire.NotTransferredLine("", "", ""), wire.Dash))
		for _, line := range rec.Messages {
			rest, ok := strings.CutPrefix(line, prefix)
			if !ok {
				continue
			}
			rest = strings.TrimPrefix(rest, "e ")
			name, _, _ := strings.Cut(strings.TrimSpace(rest), wire.Dash)
			out[strings.TrimSpace(name)] = true
		}
		return out, nil
	}
	return out, nil
}

// filterOption is one choice of a filter's select.
type filterOption struct {
	Value, Label string
	Selected     bool
}

// filterView holds the choices of the list's filters: the functions and
// situations found in the school, in the tables' order.
type filterView struct {
	Functions, Statuses, Roles, Presences []filterOption
}

func (s *server) filterView(q listQuery, rows []school.Row) filterView {
	usedFn, usedSt := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		usedFn[strings.ToUpper(r.Situation.Function)] = true
		usedSt[strings.ToUpper(r.Situation.Status)] = true
	}
	var v filterView
	for _, f := range s.tables.Functions() {
		if usedFn[strings.ToUpper(f.Code)] || strings.EqualFold(f.Code, q.Function) {
			v.Functions = append(v.Functions, filterOption{f.Code, f.Display(), strings.EqualFold(f.Code, q.Function)})
		}
	}
	for _, st := range s.tables.Situations() {
		if usedSt[strings.ToUpper(st.Code)] || strings.EqualFold(st.Code, q.Status) {
			label := st.Code
			if st.Label != "" {
				label += " (" + st.Label + ")"
			}
			v.Statuses = append(v.Statuses, filterOption{st.Code, label, strings.EqualFold(st.Code, q.Status)})
		}
	}
	v.Roles = []filterOption{
		{string(fwb.RoleEnseignant), "Enseignant", q.Role == string(fwb.RoleEnseignant)},
		{string(fwb.RoleDirecteur), "Directeur", q.Role == string(fwb.RoleDirecteur)},
		{roleEmpty, "(vide)", q.Role == roleEmpty},
	}
	v.Presences = []filterOption{
		{presencePresent, "Présents", q.Presence == presencePresent},
		{presenceAbsent, "Non présents", q.Presence == presenceAbsent},
		{presenceOff, "Non actifs seulement", q.Presence == presenceOff},
	}
	return v
}
