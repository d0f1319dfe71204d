package schoolui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
)

// staff300 is a large school: 300 members with every kind of row the list
// shows (accents, missing e-mails, completed roles, directors, leavers).
func staff300() []school.Row { return staffN(300) }

// staffN is a school of n members like staff300; from 300 on, the names
// repeat with a number so that every national number and matricule stays
// unique.
func staffN(n int) []school.Row {
	lasts := []string{"Dupont", "Écrivain", "Martin", "Lefèvre", "Dubois", "Peeters", "Janssens", "Maes", "Jacobs", "Mertens",
		"Willems", "Claes", "Goossens", "Wouters", "De Smet", "Lambert", "Dumont", "Leclercq", "Renard", "Étienne"}
	firsts := []string{"Anne", "Émile", "Marc", "Sophie", "Luc", "Chloé", "Jean", "Marie", "Noël", "Zoé", "Hélène", "Paul", "Inès", "Théo", "Léa"}
	funcs := []string{"IP", "IM", "ME", "MR", "ML", "PU", "D"}
	rows := make([]school.Row, 0, n)
	for i := range n {
		last, first := lasts[i%len(lasts)], firsts[(i/len(lasts))%len(firsts)]
		if i >= 300 {
			last += fmt.Sprintf(" %d", i/300)
		}
		fn := funcs[i%len(funcs)]
		role := fwb.RoleEnseignant
		switch {
		case fn == "D":
			role = fwb.RoleDirecteur
		case fn == "PU" || i%9 == 0:
			role = fwb.RoleNone
		}
		email := fmt.Sprintf("%s.%s.%d@ecole.be", frtext.Fold(first)[:1], strings.ReplaceAll(frtext.Fold(last), " ", ""), i)
		if i%37 == 0 {
			email = ""
		}
		r := person(last, first, email, fn, role)
		r.Member.Matricule = fmt.Sprintf("2800504%04d", i)
		if i%25 == 0 {
			r.Situation.Active = false
		}
		rows = append(rows, r)
	}
	return rows
}

// BenchmarkListPage300 renders the Situation école list of 300 members (its
// first page of 100 rows) through the whole handler (session, CSRF, store,
// checks, sort, template), as a signed-in user with every column shown and
// sorted by a text column.
func BenchmarkListPage300(b *testing.B) {
	e := newEnv(b, envOptions{rows: staff300()})
	c := e.signedIn("secretariat")
	c.post("/liste/colonnes", url.Values{"colonne": {"nom", "niss", "matricule", "present", "actif", "situation", "fonction", "resume", "role", "email", "naissance", "debut", "fin", "promotion"}})
	c.post("/liste/tri", url.Values{"colonne": {"fonction"}, "ordre": {"asc"}})
	u, _ := url.Parse(e.srv.URL)
	cookies := c.http.Jar.Cookies(u)
	req := httptest.NewRequest("GET", "/?inactifs=1", nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `<td class="col-nom">`) != 100 {
		b.Fatalf("status %d, %d rows", rec.Code, strings.Count(rec.Body.String(), `<td class="col-nom">`))
	}
	b.SetBytes(int64(rec.Body.Len()))
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req.Clone(req.Context()))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkListPage600 renders the first page of a secondary school's list
// of 600 members, as BenchmarkListPage300 does: the whole list is read,
// checked, filtered and sorted, one page of it written.
func BenchmarkListPage600(b *testing.B) {
	e := newEnv(b, envOptions{rows: staffN(600)})
	c := e.signedIn("secretariat")
	c.post("/liste/colonnes", url.Values{"colonne": {"nom", "niss", "matricule", "present", "actif", "situation", "fonction", "resume", "role", "email", "naissance", "debut", "fin", "promotion"}})
	c.post("/liste/tri", url.Values{"colonne": {"fonction"}, "ordre": {"asc"}})
	u, _ := url.Parse(e.srv.URL)
	req := httptest.NewRequest("GET", "/?inactifs=1", nil)
	for _, ck := range c.http.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Count(body, `<td class="col-nom">`) != 100 || !strings.Contains(body, "600 lignes affichées sur 600") {
		b.Fatalf("status %d, %d rows", rec.Code, strings.Count(body, `<td class="col-nom">`))
	}
	b.SetBytes(int64(rec.Body.Len()))
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req.Clone(req.Context()))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
