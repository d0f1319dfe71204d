package schoolui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var headingLabel = regexp.MustCompile(`<th scope="col" id="col-[a-z]+" class="col-([a-z]+)"[^>]*>\s*<div class="th">\s*<span class="th-label">([^<&]+)`)

func TestListColumns(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := e.signedIn("secretariat").get("/")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("status %d", page.StatusCode)
	}
	var labels []string
	for _, m := range headingLabel.FindAllStringSubmatch(page.body, -1) {
		labels = append(labels, strings.ReplaceAll(m[2], "\u00ad", ""))
	}
	want := []string{"Nom", "Numéro national", "Matricule ministériel", "Présent (physiquement)",
		"Actif (présent administrativement)", "Situation principale", "Fonction principale", "Résumé", "Rôle extranet",
		"E-mail école", "Date de naissance", "Date de début", "Date de fin", "Fonction de promotion"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Fatalf("headings:\n got %q\nwant %q", labels, want)
	}
	// Rôle extranet and the columns on demand are hidden until chosen,
	// the columns of the school software's help page are shown.
	m := regexp.MustCompile(`<table class="staff ([^"]*)" id="liste">`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no list table")
	}
	hidden := strings.Fields(m[1])
	if strings.Join(hidden, " ") != "hide-role hide-email hide-naissance hide-debut hide-fin hide-promotion" {
		t.Errorf("hidden columns = %q", hidden)
	}
	body := tbody(t, page.body)
	for _, want := range []string{
		`<abbr title="Instituteur primaire">IP</abbr>`, `<abbr title="Instituteur maternel">IM</abbr>`, `<abbr title="Directeur">D</abbr>`, "IP 24/24",
		`<td class="col-present bool"><input type="checkbox" disabled checked aria-label="Présent (physiquement)"></td>`,
		`<td class="col-debut">01/09/2015</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	// Every heading has its menu with the two sorts and the column choice.
	for _, want := range []string{
		`aria-label="Menu de la colonne Résumé"`, "Trier par ordre croissant", "Trier par ordre décroissant",
		`<summary role="menuitem" aria-haspopup="menu">Colonnes</summary>`,
		`<input type="checkbox" role="menuitemcheckbox" id="cb-nom-role" name="colonne" value="role">`,
		`id="cb-nom-nom" name="colonne" value="nom" checked disabled>`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("column menus lack %q", want)
		}
	}
	// The sort is by name by default.
	if !strings.Contains(page.body, `class="col-nom" aria-sort="ascending"`) {
		t.Error("Nom is not marked as the sorted column")
	}
}

func TestListSortFrenchCollation(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	names := []string{"Abel Marc", "Dupont Jean", "Écrivain Émile", "Fabre Anne", "Gensen Talia", "Milord Rémy", "Zimmer Anne"}

	if body := tbody(t, c.get("/").body); !increasing(order(body, names...)) {
		t.Fatalf("default order %v, want by name with Écrivain among the E's", order(body, names...))
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
	if body := tbody(t, page.body); !increasing(order(body, rev...)) {
		t.Fatalf("descending order %v", order(body, rev...))
	}
	if !strings.Contains(page.body, `class="col-nom" aria-sort="descending"`) {
		t.Error("Nom is not marked descending")
	}

	// Rôle extranet: the empty role is what the review looks for, so it
	// sorts as a value, first ascending and last descending.
	c.post("/liste/tri", url.Values{"colonne": {"role"}, "ordre": {"asc"}})
	body := tbody(t, c.get("/").body)
	if !increasing(order(body, "Fabre Anne", "Milord Rémy", "Abel Marc")) {
		t.Errorf("by role ascending: the empty one, Directeur, Enseignant…: %v", order(body, "Fabre Anne", "Milord Rémy", "Abel Marc"))
	}
	c.post("/liste/tri", url.Values{"colonne": {"role"}, "ordre": {"desc"}})
	body = tbody(t, c.get("/").body)
	if !increasing(order(body, "Abel Marc", "Milord Rémy", "Fabre Anne")) {
		t.Errorf("by role descending: Enseignant…, Directeur, then the empty one: %v", order(body, "Abel Marc", "Milord Rémy", "Fabre Anne"))
	}

	// The sort is the user's own: another user still sees the list by
	// name.
	other := e.signedIn("direction")
	if body := tbody(t, other.get("/").body); !increasing(order(body, names...)) {
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
	m := regexp.MustCompile(`<table class="staff ([^"]*)" id="liste">`).FindStringSubmatch(page.body)
	if strings.Contains(m[1], "hide-role") || strings.Contains(m[1], "hide-email") || !strings.Contains(m[1], "hide-matricule") {
		t.Errorf("hidden columns after the choice = %q", m[1])
	}
	if !strings.Contains(page.body, `id="cb-niss-role" name="colonne" value="role" checked>`) {
		t.Error("the menu does not show Rôle extranet as ticked")
	}
	if !strings.Contains(tbody(t, page.body), `<td class="col-role">Directeur</td>`) {
		t.Error("the role column holds no role")
	}

	// The page's script saves with fetch and gets no page back.
	form := url.Values{"colonne": {"nom"}, "csrf": {c.token("/")}}
	req, _ := http.NewRequest("POST", e.srv.URL+"/liste/colonnes", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	if res := c.do(req); res.StatusCode != http.StatusNoContent {
		t.Fatalf("fetch: status %d", res.StatusCode)
	}
	m = regexp.MustCompile(`<table class="staff ([^"]*)" id="liste">`).FindStringSubmatch(c.get("/").body)
	if !strings.Contains(m[1], "hide-niss") || strings.Contains(m[1], "hide-nom") {
		t.Errorf("after keeping only Nom: %q", m[1])
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
		page := c.get("/" + test.query)
		body := tbody(t, page.body)
		for _, w := range test.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: %q missing", test.query, w)
			}
		}
		for _, n := range test.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: %q shown", test.query, n)
			}
		}
	}
	page := c.get("/?inactifs=1")
	if !strings.Contains(page.body, `id="inactifs" name="inactifs" value="1" checked`) {
		t.Error("the switch is not shown on")
	}
	if !regexp.MustCompile(`<tr id="ligne-\d+" class="inactive">`).MatchString(page.body) {
		t.Error("the inactive member is not marked")
	}
	// The menus' forms come back to the same search.
	if !strings.Contains(c.get("/?q=anne&inactifs=1").body, `name="retour" value="/?inactifs=1&amp;q=anne"`) {
		t.Error("the menus do not keep the search")
	}
}

