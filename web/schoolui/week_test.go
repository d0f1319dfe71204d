package schoolui_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"passerelle/fwb"
	"passerelle/school"
	"passerelle/transfer"
)

func TestListFilters(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	for _, test := range []struct {
		query string
		want  []string
		not   []string
	}{
		{"?fonction=IP", []string{"Abel Marc", "Dupont Jean", "Zimmer Anne"}, []string{"Écrivain", "Milord", "Fabre"}},
		{"?fonction=ip&inactifs=1", []string{"Abel Marc", "Ancien Paul"}, []string{"Milord"}},
		{"?role=vide", []string{"Fabre Anne"}, []string{"Abel", "Milord"}},
		{"?role=Directeur", []string{"Milord Rémy"}, []string{"Abel", "Fabre"}},
		{"?situation=D", []string{"Abel Marc"}, nil},
		{"?situation=V", nil, []string{"Abel", "Milord"}},
		{"?presence=inactif", []string{"Ancien Paul"}, []string{"Abel"}},
		{"?presence=absent&inactifs=1", []string{"Ancien Paul"}, []string{"Abel"}},
		{"?signales=1", []string{"Gensen Talia", "Fabre Anne"}, []string{"Abel", "Zimmer"}},
		// The search finds function codes, labels and roles too.
		{"?q=IP", []string{"Abel Marc", "Zimmer Anne"}, []string{"Écrivain", "Milord"}},
		{"?q=instituteur+maternel", []string{"Écrivain Émile", "Gensen Talia"}, []string{"Abel"}},
		{"?q=directeur", []string{"Milord Rémy"}, []string{"Abel"}},
		{"?q=enseignant", []string{"Abel Marc"}, []string{"Fabre", "Milord"}},
		// An unknown value of a filter with fixed values is ignored.
		{"?role=chef", []string{"Abel Marc", "Fabre Anne"}, nil},
	} {
		body := tbody(t, c.get("/"+test.query).body)
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
	// The filters are kept by the menus' forms and carried to the fiches.
	page := c.get("/?fonction=IP&role=Enseignant").body
	if !strings.Contains(page, `name="retour" value="/?fonction=IP&amp;role=Enseignant"`) {
		t.Error("the column menus do not keep the filters")
	}
	abel := itoa(e.rows["Abel"].Situation.ID)
	if !strings.Contains(page, `<a href="/situations/`+abel+`?fonction=IP&amp;role=Enseignant">Abel Marc</a>`) {
		t.Error("the fiche's link does not carry the filters")
	}
	if !strings.Contains(page, `<option value="IP" selected>`) || !strings.Contains(page, `<option value="Enseignant" selected>`) {
		t.Error("the filters do not show their choice")
	}
	// Sorting keeps the filters and the transfer shown.
	res := c.post("/liste/tri", map[string][]string{"colonne": {"nom"}, "ordre": {"desc"}, "retour": {"/?fonction=IP&transfert=3"}})
	if loc := res.Header.Get("Location"); loc != "/?fonction=IP&transfert=3#menu-nom" {
		t.Errorf("after sorting: %q", loc)
	}
}

func TestListNotTransferredLastTime(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true})
	c := e.signedIn("secretariat")
	transferFromPage(t, c, nil) // Gensen has no school e-mail: not sent
	body := tbody(t, c.get("/?nontransferes=1").body)
	if !strings.Contains(body, "Gensen Talia") || strings.Contains(body, "Abel Marc") {
		t.Errorf("not transferred last time:\n%s", body)
	}
}

func TestListPages(t *testing.T) {
	e := newEnv(t, envOptions{rows: staffN(150)})
	c := e.signedIn("secretariat")
	first := c.get("/?inactifs=1").body
	if n := strings.Count(first, `<td class="col-nom">`); n != 100 {
		t.Fatalf("first page: %d rows, want 100", n)
	}
	if !strings.Contains(first, "150 lignes affichées sur 150 : lignes 1 à 100.") || !strings.Contains(first, `href="/?inactifs=1&amp;page=2" rel="next"`) {
		t.Error("the first page lacks its counter or its link to the next")
	}
	second := c.get("/?inactifs=1&page=2").body
	if n := strings.Count(second, `<td class="col-nom">`); n != 50 || !strings.Contains(second, "lignes 101 à 150") {
		t.Errorf("second page: %d rows", n)
	}
	// A page past the end shows the last one.
	if n := strings.Count(c.get("/?inactifs=1&page=9").body, `<td class="col-nom">`); n != 50 {
		t.Errorf("page 9: %d rows, want the last page's 50", n)
	}
}

