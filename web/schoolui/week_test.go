package schoolui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"passerelle/fwb"
	"passerelle/school"
	"passerelle/transfer"
	"reflect"
	"slices"
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
	// The filters are kept by the menus' forms and carried to the fiches.
	page := doc(t, c.get("/?fonction=IP&role=Enseignant").body)
	for _, f := range page.All("#liste thead form") {
		if got := f.One("input[name=retour]").Attr("value"); got != "/?fonction=IP&role=Enseignant" {
			t.Errorf("a column menu's form comes back to %q", got)
		}
	}
	abel := itoa(e.rows["Abel"].Situation.ID)
	if got := page.Link("Abel Marc").Attr("href"); got != "/situations/"+abel+"?fonction=IP&role=Enseignant" {
		t.Errorf("the fiche's link does not carry the filters: %q", got)
	}
	for id, want := range map[string]string{"filtre-fonction": "IP", "filtre-role": "Enseignant", "filtre-situation": ""} {
		if got := page.All("#" + id + " option[selected]"); (want == "") != (len(got) == 0) || (want != "" && got[0].Attr("value") != want) {
			t.Errorf("%s does not show its choice %q", id, want)
		}
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
	if got := listNames(t, c.get("/?nontransferes=1").body); !reflect.DeepEqual(got, []string{"Gensen Talia"}) {
		t.Errorf("not transferred last time: %q", got)
	}
}

func TestListPages(t *testing.T) {
	e := newEnv(t, envOptions{rows: staffN(150)})
	c := e.signedIn("secretariat")
	first := c.get("/?inactifs=1").body
	if n := len(listNames(t, first)); n != 100 {
		t.Fatalf("first page: %d rows, want 100", n)
	}
	next := doc(t, first).One(`a[rel=next]`).Attr("href")
	if !strings.HasPrefix(doc(t, first).One("#compte").Text(), "150 lignes affichées sur 150 : lignes 1 à 100.") || next != "/?inactifs=1&page=2" {
		t.Errorf("the first page lacks its counter or its link to the next (%q)", next)
	}
	second := c.get("/?inactifs=1&page=2").body
	if n := len(listNames(t, second)); n != 50 || !strings.Contains(doc(t, second).One("#compte").Text(), "lignes 101 à 150") {
		t.Errorf("second page: %d rows", n)
	}
	// A page past the end shows the last one.
	if n := len(listNames(t, c.get("/?inactifs=1&page=9").body)); n != 50 {
		t.Errorf("page 9: %d rows, want the last page's 50", n)
	}
}