func TestListFlagsFindings(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := e.signedIn("secretariat").get("/")
	body := tbody(t, page.body)
	gensen := e.rows["Gensen"].Situation.ID
	re := regexp.MustCompile(`<tr id="ligne-\d+" class="flagged flagged-bloquant" title="([^"]*)">\s*<td class="col-nom"><span class="flag flag-bloquant" role="img" aria-label="[^"]*" title="[^"]*"></span><a href="/situations/(\d+)">Gensen Talia</a>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("Gensen's row is not flagged as blocking:\n%s", body)
	}
	if m[2] != itoa(gensen) || !strings.Contains(m[1], "Bloquant : adresse e-mail école manquante") {
		t.Errorf("flag: situation %s, title %q", m[2], m[1])
	}
	// Fabre has no role: an information, not a warning.
	if !strings.Contains(body, `class="flagged flagged-information"`) {
		t.Error("no row flagged for information")
	}
	if !strings.Contains(body, `<td class="col-nom"><a href="/situations/`+itoa(e.rows["Abel"].Situation.ID)+`">Abel Marc</a>`) {
		t.Error("Abel's row is flagged, or missing")
	}
	if !strings.Contains(page.body, "1 point bloquant") {
		t.Error("the count of blocking points is missing")
	}
}

// The rows are written in Go, not by the template: every value must still
// be escaped.
func TestListEscapes(t *testing.T) {
	evil := person(`<script>alert("x")</script>`, `Anne" onmouseover="alert(1)`, "", "IP", "")
	evil.Member.NISS = `1"><img src=x>`
	e := newEnv(t, envOptions{rows: append(fixtureRows(), evil)})
	body := tbody(t, e.signedIn("secretariat").get("/").body)
	for _, bad := range []string{"<script>", `" onmouseover=`, "<img"} {
		if strings.Contains(body, bad) {
			t.Errorf("unescaped %q in the list", bad)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Anne&#34; onmouseover=&#34;alert(1)") {
		t.Errorf("the name is not shown escaped:\n%s", body)
	}
}

// TestListSearchBounded checks that a search of a thousand words gets a
// French message instead of a long computation, and a short one works.
func TestListSearchBounded(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("direction")
	res := c.get("/?q=" + url.QueryEscape(strings.Repeat("milord ", 1000)))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "Recherche trop longue : tapez au plus 8 mots et 100 caractères") {
		t.Fatalf("1,000 words: status %d\n%s", res.StatusCode, res.body)
	}
	if res := c.get("/?q=milord+remy"); res.StatusCode != http.StatusOK {
		t.Errorf("two words: status %d", res.StatusCode)
	}
}
