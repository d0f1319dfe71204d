package schoolui_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"passerelle/internal/htmlcheck"
	"slices"
)

// listNames returns the names of the list's rows, in order.
func listNames(t testing.TB, body string) []string {
	t.Helper()
	return htmlcheck.Parse(t, body).Texts("#liste tbody td.col-nom a")
}

// hiddenColumns returns the classes of the list that hide its columns.
func hiddenColumns(t testing.TB, body string) []string {
	t.Helper()
	return strings.Fields(htmlcheck.Parse(t, body).One("table#liste").Attr("class"))[1:]
}

// cell returns the text of the cell of column col in the row of name.
func cell(t testing.TB, page htmlcheck.Elem, name, col string) htmlcheck.Elem {
	t.Helper()
	for _, tr := range page.All("#liste tbody tr") {
		if tr.One("td.col-nom a").Text() == name {
			return tr.One("td.col-" + col)
		}
	}
	t.Fatalf("no row %q in the list %q", name, page.Texts("#liste tbody td.col-nom a"))
	return htmlcheck.Elem{}
}

func TestListColumns(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := e.signedIn("secretariat").get("/")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("status %d", page.StatusCode)
	}
	doc := htmlcheck.Parse(t, page.body)
	var labels []string
	for _, th := range doc.All(`#liste thead th[scope=col]`) {
		label := th.One(".th-label")
		// The label without its sort mark, and without its soft hyphens.
		text := label.Text()
		if label.Has(".sort-mark") {
			text = strings.TrimSuffix(label.Text(), label.One(".sort-mark").Text())
		}
		labels = append(labels, strings.TrimRight(strings.ReplaceAll(text, "\u00ad", ""), " \u00a0"))
		if th.Attr("id") != "col-"+strings.TrimPrefix(th.Attr("class"), "col-") {
			t.Errorf("heading %q: id %q, class %q", text, th.Attr("id"), th.Attr("class"))
		}
	}
	want := []string{"Nom", "Numéro national", "Matricule ministériel", "Présent (physiquement)",
		"Actif (présent administrativement)", "Situation principale", "Fonction principale", "Résumé", "Rôle extranet",
		"E-mail école", "Date de naissance", "Date de début", "Date de fin", "Fonction de promotion"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Fatalf("headings:\n got %q\nwant %q", labels, want)
	}
	// Rôle extranet and the columns on demand are hidden until chosen,
	// the columns of the school software's help page are shown.
	hidden := hiddenColumns(t, page.body)
	if strings.Join(hidden, " ") != "hide-role hide-email hide-naissance hide-debut hide-fin hide-promotion" {
		t.Errorf("hidden columns = %q", hidden)
	}
	for _, want := range []struct{ name, col, abbr, text string }{
		{"Abel Marc", "fonction", "Instituteur primaire", "IP"},
		{"Gensen Talia", "fonction", "Instituteur maternel", "IM"},
		{"Milord Rémy", "fonction", "Directeur", "D"},
	} {
		abbr := cell(t, doc, want.name, want.col).One("abbr")
		if abbr.Text() != want.text || abbr.Attr("title") != want.abbr {
			t.Errorf("%s, %s: <abbr title=%q>%s</abbr>, want %s (%s)", want.name, want.col, abbr.Attr("title"), abbr.Text(), want.text, want.abbr)
		}
	}
	if got := cell(t, doc, "Abel Marc", "resume").Text(); got != "IP 24/24" {
		t.Errorf("Abel's summary %q", got)
	}
	if got := cell(t, doc, "Abel Marc", "debut").Text(); got != "01/09/2015" {
		t.Errorf("Abel's start %q", got)
	}
	present := cell(t, doc, "Abel Marc", "present").One("input[type=checkbox]")
	if _, checked := present.Lookup("checked"); !checked || present.Attr("aria-label") != "Présent (physiquement)" {
		t.Errorf("Abel's presence: %s", present.HTML())
	}
	if _, disabled := present.Lookup("disabled"); !disabled {
		t.Error("the presence box of the list can be changed")
	}
	// Every heading has its menu with the two sorts and the column choice.
	for _, th := range doc.All(`#liste thead th[scope=col]`) {
		menu := th.One("details.colmenu")
		if got, want := menu.One("summary").Attr("aria-label"), "Menu de la colonne "+th.Attr("title"); got != want {
			t.Errorf("menu %q, want %q", got, want)
		}
		sorts := menu.All(`form[action="/liste/tri"]`)
		if len(sorts) != 2 || sorts[0].Text() != "Trier par ordre croissant" || sorts[1].Text() != "Trier par ordre décroissant" ||
			sorts[0].One("input[name=ordre]").Attr("value") != "asc" || sorts[1].One("input[name=ordre]").Attr("value") != "desc" {
			t.Errorf("%s: sort forms %q", th.Attr("id"), menu.Texts(`form[action="/liste/tri"]`))
		}
		if got := menu.One("details.submenu > summary").Text(); got != "Colonnes" {
			t.Errorf("%s: submenu %q", th.Attr("id"), got)
		}
		if n := len(menu.All(`form[action="/liste/colonnes"] input[type=checkbox][name=colonne]`)); n != len(want) {
			t.Errorf("%s: %d column boxes, want %d", th.Attr("id"), n, len(want))
		}
	}
	role := doc.One("#cb-nom-role")
	if _, checked := role.Lookup("checked"); checked || role.Attr("value") != "role" || role.Attr("role") != "menuitemcheckbox" {
		t.Errorf("Rôle extranet's box: %s", role.HTML())
	}
	name := doc.One("#cb-nom-nom")
	_, checked := name.Lookup("checked")
	if _, disabled := name.Lookup("disabled"); !checked || !disabled {
		t.Errorf("Nom's box is not ticked and fixed: %s", name.HTML())
	}
	// The sort is by name by default.
	if got := doc.One("#liste thead th.col-nom").Attr("aria-sort"); got != "ascending" {
		t.Errorf("Nom is sorted %q, want ascending", got)
	}
}

