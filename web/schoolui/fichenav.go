package schoolui

import (
	"net/http"
	"strconv"

	"passerelle/school"
)

// ficheNav is how a fiche goes back to the list it was opened from: the
// list's filters travel in the fiche's address, so « Retour à la liste »
// lands on the same filtered page, and the previous and next fiches are
// those of that list, in its order.
type ficheNav struct {
	Back       string // the list, at the page of this situation
	Suffix     string // "?…" with the filters, for the fiche's own links
	Prev, Next string // the neighbouring fiches, "" at the ends
	Position   int    // 1-based place in the list, 0 when not in it
	Count      int
}

// ficheNav places situation id in the list that the request's filters
// describe; rows and findings are the school's, as the fiche read them.
func (s *server) ficheNav(r *http.Request, id int64, rows []school.Row, findings map[int64][]school.Finding) (ficheNav, error) {
	q := parseListQuery(r.URL.Query())
	q.Page, q.Transfer = 0, ""
	nav := ficheNav{Back: q.listURL(), Suffix: q.suffix()}
	if id == 0 {
		return nav, nil
	}
	prefs, err := s.listPrefs(r, userFrom(r.Context()).ID)
	if err != nil {
		return nav, err
	}
	l, err := s.listingOf(r.Context(), rows, findings, q, prefs)
	if err != nil {
		return nav, err
	}
	nav.Count = len(l.rows)
	link := func(i int) string {
		return "/situations/" + strconv.FormatInt(l.rows[i].row.Situation.ID, 10) + nav.Suffix
	}
	for i, lr := range l.rows {
		if lr.row.Situation.ID != id {
			continue
		}
		nav.Position = i + 1
		if i > 0 {
			nav.Prev = link(i - 1)
		}
		if i+1 < len(l.rows) {
			nav.Next = link(i + 1)
		}
		q.Page = i/pageSize + 1
		nav.Back = q.listURL() + "#ligne-" + strconv.FormatInt(id, 10)
	}
	return nav, nil
}
