package schoolui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/school"
	"reflect"
	"slices"
)

func TestPrepareRentreeFromPage(t *testing.T) {
	// November: too early, the page says from when.
	early := newEnv(t, envOptions{extranet: true})
	c := early.signedIn("secretariat")
	if list := c.get("/"); doc(t, list.body).One("a#preparer-rentree").Attr("href") != "/rentree" {
		t.Error("the list has no link to « Préparer la rentrée »")
	}
	page := c.get("/rentree")
	if !strings.Contains(doc(t, page.body).One("#rentree-indisponible").Text(), "La rentrée 2027-2028 se prépare à partir du 01/06/2027") || doc(t, page.body).Has("#envoyer-rentree") {
		t.Fatalf("November page:\n%s", page.body)
	}

	// June 2027: the school prepares 2027-2028.
	e := newEnv(t, envOptions{extranet: true, now: time.Date(2027, 6, 10, 17, 0, 0, 0, frtext.Brussels)})
	c = e.signedIn("secretariat")
	page = c.get("/rentree")
	june := doc(t, page.body)
	if got := june.OneWithText("main p", "La préparation envoie").Texts("strong"); !reflect.DeepEqual(got, []string{"2027-2028", "30/08/2027"}) {
		t.Errorf("the year and its first day: %q", got)
	}
	wantIn(t, page.body, "main li", "6 membres du personnel seront envoyés pour 2027-2028", "1 membre ne sera pas transféré")
	wantIn(t, page.body, "main p", "la nuit qui suit le dernier jour de l'année en cours (02/07/2027)")
	if june.Form("/rentree").One("button").Attr("id") != "envoyer-rentree" || june.Form("/rentree/apercu").One("button").Attr("id") != "apercu-rentree" {
		t.Error("the June page lacks its two buttons")
	}
	location := regexp.MustCompile(`^/rentree\?transfert=\d+#messages$`)
	res := c.post("/rentree/apercu", nil)
	if res.StatusCode != http.StatusSeeOther || !location.MatchString(res.Header.Get("Location")) {
		t.Fatalf("preview: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	got := messages(t, c.follow(res).body)
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
	got = messages(t, done.body)
	if !strings.Contains(strings.Join(got, "\n"), "msg-attention|Attention ! Les accès de l'année scolaire 2027-2028 s'ouvriront la nuit qui suit le dernier jour de l'année en cours (02/07/2027)") ||
		len(doc(t, done.body).WithText("main p.muted", "Préparation de la rentrée du")) != 1 {
		t.Fatalf("rentrée messages:\n%s", strings.Join(got, "\n"))
	}
	if g, _ := e.extranet.Grants(t.Context(), fase, "2027-2028"); len(g.Staff) != 6 {
		t.Fatalf("2027-2028 grants: %d", len(g.Staff))
	}
	if g, _ := e.extranet.Grants(t.Context(), fase, "2026-2027"); len(g.Staff) != 0 {
		t.Fatalf("the current year was touched: %d grants", len(g.Staff))
	}
	if kinds := doc(t, c.get("/transferts").body).Texts("table.history tbody td:nth-child(2)"); !slices.Contains(kinds, "Aperçu de la rentrée") || !slices.Contains(kinds, "Préparation de la rentrée") {
		t.Error("the history does not name the preparations")
	}
}

// TestRentreeHeldFromPage: a preparation that would end most of the current
// year's accesses (the new year's situations are not encoded) is held; the
// rentrée page asks for the confirmation, which sends it again.
func TestRentreeHeldFromPage(t *testing.T) {
	now := time.Date(2027, 6, 10, 17, 0, 0, 0, frtext.Brussels)
	e := newEnv(t, envOptions{extranet: true, now: now})
	c := e.signedIn("direction")
	transferFromPage(t, c, nil)
	if _, err := e.extranet.Night(t.Context(), now.Add(9*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	var ended []school.Row
	for _, last := range []string{"Zimmer", "Écrivain", "Abel", "Fabre", "Dupont"} {
		r := e.rows[last]
		r.Situation.End = day(2027, 6, 30)
		ended = append(ended, r)
	}
	if _, err := e.st.SaveRows(t.Context(), fase, ended); err != nil {
		t.Fatal(err)
	}

	held := c.post("/rentree", nil)
	page := c.follow(held)
	got := strings.Join(messages(t, page.body), "\n")
	if !strings.Contains(got, "Avertissement : Transfert suspendu – 5 désactivations à confirmer.") ||
		strings.Contains(got, "Désactivé Rôle Anne Zimmer") || // held: never shown as done
		!slices.Contains(pendingLines(t, page.body), "À confirmer : Anne Zimmer – Enseignant") ||
		len(doc(t, page.body).All(`form.held-confirm[method=post][action="/rentree"]`)) != 1 {
		t.Fatalf("held preparation:\n%s", got)
	}
	// From the history too, the confirmation goes to the rentrée.
	id := regexp.MustCompile(`transfert=(\d+)`).FindStringSubmatch(held.Header.Get("Location"))[1]
	if entry := c.get("/transferts/" + id); len(doc(t, entry.body).All(`form.held-confirm[method=post][action="/rentree"]`)) != 1 {
		t.Errorf("the history's confirmation of a held preparation does not go to /rentree")
	}
	res := c.post("/rentree", url.Values{"confirmer": {"5"}, "accord": {"oui"}})
	got = strings.Join(messages(t, c.follow(res).body), "\n")
	if !strings.Contains(got, "msg-fait|Le transfert est fait.") {
		t.Fatalf("confirmed preparation:\n%s", got)
	}
	if g, _ := e.extranet.Grants(t.Context(), fase, "2027-2028"); len(g.Staff) != 1 {
		t.Fatalf("2027-2028 grants: %+v", g.Staff)
	}
}
