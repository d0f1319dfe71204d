package schoolui_test

import (
	"archive/zip"
	"bytes"
	"context"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"passerelle/school"
	"reflect"
	"slices"
)

func TestCheckPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := e.signedIn("secretariat").get("/verifier")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("status %d", page.StatusCode)
	}
	p := doc(t, page.body)
	if got := p.Texts("section.check-group > h2"); !reflect.DeepEqual(got, []string{"Bloquant 1", "Avertissement 2", "Information 1"}) {
		t.Fatalf("groups %q", got)
	}
	for _, want := range []struct{ group, class, name, link, message string }{
		{"g-Bloquant", "msg-erreur", "Talia Gensen", "#f-SchoolEmail", "Adresse e-mail école manquante"},
		{"g-Information", "msg-information", "Anne Fabre", "#f-Role", "Pas de rôle extranet encodé"},
		{"g-Avertissement", "msg-avertissement", "Rémy Milord", "#f-BirthDate", "Date de naissance encodée (04/05/1980) différente"},
	} {
		group := p.One(`section[aria-labelledby="` + want.group + `"]`)
		li := group.OneWithText("li", want.message)
		if li.Attr("class") != want.class || !strings.HasPrefix(li.Text(), want.name+" – "+want.message) {
			t.Errorf("%s: %s", want.group, li.HTML())
		}
		last := strings.Fields(want.name)[1]
		if got := li.One("a").Attr("href"); got != "/situations/"+itoa(e.rows[last].Situation.ID)+want.link {
			t.Errorf("%s's finding links to %q", want.name, got)
		}
	}
}