func TestFicheNavigation(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	// IP, by name: Abel, Dupont, Zimmer.
	dupont := itoa(e.rows["Dupont"].Situation.ID)
	page := c.get("/situations/" + dupont + "?fonction=IP").body
	for _, want := range []string{
		`href="/?fonction=IP#ligne-` + dupont + `" id="retour-liste"`,
		`href="/situations/` + itoa(e.rows["Abel"].Situation.ID) + `?fonction=IP" rel="prev"`,
		`href="/situations/` + itoa(e.rows["Zimmer"].Situation.ID) + `?fonction=IP" rel="next"`,
		"Fiche 2 sur 3",
		`action="/situations/` + dupont + `?fonction=IP"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("fiche lacks %q", want)
		}
	}
	// Saved, the fiche comes back with the same filters.
	form := ficheForm(e, "Dupont")
	form.Set("csrf", c.token("/situations/"+dupont))
	res := c.post("/situations/"+dupont+"?fonction=IP", form)
	if loc := res.Header.Get("Location"); loc != "/situations/"+dupont+"?fonction=IP" {
		t.Errorf("after saving: status %d, location %q", res.StatusCode, loc)
	}
}

func TestPrintView(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	page := c.get("/imprimer?fonction=IP")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("status %d", page.StatusCode)
	}
	for _, want := range []string{"École Sainte-Marie", "liste du 26/11/2026, 3 lignes.", "Fonction : IP (Instituteur primaire)",
		"<th scope=\"col\">Présent (physiquement)</th>", `<td class="bool">oui</td>`, "Abel Marc"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("print view lacks %q", want)
		}
	}
	if strings.Contains(page.body, "Milord") || strings.Contains(page.body, "Rôle extranet</th>") {
		t.Error("the print view shows a row or a column it should not")
	}
}

func TestBannerAfterAutomaticTransfer(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	rec, err := e.st.RecordTransfer(ctx, school.TransferRecord{FASE: fase, At: testNow, By: transfer.ByAutomatic,
		Outcome: school.OutcomeFailed, Error: "jeton refusé par l'extranet : vérifiez le jeton dans les paramètres",
		Messages: []string{"Erreur : jeton refusé par l'extranet : vérifiez le jeton dans les paramètres"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every user sees it…
	for _, login := range []string{"secretariat", "direction"} {
		page := e.signedIn(login).get("/").body
		if !strings.Contains(page, `id="bandeau-transfert"`) || !strings.Contains(page, "Rien n&#39;a été transféré : jeton refusé") {
			t.Errorf("%s: no banner", login)
		}
	}
	// …until someone opens the transfer.
	c := e.signedIn("secretariat")
	c.get("/?transfert=" + itoa(rec.ID))
	if page := e.signedIn("direction").get("/").body; strings.Contains(page, `id="bandeau-transfert"`) {
		t.Error("the banner stays after the transfer was opened")
	}
	got, err := e.st.Transfer(ctx, fase, rec.ID)
	if err != nil || got.SeenBy != "Sophie Secrétaire" {
		t.Errorf("seen by %q, %v", got.SeenBy, err)
	}
}

func TestConfirmationCounts(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true})
	c := e.signedIn("secretariat")
	transferFromPage(t, c, nil)
	ctx := context.Background()
	var leaving []school.Row
	for _, last := range []string{"Abel", "Zimmer"} {
		r, _ := e.st.Row(ctx, fase, e.rows[last].Situation.ID)
		r.Situation.Active = false
		leaving = append(leaving, r)
	}
	milord, _ := e.st.Row(ctx, fase, e.rows["Milord"].Situation.ID)
	milord.Member.SchoolEmail = "direction@ecole.be"
	if _, err := e.st.SaveRows(ctx, fase, append(leaving, milord)); err != nil {
		t.Fatal(err)
	}
	page := c.get("/transfert").body
	for _, want := range []string{"0 accès sera créé", "1 accès sera modifié", "2 accès seront désactivés",
		"Ces personnes perdront leur accès", "<li>Marc Abel – Enseignant</li>", "<li>Anne Zimmer – Enseignant</li>"} {
		if !strings.Contains(page, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
	// Nothing was sent nor recorded by the confirmation page.
	recs, _ := e.st.Transfers(ctx, fase, 0)
	if len(recs) != 1 {
		t.Errorf("%d transfers in the history, want 1", len(recs))
	}
	if r, _ := e.st.Row(ctx, fase, e.rows["Abel"].Situation.ID); r.Situation.Role != fwb.RoleEnseignant {
		t.Error("the forecast changed a fiche")
	}
	// Without the extranet's answer, the page says so and still offers the
	// transfer.
	set, _ := e.st.Settings(ctx, fase)
	set.ExtranetURL = "http://127.0.0.1:1"
	if err := e.st.SaveSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	page = c.get("/transfert").body
	if !strings.Contains(page, `id="previsions-inconnues"`) || !regexp.MustCompile(`id="confirmer-transfert"`).MatchString(page) {
		t.Error("no word on the missing forecast, or no button")
	}
}

// A member without e-mail given an invalid one: the fiche says « invalide »,
// not also « manquante » (what the checks said of the stored row).
func TestFicheInvalidEmailNotAlsoMissing(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	id := itoa(e.rows["Gensen"].Situation.ID)
	form := ficheForm(e, "Gensen")
	form.Set("email", "talia@ecole")
	form.Set("csrf", c.token("/situations/"+id))
	page := c.post("/situations/"+id, form)
	if page.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page.body, "invalide") {
		t.Fatalf("status %d", page.StatusCode)
	}
	if strings.Contains(page.body, "manquante") {
		t.Error("the refused e-mail is also reported missing")
	}
}

// IP → DC: the fiche proposes Directeur and the promotion box before
// saving; seen, the second « Enregistrer » saves what the person chose.
func TestFicheProposesRoleOfNewFunction(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	id := itoa(e.rows["Abel"].Situation.ID)
	form := ficheForm(e, "Abel")
	form.Set("fonction", "DC")
	form.Set("charge", "DC 24/24")
	form.Set("csrf", c.token("/situations/"+id))
	page := c.post("/situations/"+id, form)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("status %d", page.StatusCode)
	}
	for _, want := range []string{"La fonction DC (Directeur avec classe) va d'habitude avec le rôle extranet « Directeur » et la fonction de promotion cochée",
		`<option value="Directeur" selected>`, `name="promotion" value="oui" checked`, `name="proposition-vue" value="1"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("proposal lacks %q\n%s", want, page.body[strings.Index(page.body, `id="proposition"`):][:600])
		}
	}
	if r, _ := e.st.Row(context.Background(), fase, e.rows["Abel"].Situation.ID); r.Situation.Function != "IP" {
		t.Fatal("the fiche was saved before the proposal was seen")
	}
	form.Set("proposition-vue", "1")
	form.Set("role", "Directeur")
	form.Set("promotion", "oui")
	if res := c.post("/situations/"+id, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second save: status %d", res.StatusCode)
	}
	r, _ := e.st.Row(context.Background(), fase, e.rows["Abel"].Situation.ID)
	if r.Situation.Function != "DC" || r.Situation.Role != fwb.RoleDirecteur || !r.Situation.Promotion {
		t.Errorf("saved %s %s promotion %v", r.Situation.Function, r.Situation.Role, r.Situation.Promotion)
	}
}

