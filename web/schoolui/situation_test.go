package schoolui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"passerelle/school"
	"slices"
)

// newSituationForm is a valid new member with one situation.
func newSituationForm() url.Values {
	return url.Values{
		"nom": {"Nouveau"}, "prenom": {"Zoé"}, "naissance": {"14/02/1990"}, "niss": {""}, "matricule": {""},
		"email": {"zoe.nouveau@ecole.be"}, "role": {""}, "debut": {"01/12/2026"}, "fin": {""},
		"fonction": {"IP"}, "situation": {"D"}, "charge": {"IP 12/24"}, "present": {"oui"}, "actif": {"oui"},
	}
}

func TestNewSituation(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	ctx := context.Background()
	before, _ := e.st.Rows(ctx, fase)

	list := c.get("/")
	if b := doc(t, list.body).One("a#nouvelle-situation"); b.Attr("href") != "/situations/nouvelle" || b.Text() != "Nouvelle situation" {
		t.Fatal("the list has no « Nouvelle situation » button")
	}
	page := c.get("/situations/nouvelle")
	if got := doc(t, page.body).One("h1").Text(); got != "Nouvelle situation" {
		t.Errorf("heading %q", got)
	}
	newForm := doc(t, page.body).Form("/situations/nouvelle")
	if start := newForm.One("input#f-Start"); start.Attr("name") != "debut" || start.Attr("value") != "26/11/2026" {
		t.Errorf("start: %s", start.HTML())
	}
	for _, id := range []string{"f-Active", "f-Present"} {
		if box := newForm.One("input#" + id); box.Attr("type") != "checkbox" || box.Attr("value") != "oui" || !checked(box) {
			t.Errorf("%s is not ticked: %s", id, box.HTML())
		}
	}
	if got := newForm.Texts("button[type=submit]"); !slices.Contains(got, "Ajouter la situation") {
		t.Errorf("buttons %q", got)
	}
	if newForm.Has(`[name="depuis"]`) {
		t.Error("a new member's fiche names another situation")
	}

	// Errors: nothing saved, the values come back.
	bad := newSituationForm()
	bad.Set("nom", "")
	bad.Set("naissance", "31/02/1990")
	res := c.post("/situations/nouvelle", bad)
	if res.StatusCode != http.StatusUnprocessableEntity || !flashed(t, res.body, "La fiche n'a pas été enregistrée") ||
		doc(t, res.body).One(`input[name=email]`).Attr("value") != "zoe.nouveau@ecole.be" {
		t.Fatalf("invalid new situation: status %d\n%s", res.StatusCode, res.body)
	}
	// A national number the school knows already: its fiche, not a twin.
	twin := newSituationForm()
	twin.Set("niss", "67.03.15-024.81")
	res = c.post("/situations/nouvelle", twin)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(t, res.body, "f-NISS"), "Ce numéro national est déjà celui de Rémy Milord") {
		t.Fatalf("known NISS: status %d\n%s", res.StatusCode, res.body)
	}
	if rows, _ := e.st.Rows(ctx, fase); len(rows) != len(before) {
		t.Fatalf("%d rows after refused forms, want %d", len(rows), len(before))
	}

	res = c.post("/situations/nouvelle", newSituationForm())
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/situations/") {
		t.Fatalf("add: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	fiche := c.follow(res)
	if !flashed(t, fiche.body, "Situation ajoutée.") || doc(t, fiche.body).One("h1").Text() != "Fiche de situation école" {
		t.Fatalf("after add:\n%s", fiche.body)
	}
	rows, _ := e.st.Rows(ctx, fase)
	if len(rows) != len(before)+1 {
		t.Fatalf("%d rows, want %d", len(rows), len(before)+1)
	}
	var added int64
	for _, r := range rows {
		if r.Member.LastName == "Nouveau" {
			added = r.Situation.ID
			if r.Member.SchoolEmail != "zoe.nouveau@ecole.be" || r.Situation.Function != "IP" || !r.Situation.Active {
				t.Fatalf("added row %+v", r)
			}
		}
	}
	if !strings.Contains(strings.Join(listNames(t, c.get("/").body), "|"), "Nouveau Zoé") {
		t.Error("the list does not show the new member")
	}

	// Another situation of the same member, from their fiche.
	from := itoa(added)
	page = c.get("/situations/nouvelle?depuis=" + from)
	if second := doc(t, page.body).Form("/situations/nouvelle"); second.One(`input[type=hidden][name=depuis]`).Attr("value") != from ||
		second.One(`input[name=nom]`).Attr("value") != "Nouveau" || !strings.HasPrefix(doc(t, page.body).One("p.lead").Text(), "Une autre situation de Zoé Nouveau") {
		t.Fatalf("second situation page:\n%s", page.body)
	}
	second := newSituationForm()
	second.Set("depuis", from)
	second.Set("fonction", "IM")
	second.Set("charge", "IM 12/26")
	if res := c.post("/situations/nouvelle", second); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second situation: status %d\n%s", res.StatusCode, res.body)
	}
	members := map[int64]int{}
	for _, r := range mustRows(t, e) {
		if r.Member.LastName == "Nouveau" {
			members[r.Member.ID]++
		}
	}
	if len(members) != 1 {
		t.Fatalf("the second situation made another member: %v", members)
	}
	for _, id := range members {
		if id != 2 {
			t.Fatalf("member has %d situations, want 2", id)
		}
	}
	if res := c.get("/situations/nouvelle?depuis=999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown depuis: status %d", res.StatusCode)
	}
	if res := c.get("/situations/nouvelle?depuis=abc"); res.StatusCode != http.StatusNotFound {
		t.Errorf("bad depuis: status %d", res.StatusCode)
	}
}

func TestDeleteSituation(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	id := itoa(e.rows["Dupont"].Situation.ID)
	fiche := c.get("/situations/" + id)
	if !slices.Contains(hrefs(t, fiche.body, "main"), "/situations/"+id+"/supprimer") {
		t.Fatal("the fiche has no link to delete the situation")
	}
	confirm := c.get("/situations/" + id + "/supprimer")
	if got := doc(t, confirm.body).One("h1").Text(); got != "Supprimer une situation" {
		t.Errorf("heading %q", got)
	}
	wantIn(t, confirm.body, "main p", "Jean Dupont", "C'est sa seule situation", "date de fin")
	if !hasForm(t, confirm.body, "/situations/"+id+"/supprimer") {
		t.Error("the confirmation has no form")
	}
	// Without the form's CSRF token, nothing happens.
	req, _ := http.NewRequest("POST", e.srv.URL+"/situations/"+id+"/supprimer", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := c.do(req); res.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without CSRF: status %d", res.StatusCode)
	}
	if _, err := e.st.Row(context.Background(), fase, e.rows["Dupont"].Situation.ID); err != nil {
		t.Fatalf("deleted without CSRF token: %v", err)
	}
	res := c.post("/situations/"+id+"/supprimer", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("delete: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	list := c.follow(res)
	if !flashed(t, list.body, "Situation supprimée. (Jean Dupont)") || strings.Contains(list.body, "jean.dupont@ecole.be") {
		t.Fatalf("list after delete:\n%s", list.body)
	}
	if res := c.get("/situations/" + id); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted fiche: status %d", res.StatusCode)
	}
	if res := c.post("/situations/"+id+"/supprimer", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleting twice: status %d", res.StatusCode)
	}
}

func mustRows(t *testing.T, e *env) []school.Row {
	t.Helper()
	rows, err := e.st.Rows(context.Background(), fase)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
