package schoolui_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
)

func TestPrepareRentreeFromPage(t *testing.T) {
	// November: too early, the page says from when.
	early := newEnv(t, envOptions{extranet: true})
	c := early.signedIn("secretariat")
	if list := c.get("/"); !strings.Contains(list.body, `href="/rentree" id="preparer-rentree"`) {
		t.Error("the list has no link to « Préparer la rentrée »")
	}
	page := c.get("/rentree")
	if !strings.Contains(page.body, "La rentrée 2027-2028 se prépare à partir du 01/06/2027") || strings.Contains(page.body, `id="envoyer-rentree"`) {
		t.Fatalf("November page:\n%s", page.body)
	}

	// June 2027: the school prepares 2027-2028.
	e := newEnv(t, envOptions{extranet: true, now: time.Date(2027, 6, 10, 17, 0, 0, 0, frtext.Brussels)})
	c = e.signedIn("secretariat")
	page = c.get("/rentree")
	for _, want := range []string{"<strong>2027-2028</strong>", "le <strong>30/08/2027</strong>",
		"<strong>6</strong> membres du personnel seront envoyés pour 2027-2028", "1 membre ne sera pas transféré",
		"la nuit qui suit le dernier jour de l'année en cours (02/07/2027)", `id="envoyer-rentree"`, `id="apercu-rentree"`} {
		if !strings.Contains(unescape(page.body), want) {
			t.Errorf("June page lacks %q", want)
		}
	}
	location := regexp.MustCompile(`^/rentree\?transfert=\d+#messages$`)
	res := c.post("/rentree/apercu", nil)
	if res.StatusCode != http.StatusSeeOther || !location.MatchString(res.Header.Get("Location")) {
		t.Fatalf("preview: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	got := messages(c.follow(res).body)
	if len(got) < 3 || got[0] != "msg-information|Information : Préparation de la rentrée 2027-2028 – le personnel tel qu'au premier jour, le 30/08/2027." ||
		got[len(got)-1] != "msg-apercu|Aperçu : rien n'a été transféré." {
		t.Fatalf("preview messages:\n%s", strings.Join(got, "\n"))
	}
	if g, _ := e.extranet.Grants(t.Context(), fase, "2027-2028"); len(g.Staff) != 0 {
		t.Fatalf("the preview applied %d grants", len(g.Staff))
	}

	res = c.post("/rentree", nil)
	if res.StatusCode != http.StatusSeeOther || !location.MatchString(res.Header.Get("Location")) {
		t.Fatalf("rentrée: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	done := c.follow(res)
	got = messages(done.body)
	if !strings.Contains(strings.Join(got, "\n"), "msg-attention|Attention ! Les accès de l'année scolaire 2027-2028 s'ouvriront la nuit qui suit le dernier jour de l'année en cours (02/07/2027)") ||
		!strings.Contains(done.body, "Préparation de la rentrée du") {
		t.Fatalf("rentrée messages:\n%s", strings.Join(got, "\n"))
	}
	if g, _ := e.extranet.Grants(t.Context(), fase, "2027-2028"); len(g.Staff) != 6 {
		t.Fatalf("2027-2028 grants: %d", len(g.Staff))
	}
	if g, _ := e.extranet.Grants(t.Context(), fase, "2026-2027"); len(g.Staff) != 0 {
		t.Fatalf("the current year was touched: %d grants", len(g.Staff))
	}
	if h := c.get("/transferts"); !strings.Contains(h.body, "Aperçu de la rentrée") || !strings.Contains(h.body, "Préparation de la rentrée") {
		t.Error("the history does not name the preparations")
	}
}