func TestListSortFrenchCollation(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	names := []string{"Abel Marc", "Dupont Jean", "Écrivain Émile", "Fabre Anne", "Gensen Talia", "Milord Rémy", "Zimmer Anne"}

	if got := listNames(t, c.get("/").body); !reflect.DeepEqual(got, names) {
		t.Fatalf("default order %q, want by name with Écrivain among the E's", got)
	}
	res := c.post("/liste/tri", url.Values{"colonne": {"nom"}, "ordre": {"desc"}, "retour": {"/?q=e"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?q=e#menu-nom" {
		t.Fatalf("sort: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	page := c.get("/")
	rev := make([]string, len(names))
	for i, n := range names {
		rev[len(names)-1-i] = n
	}
	if got := listNames(t, page.body); !reflect.DeepEqual(got, rev) {
		t.Fatalf("descending order %q", got)
	}
	if got := htmlcheck.Parse(t, page.body).One("#liste thead th.col-nom").Attr("aria-sort"); got != "descending" {
		t.Errorf("Nom is sorted %q, want descending", got)
	}

	// Rôle extranet: the empty role is what the review looks for, so it
	// sorts as a value, first ascending and last descending.
	c.post("/liste/tri", url.Values{"colonne": {"role"}, "ordre": {"asc"}})
	got := listNames(t, c.get("/").body)
	if !increasing(order(strings.Join(got, "|"), "Fabre Anne", "Milord Rémy", "Abel Marc")) {
		t.Errorf("by role ascending: the empty one, Directeur, Enseignant…: %q", got)
	}
	c.post("/liste/tri", url.Values{"colonne": {"role"}, "ordre": {"desc"}})
	got = listNames(t, c.get("/").body)
	if !increasing(order(strings.Join(got, "|"), "Abel Marc", "Milord Rémy", "Fabre Anne")) || got[len(got)-1] != "Fabre Anne" {
		t.Errorf("by role descending: Enseignant…, Directeur, then the empty one: %q", got)
	}

	// The sort is the user's own: another user still sees the list by
	// name.
	other := e.signedIn("direction")
	if got := listNames(t, other.get("/").body); !reflect.DeepEqual(got, names) {
		t.Error("another user's sort changed")
	}

	// Unknown columns are refused.
	if res := c.post("/liste/tri", url.Values{"colonne": {"salaire"}, "ordre": {"asc"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown column: status %d", res.StatusCode)
	}
}

func TestListColumnChoiceKept(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	cols := url.Values{"colonne": {"nom", "niss", "role", "email"}, "retour": {"/?inactifs=1"}}
	res := c.post("/liste/colonnes", cols)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?inactifs=1" {
		t.Fatalf("columns: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	page := c.get("/")
	hidden := strings.Join(hiddenColumns(t, page.body), " ")
	if strings.Contains(hidden, "hide-role") || strings.Contains(hidden, "hide-email") || !strings.Contains(hidden, "hide-matricule") {
		t.Errorf("hidden columns after the choice = %q", hidden)
	}
	doc := htmlcheck.Parse(t, page.body)
	if _, checked := doc.One("#cb-niss-role").Lookup("checked"); !checked {
		t.Error("the menu does not show Rôle extranet as ticked")
	}
	if got := cell(t, doc, "Milord Rémy", "role").Text(); got != "Directeur" {
		t.Errorf("the role column holds %q for the director", got)
	}

	// The page's script saves with fetch and gets no page back.
	form := url.Values{"colonne": {"nom"}, "csrf": {c.token("/")}}
	req, _ := http.NewRequest("POST", e.srv.URL+"/liste/colonnes", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	if res := c.do(req); res.StatusCode != http.StatusNoContent {
		t.Fatalf("fetch: status %d", res.StatusCode)
	}
	hidden = strings.Join(hiddenColumns(t, c.get("/").body), " ")
	if !strings.Contains(hidden, "hide-niss") || strings.Contains(hidden, "hide-nom") {
		t.Errorf("after keeping only Nom: %q", hidden)
	}
}

func TestListSearchAndSwitch(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	for _, test := range []struct {
		query string
		want  []string
		not   []string
	}{
		{"?q=emile", []string{"Écrivain Émile"}, []string{"Zimmer", "Abel"}},
		{"?q=ÉCRI", []string{"Écrivain Émile"}, []string{"Zimmer"}},
		{"?q=anne", []string{"Zimmer Anne", "Fabre Anne"}, []string{"Abel"}},
		{"?q=anne+fab", []string{"Fabre Anne"}, []string{"Zimmer"}},
		{"?q=jean.dupont%40ecole", []string{"Dupont Jean"}, []string{"Abel"}},
		{"?q=67.03.15-024.81", []string{"Milord Rémy"}, []string{"Abel"}},
		{"?q=1670315", []string{"Milord Rémy"}, []string{"Abel"}},
		{"?q=ancien", nil, []string{"Ancien Paul"}},
		{"?q=ancien&inactifs=1", []string{"Ancien Paul"}, []string{"Abel"}},
		{"", []string{"Abel Marc"}, []string{"Ancien Paul"}},
		{"?inactifs=1", []string{"Abel Marc", "Ancien Paul"}, nil},
	} {
		shown := strings.Join(listNames(t, c.get("/"+test.query).body), "|")
		for _, w := range test.want {
			if !strings.Contains(shown, w) {
				t.Errorf("%s: %q missing from %q", test.query, w, shown)
			}
		}
		for _, n := range test.not {
			if strings.Contains(shown, n) {
				t.Errorf("%s: %q shown", test.query, n)
			}
		}
	}
	page := htmlcheck.Parse(t, c.get("/?inactifs=1").body)
	sw := page.One("form#filtres input#inactifs")
	if _, on := sw.Lookup("checked"); !on || sw.Attr("name") != "inactifs" || sw.Attr("role") != "switch" {
		t.Errorf("the switch is not shown on: %s", sw.HTML())
	}
	var inactive []string
	for _, tr := range page.All("#liste tbody tr.inactive") {
		inactive = append(inactive, tr.One("td.col-nom").Text())
	}
	if !reflect.DeepEqual(inactive, []string{"Ancien Paul"}) {
		t.Errorf("rows marked inactive: %q", inactive)
	}
	// The menus' forms come back to the same search.
	for _, f := range htmlcheck.Parse(t, c.get("/?q=anne&inactifs=1").body).All(`#liste thead form`) {
		if got := f.One("input[name=retour]").Attr("value"); got != "/?inactifs=1&q=anne" {
			t.Errorf("a menu form of %s comes back to %q", f.Attr("action"), got)
		}
	}
}

func TestListFlagsFindings(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := htmlcheck.Parse(t, e.signedIn("secretariat").get("/").body)
	flags := map[string]string{} // name → the row's class
	for _, tr := range page.All("#liste tbody tr") {
		flags[tr.One("td.col-nom a").Text()] = tr.Attr("class")
	}
	gensen := page.One("#liste tbody tr.flagged-bloquant")
	if flags["Gensen Talia"] != "flagged flagged-bloquant" || gensen.One("td.col-nom a").Text() != "Gensen Talia" {
		t.Fatalf("Gensen's row is not the blocking one: %q", flags)
	}
	if href := gensen.One("td.col-nom a").Attr("href"); href != "/situations/"+itoa(e.rows["Gensen"].Situation.ID) {
		t.Errorf("Gensen's link %q", href)
	}
	mark := gensen.One("td.col-nom span.flag.flag-bloquant[role=img]")
	for _, text := range []string{gensen.Attr("title"), mark.Attr("aria-label")} {
		if !strings.HasPrefix(text, "Bloquant : adresse e-mail école manquante") {
			t.Errorf("Gensen's flag says %q", text)
		}
	}
	// Fabre has no role: an information, not a warning.
	if flags["Fabre Anne"] != "flagged flagged-information" {
		t.Errorf("Fabre's row: class %q", flags["Fabre Anne"])
	}
	abel := page.OneWithText("#liste tbody td.col-nom", "Abel Marc")
	if flags["Abel Marc"] != "" || abel.Has(".flag") || abel.One("a").Attr("href") != "/situations/"+itoa(e.rows["Abel"].Situation.ID) {
		t.Errorf("Abel's row is flagged, or its link wrong: %s", abel.HTML())
	}
	if got := page.One("#compte a[href='/verifier']").Text(); !strings.HasPrefix(got, "1 point bloquant,") {
		t.Errorf("the count of blocking points says %q", got)
	}
}

// The rows are written in Go, not by the template: every value must still
// be escaped.
func TestListEscapes(t *testing.T) {
	evil := person(`<script>alert("x")</script>`, `Anne" onmouseover="alert(1)`, "", "IP", "")
	evil.Member.NISS = `1"><img src=x>`
	e := newEnv(t, envOptions{rows: append(fixtureRows(), evil)})
	page := e.signedIn("secretariat").get("/").body
	// What a browser builds from the list: the values are text, never
	// elements or attributes.
	list := doc(t, page).One("#liste tbody")
	if list.Has("script, img, [onmouseover]") {
		t.Errorf("a value became markup in the list: %s", list.HTML())
	}
	if !slices.Contains(listNames(t, page), `<script>alert("x")</script> Anne" onmouseover="alert(1)`) {
		t.Errorf("the name is not shown as typed: %q", listNames(t, page))
	}
	if len(list.WithText("td.col-niss", `1"><img src=x>`)) != 1 {
		t.Error("the national number is not shown as typed")
	}
	// And in the markup itself, as it is written in Go.
	body := tbody(t, page)
	for _, bad := range []string{"<script>", `" onmouseover=`, "<img"} {
		if strings.Contains(body, bad) {
			t.Errorf("unescaped %q in the list", bad)
		}
	}
}

// TestListSearchBounded checks that a search of a thousand words gets a
// French message instead of a long computation, and a short one works.
func TestListSearchBounded(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("direction")
	res := c.get("/?q=" + url.QueryEscape(strings.Repeat("milord ", 1000)))
	if res.StatusCode != http.StatusBadRequest || !has(t, res.body, "Recherche trop longue : tapez au plus 8 mots et 100 caractères") {
		t.Fatalf("1,000 words: status %d\n%s", res.StatusCode, res.body)
	}
	if res := c.get("/?q=milord+remy"); res.StatusCode != http.StatusOK {
		t.Errorf("two words: status %d", res.StatusCode)
	}
}