// upload posts a file to the import form.
func (c *client) upload(name string, data []byte, mode string) response {
	c.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", c.token("/importer"))
	w.WriteField("mode", mode)
	fw, _ := w.CreateFormFile("fichier", name)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", c.e.srv.URL+"/importer", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

const importHeader = "Nom;Prénom;Date de naissance;E-mail école;Fonction principale;Charge;Actif;Rôle extranet\r\n"

func TestImport(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	ctx := context.Background()
	count := func() int {
		rows, err := e.st.Rows(ctx, fase)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	before := count()

	// A file with errors: every problem listed, nothing imported.
	bad := importHeader +
		"Neuve;Lucie;12/03/1990;lucie.neuve@ecole.be;IP;IP 24/24;oui;Enseignant\r\n" +
		"Sans;Fonction;01/01/1985;x@ecole.be;;;oui;\r\n" +
		"Mauvaise;Date;31/02/1985;y@ecole.be;IM;IM 13/26;oui;Concierge\r\n"
	res := c.upload("personnel.csv", []byte(bad), "direct")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: status %d", res.StatusCode)
	}
	wantIn(t, res.body, "#problemes", "Rien n'a été importé.")
	wantIn(t, res.body, "#problemes li", "ligne 3, colonne Fonction principale", "ligne 4, colonne Date de naissance", "ligne 4, colonne Rôle extranet")
	if n := count(); n != before {
		t.Fatalf("rows after a refused import: %d, want %d", n, before)
	}

	// A good file, previewed first.
	good := importHeader +
		"Neuve;Lucie;12/03/1990;lucie.neuve@ecole.be;IP;IP 24/24;oui;Enseignant\r\n" +
		"Zimmer;Anne;04/05/1980;anne.zimmer@nouvelle-ecole.be;IP;IP 24/24;oui;Enseignant\r\n"
	res = c.upload("personnel.csv", []byte(good), "apercu")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: status %d\n%s", res.StatusCode, res.body)
	}
	wantIn(t, res.body, "main li", "1 fiche sera ajoutée", "1 fiche sera modifiée")
	preview := doc(t, res.body)
	rows := preview.Rows("table.compact")
	if len(rows) != 2 || rows[0][0] != "Neuve Lucie" || rows[0][3] != "ajoutée" || rows[1][0] != "Zimmer Anne" {
		t.Errorf("preview rows %q", rows)
	}
	// What changes, before → after.
	if got := preview.Texts("table.compact tbody tr:nth-child(2) ul.changes li"); !reflect.DeepEqual(got, []string{"e-mail : anne.zimmer@ecole.be → anne.zimmer@nouvelle-ecole.be"}) {
		t.Errorf("Zimmer's changes %q", got)
	}
	confirm := preview.Form("/importer")
	if confirm.One("input[name=mode]").Attr("value") != "confirmer" {
		t.Errorf("the preview's form does not confirm: %s", confirm.HTML())
	}
	if n := count(); n != before {
		t.Fatalf("a preview imported: %d rows", n)
	}
	content := confirm.One("input[type=hidden][name=contenu]").Attr("value")
	res = c.post("/importer", url.Values{"csrf": {c.token("/importer")}, "mode": {"confirmer"}, "contenu": {content}, "nom": {"personnel.csv"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: status %d\n%s", res.StatusCode, res.body)
	}
	if page := c.follow(res); !flashed(t, page.body, "Import terminé : 1 fiche ajoutée, 1 fiche modifiée, 0 ligne inchangée.") {
		t.Errorf("no import message:\n%s", page.body)
	}
	if n := count(); n != before+1 {
		t.Fatalf("rows after import: %d, want %d", n, before+1)
	}
	z, _ := e.st.Row(ctx, fase, e.rows["Zimmer"].Situation.ID)
	if z.Member.SchoolEmail != "anne.zimmer@nouvelle-ecole.be" {
		t.Errorf("Zimmer's e-mail = %q", z.Member.SchoolEmail)
	}

	// Direct import of the same file changes nothing more.
	res = c.upload("personnel.csv", []byte(good), "direct")
	if page := c.follow(res); !flashed(t, page.body, "0 fiche ajoutée, 0 fiche modifiée, 2 lignes inchangées") {
		t.Errorf("second import:\n%s", page.body)
	}

	// No file chosen.
	if res := c.upload("vide.csv", nil, "direct"); res.StatusCode != http.StatusUnprocessableEntity || !flashed(t, res.body, "Le fichier est vide.") {
		t.Errorf("empty file: status %d", res.StatusCode)
	}
}

func TestExport(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	res := c.get("/exporter/csv")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("CSV: status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	_, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	if err != nil || params["filename"] != "situation-ecole-4242-2026-11-26.csv" {
		t.Errorf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}
	if !strings.HasPrefix(res.body, "\uFEFFNom;Prénom;") || !strings.Contains(res.body, "Écrivain;Émile;") || !strings.Contains(res.body, "Ancien;Paul;") {
		t.Errorf("CSV body:\n%s", res.body)
	}
	// What was exported imports back unchanged.
	page := c.follow(c.upload("export.csv", []byte(res.body), "direct"))
	if !flashed(t, page.body, "0 fiche ajoutée, 0 fiche modifiée, 8 lignes inchangées") {
		t.Errorf("re-import of the export:\n%s", page.body)
	}

	res = c.get("/exporter/xlsx")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), `filename=situation-ecole-4242-2026-11-26.xlsx`) {
		t.Fatalf("XLSX: status %d, disposition %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	if _, err := zip.NewReader(bytes.NewReader([]byte(res.body)), int64(len(res.body))); err != nil {
		t.Errorf("the workbook is not a zip: %v", err)
	}
	if res := c.get("/exporter/pdf"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown format: status %d", res.StatusCode)
	}
}

func TestSettings(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()

	// Only the direction sees and changes the settings.
	sec := e.signedIn("secretariat")
	if slices.Contains(hrefs(t, sec.get("/").body, "body"), "/parametres") {
		t.Error("the secretariat sees « Paramètres extranet »")
	}
	if res := sec.get("/parametres"); res.StatusCode != http.StatusForbidden {
		t.Errorf("secretariat GET: status %d", res.StatusCode)
	}
	if res := sec.post("/parametres", url.Values{"url": {"https://evil.example"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("secretariat POST: status %d", res.StatusCode)
	}

	c := e.signedIn("direction")
	if !slices.Contains(hrefs(t, c.get("/").body, "body"), "/parametres") {
		t.Error("the direction does not see « Paramètres extranet »")
	}
	const secret = "s3cr3t-t0ken-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	form := url.Values{"url": {"https://extranet.example.be"}, "jeton": {secret}, "jours": {"1", "4"}, "heure": {"18"}}
	res := c.post("/parametres", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", res.StatusCode, res.body)
	}
	page := c.follow(res)
	if !flashed(t, page.body, "Paramètres enregistrés.") || !strings.HasPrefix(doc(t, page.body).One("#p-jeton-hint").Text(), "Un jeton est enregistré.") {
		t.Error("no confirmation, or the token is not said to be there")
	}
	if strings.Contains(page.body, secret) {
		t.Fatal("the token is shown back")
	}
	set, _ := e.st.Settings(ctx, fase)
	if set.ExtranetURL != "https://extranet.example.be" || set.Token != secret || set.Auto || set.AutoHour != 18 {
		t.Errorf("settings = %+v", set)
	}

	// An empty token field keeps the token.
	res = c.post("/parametres", url.Values{"url": {"https://extranet.example.be"}, "heure": {"18"}, "jours": {"1"}})
	if set, _ := e.st.Settings(ctx, fase); res.StatusCode != http.StatusSeeOther || set.Token != secret {
		t.Errorf("empty token field: status %d, token kept %v", res.StatusCode, set.Token == secret)
	}

	// The automatic transfer needs the explicit consent.
	res = c.post("/parametres", url.Values{"url": {"https://extranet.example.be"}, "auto": {"oui"}, "jours": {"1", "3", "5"}, "heure": {"19"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(t, res.body, "p-accord"), "Cochez la case de consentement") {
		t.Fatalf("auto without consent: status %d", res.StatusCode)
	}
	if set, _ := e.st.Settings(ctx, fase); set.Auto {
		t.Fatal("auto turned on without consent")
	}
	res = c.post("/parametres", url.Values{"url": {"https://extranet.example.be"}, "auto": {"oui"}, "accord": {"oui"}, "jours": {"1", "3", "5"}, "heure": {"19"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("auto with consent: status %d\n%s", res.StatusCode, res.body)
	}
	set, _ = e.st.Settings(ctx, fase)
	if !set.Auto || set.AutoConsentBy != "Rémy Milord" || !set.AutoConsentAt.Equal(testNow) {
		t.Errorf("consent = %v by %q at %v", set.Auto, set.AutoConsentBy, set.AutoConsentAt)
	}
	page = c.follow(res)
	if got := doc(t, page.body).One("#consentement").Text(); got != "Transfert automatique activé avec le consentement de Rémy Milord le 26/11/2026 à 10:00. Prochain transfert : 27/11/2026 à 19:00." {
		t.Errorf("consent not shown:\n%s", page.body)
	}

	// Turning it off withdraws the consent.
	c.post("/parametres", url.Values{"url": {"https://extranet.example.be"}, "jours": {"1"}, "heure": {"19"}})
	if set, _ := e.st.Settings(ctx, fase); set.Auto || set.AutoConsentBy != "" || !set.AutoConsentAt.IsZero() {
		t.Errorf("after turning off: %+v", set)
	}

	// Wrong values are refused with their message, nothing saved.
	res = c.post("/parametres", url.Values{"url": {"ftp://extranet"}, "jours": {"1"}, "heure": {"19"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(fieldErr(t, res.body, "p-url"), "Adresse invalide") {
		t.Errorf("bad URL: status %d", res.StatusCode)
	}
	if set, _ := e.st.Settings(ctx, fase); set.ExtranetURL != "https://extranet.example.be" {
		t.Errorf("bad URL saved: %q", set.ExtranetURL)
	}

	// Clearing the token.
	c.post("/parametres", url.Values{"url": {"https://extranet.example.be"}, "effacer_jeton": {"oui"}, "jours": {"1"}, "heure": {"19"}})
	if set, _ := e.st.Settings(ctx, fase); set.Token != "" {
		t.Error("the token was not cleared")
	}
}

func TestNotFoundPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	res := e.client().get("/nimporte/quoi")
	if res.StatusCode != http.StatusNotFound || !has(t, res.body, "Cette page n'existe pas") {
		t.Errorf("status %d\n%s", res.StatusCode, res.body)
	}
}

func TestHistoryShowsAutomatic(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, err := e.st.RecordTransfer(context.Background(), school.TransferRecord{
		FASE: fase, At: testNow.Add(-time.Hour), By: "automatique", Outcome: school.OutcomeFailed,
		Error: "extranet injoignable", Messages: []string{"Erreur : extranet injoignable"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	page := e.signedIn("secretariat").get("/transferts")
	rows := doc(t, page.body).Rows("table.history")
	if len(rows) == 0 || !reflect.DeepEqual(rows[0][:4], []string{"26/11/2026 à 09:00", "Transfert automatique", "automatique", "Échec"}) {
		t.Errorf("history %q", rows)
	}
	if got := doc(t, page.body).One("table.history tbody tr span.badge").Text(); got != "Échec" {
		t.Errorf("result badge %q", got)
	}
}
