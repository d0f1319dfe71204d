package portal

import (
	"net/http"
	"net/url"
	"testing"

	"passerelle/extranet"
)

// TestSpaceContentInConsole: an operator publishes links and notices; each
// space shows what is meant for the person's schools, nothing hard-coded;
// a bad item is refused with what to fix, nothing written.
func TestSpaceContentInConsole(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	c := e.signInOperator("ana")
	teacher := e.signIn("jean.dupont@ecole.be")
	wantIn(t, teacher.get("/enseignants"), "#rien", "Le réseau n'a encore rien publié dans cet espace.")

	publish := func(form url.Values) response {
		t.Helper()
		return c.post("/console/contenus", "/console/contenus", form)
	}
	for _, f := range []url.Values{
		{"espace": {"enseignants"}, "genre": {"lien"}, "titre": {"Calendrier scolaire"}, "adresse": {"https://www.enseignement.be/"}, "texte": {"Les congés de l'année."}, "ordre": {"1"}},
		{"espace": {"enseignants"}, "genre": {"avis"}, "titre": {"Journée pédagogique"}, "texte": {"Pas de cours le 12/12."}, "fase": {"4242"}},
		{"espace": {"enseignants"}, "genre": {"avis"}, "titre": {"Avis pour Sainte-Marie"}, "fase": {"5353"}},
		{"espace": {"direction"}, "genre": {"avis"}, "titre": {"Circulaire de rentrée"}, "texte": {"À lire avant le conseil."}},
	} {
		if r := publish(f); r.status != http.StatusSeeOther {
			t.Fatalf("publish %v: %d: %s", f, r.status, r.body)
		}
	}
	page := teacher.get("/enseignants")
	if got := doc(t, page).Link("Calendrier scolaire").Attr("href"); got != "https://www.enseignement.be/" {
		t.Errorf("Calendrier scolaire links to %q", got)
	}
	wantIn(t, page, "section.notice h2", "Journée pédagogique")
	wantIn(t, page, "section.notice", "Pas de cours le 12/12.")
	noBody(t, page, "Avis pour Sainte-Marie", "Circulaire de rentrée", "rien publié")
	director := e.signIn("remy.milord@ecole.be")
	space := director.get("/direction/4242")
	wantIn(t, space, "h2", "Du réseau")
	wantIn(t, space, "section.notice h2", "Circulaire de rentrée")

	// Refused: a link without address, an unknown school; the form comes
	// back as typed.
	r := publish(url.Values{"espace": {"enseignants"}, "genre": {"lien"}, "titre": {"Sans adresse"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("link without address: %d", r.status)
	}
	wantIn(t, r, "#erreur", "L'adresse du lien doit commencer par https://")
	if got := doc(t, r).Form("/console/contenus").One("input#titre").Attr("value"); got != "Sans adresse" {
		t.Errorf("the form came back with the title %q", got)
	}
	r = publish(url.Values{"espace": {"enseignants"}, "genre": {"avis"}, "titre": {"Ailleurs"}, "fase": {"9999"}})
	wantIn(t, r, "#erreur", "Aucune école inscrite ne porte le numéro FASE 9999")
	items, _ := e.st.SpaceItems(e.ctx, "", nil)
	if len(items) != 4 {
		t.Errorf("%d items, want 4", len(items))
	}

	// Changed, then withdrawn.
	var cal extranet.SpaceItem
	for _, it := range items {
		if it.Title == "Calendrier scolaire" {
			cal = it
		}
	}
	r = c.post("/console/contenus/"+cal.ID, "/console/contenus/"+cal.ID, url.Values{"espace": {"enseignants"}, "genre": {"lien"},
		"titre": {"Calendrier de l'année"}, "adresse": {"https://www.enseignement.be/"}, "ordre": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("change: %d: %s", r.status, r.body)
	}
	doc(t, teacher.get("/enseignants")).Link("Calendrier de l'année")
	if r := c.post("/console/contenus", "/console/contenus/"+cal.ID+"/supprimer", nil); r.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.status)
	}
	noneIn(t, teacher.get("/enseignants"), "main", "Calendrier")
	// A member of staff cannot reach the console's content.
	if r := teacher.get("/console/contenus"); r.status != http.StatusSeeOther {
		t.Errorf("staff on the console's content: %d", r.status)
	}
}

// publish puts a few notices and links in the spaces, as an operator
// would, for the pages and their screenshots.
func (e *env) publish() {
	e.t.Helper()
	for _, it := range []extranet.SpaceItem{
		{Space: extranet.SpaceTeachers, Kind: extranet.ItemNotice, Title: "Bienvenue sur l'extranet du réseau",
			Text: "Cet espace rassemble les ressources du réseau pour les enseignants."},
		{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Position: 1, Title: "Programmes et référentiels",
			URL: "https://www.enseignement.catholique.be/", Text: "Les programmes du fondamental et du secondaire, les référentiels du tronc commun."},
		{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Position: 2, Title: "Calendrier scolaire",
			URL: "https://www.enseignement.be/", Text: "Les congés de l'année scolaire."},
		{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Position: 3, Title: "Formations en cours de carrière",
			URL: "https://www.ifc.cfwb.be/", Text: "Le catalogue, et l'inscription avec l'accord de votre direction."},
		{Space: extranet.SpaceDirection, Kind: extranet.ItemNotice, Title: "Transferts vers l'extranet",
			Text: "Refaites le transfert après chaque changement dans la situation école : les accès s'ouvrent la nuit suivante."},
	} {
		if _, err := e.portal.SaveSpaceItem(e.ctx, it, "operator:ana"); err != nil {
			e.t.Fatal(err)
		}
	}
}
