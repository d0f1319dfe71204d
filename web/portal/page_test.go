package portal

import (
	"strings"
	"testing"

	"passerelle/internal/htmlcheck"
)

// doc parses a response's page.
func doc(t testing.TB, r response) htmlcheck.Elem {
	t.Helper()
	return htmlcheck.Parse(t, r.body)
}

// wantIn checks that the elements sel selects show every piece in their
// text; it fails when sel selects nothing.
func wantIn(t testing.TB, r response, sel string, pieces ...string) {
	t.Helper()
	texts := doc(t, r).Texts(sel)
	if len(texts) == 0 {
		t.Errorf("page (status %d) has no %q", r.status, sel)
		return
	}
	all := strings.Join(texts, "\n")
	for _, p := range pieces {
		if !strings.Contains(all, p) {
			t.Errorf("page (status %d): %q lacks %q; it holds %q", r.status, sel, p, texts)
		}
	}
}

// noneIn checks that no element sel selects shows any piece.
func noneIn(t testing.TB, r response, sel string, pieces ...string) {
	t.Helper()
	all := strings.Join(doc(t, r).Texts(sel), "\n")
	for _, p := range pieces {
		if strings.Contains(all, p) {
			t.Errorf("page (status %d): %q shows %q", r.status, sel, p)
		}
	}
}

// wantRow checks that a row of the table sel holds cells with these texts,
// in this order (other cells may come between).
func wantRow(t testing.TB, r response, table string, cells ...string) {
	t.Helper()
	rows := doc(t, r).Rows(table)
	for _, row := range rows {
		i := 0
		for _, c := range row {
			if i < len(cells) && c == cells[i] {
				i++
			}
		}
		if i == len(cells) {
			return
		}
	}
	t.Errorf("table %q has no row with %q; rows %q", table, cells, rows)
}

// links returns the targets of the links under sel.
func links(t testing.TB, r response, sel string) []string {
	t.Helper()
	var out []string
	for _, a := range doc(t, r).All(sel + " a[href]") {
		out = append(out, a.Attr("href"))
	}
	return out
}

// disputeForm returns the action of the first decision form of the
// disputed accesses on the verifications page.
func disputeForm(t testing.TB, r response) string {
	t.Helper()
	for _, f := range doc(t, r).All("#contestations form") {
		if a := f.Attr("action"); strings.HasPrefix(a, "/console/verifications/contestations/") {
			return a
		}
	}
	t.Fatalf("no decision form for a disputed access")
	return ""
}