func TestFicheNavigation(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	// IP, by name: Abel, Dupont, Zimmer.
	dupont := itoa(e.rows["Dupont"].Situation.ID)
	page := c.get("/situations/" + dupont + "?fonction=IP").body
	fiche := doc(t, page)
	for sel, want := range map[string]string{
		"a#retour-liste": "/?fonction=IP#ligne-" + dupont,
		"a[rel=prev]":    "/situations/" + itoa(e.rows["Abel"].Situation.ID) + "?fonction=IP",
		"a[rel=next]":    "/situations/" + itoa(e.rows["Zimmer"].Situation.ID) + "?fonction=IP",
	} {
		if got := fiche.One(sel).Attr("href"); got != want {
			t.Errorf("%s goes to %q, want %q", sel, got, want)
		}
	}
	if !has(t, page, "Fiche 2 sur 3") || !hasForm(t, page, "/situations/"+dupont+"?fonction=IP") {
		t.Errorf("fiche lacks its position or its form")
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
	wantIn(t, page.body, "p.print-meta", "École Sainte-Marie", "liste du 26/11/2026, 3 lignes.", "Fonction : IP (Instituteur primaire)")
	p := doc(t, page.body)
	headers := p.Texts("#impression thead th")
	present := slices.Index(headers, "Présent (physiquement)")
	if present < 0 || slices.Contains(headers, "Rôle extranet") {
		t.Fatalf("print columns %q", headers)
	}
	rows := p.Rows("#impression")
	var names []string
	for _, r := range rows {
		names = append(names, r[0])
	}
	if !reflect.DeepEqual(names, []string{"Abel Marc", "Dupont Jean", "Zimmer Anne"}) {
		t.Errorf("print rows %q", names)
	}
	if rows[0][present] != "oui" {
		t.Errorf("Abel's presence printed %q", rows[0][present])
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
		if banner := doc(t, page).All("#bandeau-transfert"); len(banner) != 1 || !strings.Contains(banner[0].Text(), "Rien n'a été transféré : jeton refusé") {
			t.Errorf("%s: no banner", login)
		}
	}
	// …until someone opens the transfer.
	c := e.signedIn("secretariat")
	c.get("/?transfert=" + itoa(rec.ID))
	if page := e.signedIn("direction").get("/").body; doc(t, page).Has("#bandeau-transfert") {
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
	if got := doc(t, page).Texts("#previsions li"); !reflect.DeepEqual(got, []string{"0 accès sera créé ;", "1 accès sera modifié ;", "2 accès seront désactivés."}) {
		t.Errorf("forecast %q", got)
	}
	wantIn(t, page, "#perdront-acces p", "Ces personnes perdront leur accès")
	if got := doc(t, page).Texts("#perdront-acces li"); !reflect.DeepEqual(got, []string{"Marc Abel – Enseignant", "Anne Zimmer – Enseignant"}) {
		t.Errorf("losing %q", got)
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
	if !doc(t, page).Has("#previsions-inconnues") || doc(t, page).One("button#confirmer-transfert").Text() != "Confirmer le transfert" {
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
	if page.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc(t, page.body).One(".field-error").Text(), "invalide") {
		t.Fatalf("status %d", page.StatusCode)
	}
	if has(t, page.body, "manquante") {
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
	proposal := doc(t, page.body).One("#proposition")
	if _, hidden := proposal.Lookup("hidden"); hidden || !strings.Contains(proposal.Text(),
		"La fonction DC (Directeur avec classe) va d'habitude avec le rôle extranet « Directeur » et la fonction de promotion cochée") {
		t.Errorf("proposal: %s", proposal.HTML())
	}
	if proposal.One("input[type=hidden][name=proposition-vue]").Attr("value") != "1" {
		t.Error("the proposal is not marked seen")
	}
	form2 := doc(t, page.body).Form("/situations/" + id)
	if got := form2.One("select[name=role] option[selected]").Attr("value"); got != "Directeur" {
		t.Errorf("role proposed %q", got)
	}
	if !checked(form2.One("input[name=promotion][value=oui]")) {
		t.Error("promotion not proposed")
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
	got := strings.Join(messages(t, transferFromPage(t, c, nil).body), "\n")
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
	if res := c.upload("situation.xlsx", []byte(xlsx.body), "apercu"); res.StatusCode != http.StatusOK ||
		!slices.Contains(doc(t, res.body).Texts("main li"), "0 fiche sera ajoutée ;") || !slices.Contains(doc(t, res.body).Texts("main li"), "0 fiche sera modifiée ;") {
		t.Errorf("the exported workbook does not import back unchanged: status %d\n%s", res.StatusCode, res.body)
	}
	csv := importHeader[:len(importHeader)-2] + ";Numéro national\r\n" +
		"Jeune;Léa;14/05/03;lea.jeune@ecole.be;IP;IP 12/24;oui;Enseignant;3051412369\r\n"
	res := c.upload("personnel.csv", []byte(csv), "apercu")
	if res.StatusCode != http.StatusOK || len(doc(t, res.body).WithText("#corrections li", "numéro national 3051412369 complété en 03051412369")) != 1 {
		t.Fatalf("preview: status %d\n%s", res.StatusCode, res.body)
	}
	res = c.follow(c.upload("personnel.csv", []byte(csv), "direct"))
	if !flashed(t, res.body, "1 numéro national complété") {
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