// « Modifié » keeps the help page's line and says under it what changed.
func TestModifiedSaysWhatChanged(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true})
	c := e.signedIn("secretariat")
	transferFromPage(t, c, nil)
	ctx := context.Background()
	milord, _ := e.st.Row(ctx, fase, e.rows["Milord"].Situation.ID)
	milord.Member.SchoolEmail = "direction@ecole.be"
	if _, err := e.st.SaveRows(ctx, fase, []school.Row{milord}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(messages(transferFromPage(t, c, nil).body), "\n")
	want := "msg-information|Information : Modifié Rôle Rémy Milord – Directeur\nmsg-detail|↳ e-mail : remy.milord@ecole.be → direction@ecole.be"
	if !strings.Contains(got, want) {
		t.Errorf("messages:\n%s\nwant:\n%s", got, want)
	}
}

// The export's workbook, and a CSV a spreadsheet saved with the national
// number's zero gone, import over the page.
func TestImportExcelRoundTrip(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	xlsx := c.get("/exporter/xlsx")
	if xlsx.StatusCode != http.StatusOK {
		t.Fatalf("export: status %d", xlsx.StatusCode)
	}
	if res := c.upload("situation.xlsx", []byte(xlsx.body), "apercu"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "0 fiche sera ajoutée") ||
		!strings.Contains(res.body, "0 fiche sera modifiée") {
		t.Errorf("the exported workbook does not import back unchanged: status %d\n%s", res.StatusCode, res.body)
	}
	csv := importHeader[:len(importHeader)-2] + ";Numéro national\r\n" +
		"Jeune;Léa;14/05/03;lea.jeune@ecole.be;IP;IP 12/24;oui;Enseignant;3051412369\r\n"
	res := c.upload("personnel.csv", []byte(csv), "apercu")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "numéro national 3051412369 complété en 03051412369") {
		t.Fatalf("preview: status %d\n%s", res.StatusCode, res.body)
	}
	res = c.follow(c.upload("personnel.csv", []byte(csv), "direct"))
	if !strings.Contains(res.body, "1 numéro national complété") {
		t.Error("no word on the completed number after a direct import")
	}
	rows, _ := e.st.Rows(context.Background(), fase)
	found := false
	for _, r := range rows {
		found = found || (r.Member.LastName == "Jeune" && r.Member.NISS == "03051412369" && r.Member.BirthDate.Year() == 2003)
	}
	if !found {
		t.Error("the imported member lacks the restored national number or the birth date")
	}
}
