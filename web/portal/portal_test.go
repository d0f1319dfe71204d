package portal

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/mail"
	"passerelle/wire"
	"reflect"
)

func TestSignInByLink(t *testing.T) {
	e := newEnv(t)
	e.seed()
	c := e.client()

	// Signed out, the portal sends to the sign-in page.
	if r := c.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/connexion") {
		t.Fatalf("GET / signed out: %d → %q", r.status, r.location)
	}
	r := c.post("/connexion", "/connexion", url.Values{"identifiant": {"Jean.Dupont.040580"}})
	if r.status != http.StatusSeeOther || r.location != "/connexion/envoye" {
		t.Fatalf("request: %d → %q", r.status, r.location)
	}
	sent := c.get(r.location)
	wantIn(t, sent, "h1", "Consultez votre messagerie")
	wantIn(t, sent, "main p", "un e-mail vient d'y être envoyé avec un lien de connexion")

	m, ok := e.mailTo("jean.dupont@ecole.be", extranet.SubjectSignInLink)
	if !ok {
		t.Fatal("no sign-in e-mail")
	}
	link := linkIn(t, m)
	if !strings.HasPrefix(link, e.ts.URL+"/connexion/lien?jeton=") {
		t.Errorf("link %q is not on the portal's BaseURL", link)
	}
	// Opening the link spends nothing: a mail scanner may open it.
	for range 2 {
		page := c.get(link)
		if page.status != http.StatusOK {
			t.Fatalf("GET link: %d", page.status)
		}
		if got := doc(t, page).Form("/connexion/lien").One("button").Text(); got != "Me connecter" {
			t.Errorf("the link's button says %q", got)
		}
	}
	token := strings.TrimPrefix(link, e.ts.URL+"/connexion/lien?jeton=")
	r = c.post(link, "/connexion/lien", url.Values{"jeton": {token}})
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("use link: %d → %q", r.status, r.location)
	}
	home := c.get("/")
	if home.status != http.StatusOK {
		t.Fatalf("GET /: %d", home.status)
	}
	wantIn(t, home, "h1", "Mes accès")
	wantIn(t, home, ".flash", "Bienvenue, Jean Dupont.")
	if rows := doc(t, home).Rows("#acces"); !reflect.DeepEqual(rows, [][]string{{schoolA, "4242", "Enseignant", "27/11/2026", "2026-2027"}}) {
		t.Errorf("accesses %q", rows)
	}
	wantIn(t, home, ".page-header .mono", "jean.dupont.040580")
	noBody(t, home, schoolB, "Espace direction")
	teachers := c.get("/enseignants")
	wantIn(t, teachers, "h1", "Espace enseignants")
	wantIn(t, teachers, "#rien", "Le réseau n'a encore rien publié dans cet espace.")

	// The link served once.
	other := e.client()
	if r := other.post("/connexion", "/connexion/lien", url.Values{"jeton": {token}}); r.status != http.StatusGone {
		t.Errorf("second use: %d, want 410", r.status)
	} else {
		wantIn(t, r, ".flash-error", "Ce lien de connexion n'est plus valable")
	}
	if r := other.get(link); r.status != http.StatusGone {
		t.Errorf("GET spent link: %d, want 410", r.status)
	}
	if r := other.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("the other browser is signed in: %d", r.status)
	}

	// Sign out.
	if r := c.post("/", "/deconnexion", nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.status)
	}
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("after sign-out GET /: %d", r.status)
	}

	// Staff cookie and console cookie differ from the school's.
	for _, ck := range []string{StaffCookie, OperatorCookie} {
		if ck == "passerelle_ecole" || ck == "session" {
			t.Errorf("cookie name %q clashes", ck)
		}
	}
}

func TestSignInLinkExpires(t *testing.T) {
	e := newEnv(t)
	e.seed()
	c := e.client()
	c.post("/connexion", "/connexion", url.Values{"identifiant": {"jean.dupont@ecole.be"}})
	m, _ := e.mailTo("jean.dupont@ecole.be", extranet.SubjectSignInLink)
	link := linkIn(t, m)
	e.clock.Set(e.clock.Now().Add(15*time.Minute + time.Second))
	if r := c.get(link); r.status != http.StatusGone {
		t.Errorf("GET expired link: %d, want 410", r.status)
	}
}

func TestSignInTellsNothing(t *testing.T) {
	e := newEnv(t)
	e.seed()
	before := len(e.mails())

	known := e.client().post("/connexion", "/connexion", url.Values{"identifiant": {"jean.dupont@ecole.be"}})
	unknown := e.client().post("/connexion", "/connexion", url.Values{"identifiant": {"personne@ecole.be"}})
	unknownLogin := e.client().post("/connexion", "/connexion", url.Values{"identifiant": {"personne.inconnue.010101"}})
	for _, r := range []response{unknown, unknownLogin} {
		if r.status != known.status || r.location != known.location || r.body != known.body {
			t.Errorf("unknown identifier answered %d → %q, known %d → %q", r.status, r.location, known.status, known.location)
		}
	}
	if got := len(e.mails()); got != before+1 {
		t.Errorf("%d e-mails sent, want 1 (to the known address only)", got-before)
	}

	// Nonsense is refused with the form again, whoever it might be.
	r := e.client().post("/connexion", "/connexion", url.Values{"identifiant": {"jean dupont"}})
	if r.status != http.StatusBadRequest {
		t.Errorf("malformed identifier: %d, want 400", r.status)
	}
	wantIn(t, r, "#identifiant-erreur", "de la forme prenom.nom.JJMMAA")
	if field := doc(t, r).One("input#identifiant"); field.Attr("aria-invalid") != "true" || field.Attr("aria-describedby") != "identifiant-erreur" {
		t.Errorf("the field is not marked wrong: %s", field.HTML())
	}

	// Throttled per identifier, known or not, with the same answer.
	for _, id := range []string{"luc.martin@ecole.be", "nobody@ecole.be"} {
		var last response
		for i := 0; i < linkPerID+1; i++ {
			last = e.client().post("/connexion", "/connexion", url.Values{"identifiant": {id}})
		}
		if last.status != http.StatusTooManyRequests {
			t.Errorf("%s: request %d answered %d, want 429", id, linkPerID+1, last.status)
		}
		wantIn(t, last, "#error-message", "Patientez un quart d'heure")
	}
	luc := 0
	for _, m := range e.mails() {
		if strings.Contains(m.Message.To, "luc.martin@ecole.be") {
			luc++
		}
	}
	if luc != 1+linkPerID { // the night's invitation and the allowed links
		t.Errorf("%d e-mails to Luc, want %d", luc, 1+linkPerID)
	}
}

func TestDeactivationEndsSessions(t *testing.T) {
	e := newEnv(t)
	e.seed()
	c := e.signIn("luc.martin@ecole.be")
	second := e.signIn("luc.martin@ecole.be")
	if r := c.get("/"); r.status != http.StatusOK {
		t.Fatalf("signed in: %d", r.status)
	}
	// A link asked for before the deactivation is refused after it.
	pending := e.client()
	pending.post("/connexion", "/connexion", url.Values{"identifiant": {"luc.martin@ecole.be"}})
	m, _ := e.mailTo("luc.martin@ecole.be", extranet.SubjectSignInLink)
	link := linkIn(t, m)

	// Luc leaves the school: his grant is deactivated at once.
	e.transfer(faseA, jean, remy)
	r := c.get("/")
	if r.status != http.StatusSeeOther || r.location != "/connexion" {
		t.Fatalf("after deactivation GET /: %d → %q", r.status, r.location)
	}
	wantIn(t, c.get("/connexion"), ".flash", "Votre accès à l'extranet n'est plus actif : vous avez été déconnecté.")
	// Every session of the account ended, not only the one that asked.
	luc, _ := e.st.AccountByLogin(e.ctx, "luc.martin.310175")
	var n int
	e.st.DB().Read().QueryRow(e.ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, luc.ID).Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions of Luc remain", n)
	}
	if r := second.get("/enseignants"); r.status != http.StatusSeeOther {
		t.Errorf("second browser: %d, want a redirect", r.status)
	}

	u, _ := url.Parse(link)
	r = pending.post(link, "/connexion/lien", url.Values{"jeton": {u.Query().Get("jeton")}})
	if r.status != http.StatusSeeOther || r.location != "/connexion" {
		t.Errorf("link after deactivation: %d → %q", r.status, r.location)
	}
	wantIn(t, pending.get("/connexion"), ".flash", "Votre compte n'a plus d'accès actif")
	if r := pending.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("signed in despite the deactivation: %d", r.status)
	}

	// A new request gets a notice, not a link.
	e.client().post("/connexion", "/connexion", url.Values{"identifiant": {"luc.martin@ecole.be"}})
	notice, ok := e.mailTo("luc.martin@ecole.be", extranet.SubjectNoAccess)
	if !ok || linkPattern.MatchString(notice.Message.Text) {
		t.Errorf("notice = %+v, %v; want one without link", notice.Message, ok)
	}
}

func TestDirectionSpace(t *testing.T) {
	e := newEnv(t)
	e.seed()
	// A new teacher today, waiting for the night; and a second transfer.
	newcomer := staff("Souchon", "Adeline", "1989-07-17", "adeline.souchon@ecole.be", "Enseignant")
	e.clock.Set(e.clock.Now().Add(time.Hour))
	e.transfer(faseA, jean, remy, newcomer)

	director := e.signIn("remy.milord@ecole.be")
	home := director.get("/")
	if spaces := links(t, home, ".spaces"); !slices.Contains(spaces, "/direction/4242") {
		t.Errorf("spaces %q lack /direction/4242", spaces)
	}
	if got := doc(t, home).Link("Espace direction – " + schoolA).Attr("href"); got != "/direction/4242" {
		t.Errorf("the direction space's link goes to %q", got)
	}
	wantRow(t, home, "#acces", schoolA, "4242", "Directeur")
	if r := director.get("/direction"); r.status != http.StatusSeeOther || r.location != "/direction/4242" {
		t.Fatalf("GET /direction: %d → %q", r.status, r.location)
	}
	page := director.get("/direction/4242")
	if page.status != http.StatusOK {
		t.Fatalf("GET /direction/4242: %d", page.status)
	}
	wantIn(t, page, "h1", "Espace direction – "+schoolA)
	wantRow(t, page, "#personnel", "Dupont Jean", "jean.dupont.040580", "jean.dupont@ecole.be", "Enseignant", "actif")
	wantRow(t, page, "#personnel", "Souchon Adeline", "après la nuit", "Enseignant", "en attente jusqu'à la nuit")
	wantRow(t, page, "#personnel", "Martin Luc", "Enseignant", "désactivé")
	wantIn(t, page, ".transfer .messages li",
		"Avertissement : Créé Rôle Adeline Souchon – Enseignant",
		"Avertissement : Désactivé Rôle Luc Martin – Enseignant",
		"Avertissement : Créé Rôle Jean Dupont – Enseignant")
	noBody(t, page, "Ève", "eve.daniel")

	// Nobody sees another school's data: the director of A asking for B,
	// a teacher asking for their own school, or for a school that does not
	// exist, all get the same 404.
	teacher := e.signIn("jean.dupont@ecole.be")
	for _, test := range []struct {
		who  *client
		path string
	}{
		{director, "/direction/5353"},
		{director, "/direction/9999"},
		{director, "/direction/abc"},
		{teacher, "/direction/4242"},
		{teacher, "/direction"},
	} {
		r := test.who.get(test.path)
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", test.path, r.status)
		}
		noBody(t, r, "Dupont Jean", "Daniel Ève", schoolB)
	}
	noBody(t, teacher.get("/"), "Espace direction")

	// The director of B sees B only.
	eveC := e.signIn("eve.daniel@marie.be")
	wantRow(t, eveC.get("/direction/5353"), "#personnel", "Daniel Ève")
	if r := eveC.get("/direction/4242"); r.status != http.StatusNotFound {
		t.Errorf("director of B on A: %d", r.status)
	}
	// Rémy also directs school B from now on: the space lists both.
	e.transfer(faseB, eve, remy)
	e.night()
	director = e.signIn("remy.milord@ecole.be")
	index := director.get("/direction")
	if index.status != http.StatusOK {
		t.Fatalf("GET /direction for two schools: %d", index.status)
	}
	for _, fase := range []string{"4242", "5353"} {
		if l := links(t, index, "main"); !slices.Contains(l, "/direction/"+fase) {
			t.Errorf("the index's links %q lack /direction/%s", l, fase)
		}
	}
	wantIn(t, index, "main", schoolB)
	spaceB := director.get("/direction/5353")
	wantRow(t, spaceB, "#personnel", "Daniel Ève")
	wantRow(t, spaceB, "#personnel", "Milord Rémy")

	// A member of staff never opens the console.
	if r := director.get("/console/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/connexion") {
		t.Errorf("staff on the console: %d → %q", r.status, r.location)
	}
}

func TestConsoleSignIn(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	c := e.client()
	if r := c.get("/console/ecoles"); r.status != http.StatusSeeOther || r.location != "/console/connexion?next=%2Fconsole%2Fecoles" {
		t.Fatalf("signed out: %d → %q", r.status, r.location)
	}
	bad := c.post("/console/connexion", "/console/connexion", url.Values{"identifiant": {"ana"}, "mot_de_passe": {"faux mot de passe"}})
	unknown := c.post("/console/connexion", "/console/connexion", url.Values{"identifiant": {"bob"}, "mot_de_passe": {password}})
	for _, r := range []response{bad, unknown} {
		if r.status != http.StatusUnauthorized {
			t.Errorf("wrong password: %d, want 401", r.status)
		}
		wantIn(t, r, "#erreur", "Identifiant ou mot de passe incorrect.")
	}
	r := c.post("/console/connexion", "/console/connexion", url.Values{"identifiant": {"ANA"}, "mot_de_passe": {password}, "next": {"/console/ecoles"}})
	if r.status != http.StatusSeeOther || r.location != "/console/ecoles" {
		t.Fatalf("sign-in: %d → %q", r.status, r.location)
	}
	schools := c.get("/console/ecoles")
	if rows := doc(t, schools).Rows("#ecoles"); len(rows) != 2 || rows[0][1] != schoolA || rows[1][1] != schoolB {
		t.Errorf("schools %q", rows)
	}
	wantIn(t, schools, "header", "Ana Opératrice")
	// An open redirect is refused.
	r = e.client().post("/console/connexion", "/console/connexion", url.Values{"identifiant": {"ana"}, "mot_de_passe": {password}, "next": {"//evil.example/"}})
	if r.location != "/console/" {
		t.Errorf("next //evil.example/ → %q", r.location)
	}
	// An operator's session opens no staff page.
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("operator on the portal: %d", r.status)
	}

	// Failures for one login from one computer make it wait, more each
	// time; the right password works once the wait is over, so nobody can
	// lock an operator out by failing on purpose.
	var last response
	for range 5 {
		last = e.client().post("/console/connexion", "/console/connexion", url.Values{"identifiant": {"ana"}, "mot_de_passe": {"x"}})
	}
	if last.status != http.StatusTooManyRequests {
		t.Errorf("5th attempt: %d, want 429", last.status)
	}
	wantIn(t, last, ".flash-error", "Patientez 2 secondes avant de réessayer.")
	right := url.Values{"identifiant": {"ana"}, "mot_de_passe": {password}}
	if r := e.client().post("/console/connexion", "/console/connexion", right); r.status != http.StatusTooManyRequests {
		t.Errorf("right password during the wait: %d, want 429", r.status)
	}
	e.clock.Set(e.clock.Now().Add(2 * time.Second))
	if r := e.client().post("/console/connexion", "/console/connexion", right); r.status != http.StatusSeeOther {
		t.Errorf("right password after the wait: %d, want 303", r.status)
	}

	audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{Action: extranet.AuditOperatorSignIn})
	if len(audit) != 3 || audit[0].Actor != "operator:ana" {
		t.Errorf("sign-ins audited: %+v", audit)
	}
	failed, _ := e.st.Audit(e.ctx, extranet.AuditFilter{Action: extranet.AuditOperatorSignInFailed})
	if len(failed) != 2+4 {
		t.Errorf("%d failed sign-ins audited, want %d", len(failed), 2+4)
	}

	// Signing out of the console.
	if r := c.post("/console/", "/console/deconnexion", nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.status)
	}
	if r := c.get("/console/"); r.status != http.StatusSeeOther {
		t.Errorf("after sign-out: %d", r.status)
	}
}

func TestConsoleSchoolsAndTokens(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	c := e.signInOperator("ana")

	r := c.post("/console/ecoles", "/console/ecoles", url.Values{"fase": {"6161"}, "name": {"École du Centre"}})
	if r.status != http.StatusOK {
		t.Fatalf("add school: %d", r.status)
	}
	wantBody(t, r, "affiché cette seule fois")
	tok := tokenIn(t, r.body)
	if fase, err := e.svc.AuthenticateSchool(e.ctx, tok); err != nil || fase != 6161 {
		t.Fatalf("the token shown does not authenticate: %d, %v", fase, err)
	}
	if r := c.post("/console/ecoles", "/console/ecoles", url.Values{"fase": {"6161"}, "name": {"Encore"}}); r.status != http.StatusConflict {
		t.Errorf("same FASE again: %d", r.status)
	} else {
		wantIn(t, r, "#erreur", "Cette école est déjà inscrite")
	}
	if r := c.post("/console/ecoles", "/console/ecoles", url.Values{"fase": {"-3"}, "name": {"X"}}); r.status != http.StatusBadRequest {
		t.Errorf("bad FASE: %d", r.status)
	}
	if rows := doc(t, c.get("/console/ecoles?q=centre")).Rows("#ecoles"); len(rows) != 1 || rows[0][1] != "École du Centre" {
		t.Errorf("search for centre: %q", rows)
	}

	// Rotation: a new token, the old one refused.
	r = c.post("/console/ecoles/6161", "/console/ecoles/6161/jeton", nil)
	tok2 := tokenIn(t, r.body)
	if _, err := e.svc.AuthenticateSchool(e.ctx, tok); err == nil {
		t.Error("old token still valid after rotation")
	}
	if _, err := e.svc.AuthenticateSchool(e.ctx, tok2); err != nil {
		t.Errorf("new token refused: %v", err)
	}
	// Revocation.
	r = c.post("/console/ecoles/6161", "/console/ecoles/6161/revoquer", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	page := c.get("/console/ecoles/6161")
	wantIn(t, page, ".flash", "Les jetons de l'école École du Centre sont révoqués")
	wantIn(t, page, "#jetons-valides .badge-error", "Aucun jeton valable")
	if _, err := e.svc.AuthenticateSchool(e.ctx, tok2); err == nil {
		t.Error("token valid after revocation")
	}
	if r := c.get("/console/ecoles/7777"); r.status != http.StatusNotFound {
		t.Errorf("unknown school: %d", r.status)
	}

	var actions []string
	audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{FASE: 6161})
	for _, a := range audit {
		if a.Actor == "operator:ana" {
			actions = append(actions, a.Action)
		}
	}
	if strings.Join(actions, " ") != "token.revoked token.rotated school.added" {
		t.Errorf("audited: %v", actions)
	}
	journal := c.get("/console/journal?fase=6161")
	wantIn(t, journal, "#journal tbody td:nth-child(2)", "Ana Opératrice a révoqué les jetons de l'École du Centre",
		"Ana Opératrice a créé un nouveau jeton pour l'École du Centre", "Ana Opératrice a inscrit l'École du Centre")
	if n := len(doc(t, journal).All("#journal tbody tr")); n != 3 {
		t.Errorf("%d lines in the school's journal, want 3", n)
	}
	doc(t, journal).One(`#qui option[value="operator:ana"]`)
}

// tokenIn returns the API token shown on a page.
func tokenIn(t *testing.T, body string) string {
	t.Helper()
	_, after, ok := strings.Cut(body, `id="jeton">`)
	if !ok {
		t.Fatalf("no token on the page: %s", body)
	}
	tok, _, _ := strings.Cut(after, "<")
	if !strings.HasPrefix(tok, extranet.TokenPrefix) {
		t.Fatalf("token %q", tok)
	}
	return tok
}

func TestConsoleTransfersHeldAndRejections(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	c := e.signInOperator("ana")

	// Search the journal by school and by date.
	list := c.get("/console/transferts?fase=4242")
	wantRow(t, list, "table.transfers", schoolA+" (4242)", year, "fait")
	noneIn(t, list, "table.transfers tbody", schoolB)
	if r := c.get("/console/transferts?fase=4242&du=2026-11-27&au=2026-11-30"); len(links(t, r, "table.transfers")) != 0 {
		t.Errorf("transfers of the 26th listed for the 27th to the 30th")
	} else {
		wantIn(t, r, "table.transfers td.empty", "Aucun transfert.")
	}
	if r := c.get("/console/transferts?du=hier"); r.status != http.StatusBadRequest {
		t.Errorf("bad date: %d", r.status)
	}
	recs, _ := e.st.Transfers(e.ctx, extranet.TransferFilter{FASE: faseA})
	if l := links(t, c.get("/console/transferts?fase=4242&du=2026-11-26&au=2026-11-26"), "table.transfers"); !slices.Contains(l, "/console/transferts/"+recs[0].ID) {
		t.Errorf("the day's transfers link to %q", l)
	}
	one := c.get("/console/transferts/" + recs[0].ID)
	wantIn(t, one, ".messages li", "Avertissement : Créé Rôle Jean Dupont – Enseignant")
	wantIn(t, one, "main", "3 créés")

	// A held transfer: school B would lose everyone.
	e.clock.Set(e.clock.Now().Add(time.Minute))
	six := []wire.StaffEntry{eve}
	for _, n := range []string{"Un", "Deux", "Trois", "Quatre", "Cinq"} {
		six = append(six, staff("Prof"+n, "Test", "1990-01-01", "prof"+strings.ToLower(n)+"@marie.be", "Enseignant"))
	}
	e.transfer(faseB, six...)
	e.clock.Set(e.clock.Now().Add(time.Minute))
	if _, err := e.svc.Transfer(e.ctx, faseB, wire.Snapshot{SchoolYear: year}, extranet.TransferOptions{}); err == nil {
		t.Fatal("empty snapshot applied")
	}
	card := doc(t, c.get("/console/")).One("a#suspendus")
	if card.One(".card-value").Text() != "1" || card.Text() != "1 transfert suspendu à traiter" || card.Attr("href") != "/console/suspendus" {
		t.Errorf("held card: %s", card.HTML())
	}
	held := c.get("/console/suspendus")
	wantIn(t, held, "#suspendus tbody td:nth-child(2)", schoolB)
	wantIn(t, held, "#suspendus tbody td.actions button", "Classer")
	open, _ := e.st.Transfers(e.ctx, extranet.TransferFilter{OpenHeld: true})
	if r := c.post("/console/suspendus", "/console/suspendus/"+open[0].ID+"/classer", nil); r.status != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", r.status)
	}
	wantIn(t, c.get("/console/suspendus"), "#suspendus td.empty", "Aucun transfert suspendu n'attend de décision.")

	// A rejected entry: Jean Dupont sent by B with a matricule, while A
	// knows him without; then by A again with another matricule... keep it
	// simple: B sends Jean's address for someone else.
	e.transfer(faseB, append(six, staff("Autre", "Personne", "1991-02-02", "jean.dupont@ecole.be", "Enseignant"))...)
	rej, _ := e.st.Rejections(e.ctx, extranet.RejectionFilter{OpenOnly: true})
	if len(rej) != 1 {
		t.Fatalf("rejections: %+v", rej)
	}
	wantRow(t, c.get("/console/rejets"), "#rejets", "Autre Personne", "Enseignant")
	wantIn(t, c.get("/console/rejets"), "#rejets tbody td:nth-child(4)", "est déjà celle d'une autre personne")
	page := c.get("/console/rejets/" + rej[0].ID)
	wantBody(t, page, "Dupont Jean", "même adresse e-mail", "Une nouvelle personne")
	// A new person: refused, the address is Jean's.
	r := c.post("/console/rejets/"+rej[0].ID, "/console/rejets/"+rej[0].ID, url.Values{"personne": {"nouvelle"}})
	if r.status != http.StatusSeeOther || r.location != "/console/rejets/"+rej[0].ID {
		t.Fatalf("refused decision: %d → %q", r.status, r.location)
	}
	wantIn(t, c.get(r.location), ".flash", "L'adresse jean.dupont@ecole.be est déjà celle d'une autre personne")
	// Linked to Jean: the operator says it is him.
	jeanAcc, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
	// First the preview of the identity change, which writes nothing.
	r = c.post("/console/rejets/"+rej[0].ID, "/console/rejets/"+rej[0].ID, url.Values{"personne": {jeanAcc.PersonID}})
	if r.status != http.StatusOK {
		t.Fatalf("preview: %d", r.status)
	}
	preview := doc(t, r)
	if got := preview.OneWithText("main p", "est rattachée à").Texts("strong"); !reflect.DeepEqual(got, []string{"Personne Autre", "Jean Dupont"}) {
		t.Errorf("the preview links %q", got)
	}
	wantIn(t, r, "main button", "Confirmer la décision")
	wantRow(t, r, "#apercu", "Date de naissance", "04/05/1980", "02/02/1991")
	wantIn(t, r, "main", "Enseignant à "+schoolB+" (FASE 5353), année scolaire 2026-2027, à l'adresse jean.dupont@ecole.be")
	if open, _ := e.st.Rejections(e.ctx, extranet.RejectionFilter{OpenOnly: true}); len(open) != 1 {
		t.Fatal("the preview decided")
	}
	r = c.post("/console/rejets/"+rej[0].ID, "/console/rejets/"+rej[0].ID,
		url.Values{"personne": {jeanAcc.PersonID}, "confirmer": {"1"}})
	if r.status != http.StatusSeeOther || r.location != "/console/rejets" {
		t.Fatalf("decision: %d → %q", r.status, r.location)
	}
	decided := c.get("/console/rejets")
	wantIn(t, decided, ".flash", "L'entrée est rattachée à Jean Dupont")
	wantIn(t, decided, "#rejets td.empty", "Aucune entrée n'attend de décision.")
	audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{Action: extranet.AuditRejectionLinked})
	if len(audit) != 1 || audit[0].Actor != "operator:ana" || audit[0].FASE != faseB {
		t.Errorf("decision audited: %+v", audit)
	}
}

func TestConsoleAccounts(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	c := e.signInOperator("ana")
	teacher := e.signIn("jean.dupont@ecole.be")

	list := c.get("/console/comptes?q=dupont")
	if rows := doc(t, list).Rows("#comptes"); len(rows) != 1 || !slices.Contains(rows[0], "jean.dupont.040580") || !slices.Contains(rows[0], "Dupont Jean") {
		t.Errorf("accounts found for dupont: %q", rows)
	}
	noBody(t, list, "luc.martin")
	acc, _ := e.st.AccountByLogin(e.ctx, "jean.dupont.040580")
	page := c.get("/console/comptes/" + acc.ID)
	wantIn(t, page, "#etat", "actif")
	wantIn(t, page, "#acces tbody", schoolA)
	wantIn(t, page, "#emails tbody", "jean.dupont@ecole.be", "Votre accès à l'extranet SeGEC")

	// Disable: the teacher's session ends at once.
	r := c.post("/console/comptes/"+acc.ID, "/console/comptes/"+acc.ID, url.Values{"action": {"desactiver"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.status)
	}
	if r := teacher.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("disabled teacher still signed in: %d", r.status)
	}
	if r := c.post("/console/comptes/"+acc.ID, "/console/comptes/"+acc.ID, url.Values{"action": {"desactiver"}}); r.status != http.StatusSeeOther {
		t.Errorf("disable twice: %d", r.status)
	}
	wantIn(t, c.get("/console/comptes/"+acc.ID), ".flash", "Ce compte est déjà désactivé.")
	wantIn(t, c.get("/console/comptes?etat=disabled"), "#comptes tbody", "jean.dupont.040580")

	r = c.post("/console/comptes/"+acc.ID, "/console/comptes/"+acc.ID, url.Values{"action": {"reactiver"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", r.status)
	}
	before := len(e.mails())
	r = c.post("/console/comptes/"+acc.ID, "/console/comptes/"+acc.ID, url.Values{"action": {"invitation"}})
	wantIn(t, c.get(r.location), ".flash", "L'invitation est renvoyée.")
	if got := len(e.mails()); got != before+1 {
		t.Errorf("%d e-mails after resending, want %d", got, before+1)
	}
	if r := c.post("/console/comptes/"+acc.ID, "/console/comptes/"+acc.ID, url.Values{"action": {"autre"}}); r.status != http.StatusBadRequest {
		t.Errorf("unknown action: %d", r.status)
	}
	if r := c.get("/console/comptes/nope"); r.status != http.StatusNotFound {
		t.Errorf("unknown account: %d", r.status)
	}
	journal := c.get("/console/journal?action=account.disabled")
	wantIn(t, journal, "#journal tbody td:nth-child(2)", "Ana Opératrice a désactivé le compte jean.dupont.040580.")
	noneIn(t, journal, "#journal tbody td:nth-child(2)", "invitation")
	doc(t, journal).One(`#qui option[value="operator:ana"]`)
	wantIn(t, c.get("/console/journal"), "#journal tbody td:nth-child(2)", "Ana Opératrice a renvoyé l'invitation du compte jean.dupont.040580.",
		"Ana Opératrice a réactivé le compte jean.dupont.040580.", "Jean Dupont (jean.dupont.040580) a ouvert une session sur le portail.")
}

func TestDemoPages(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.transfer(faseA, staffA...)
	c := e.signInOperator("ana")
	wantIn(t, c.get("/courriels"), "main", "Aucun e-mail pour le moment.")

	// « Simuler la nuit » opens the accesses and writes the invitations.
	r := c.post("/console/nuits", "/console/nuits/simuler", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("simulate: %d", r.status)
	}
	wantIn(t, c.get("/console/nuits"), ".flash", "Nuit simulée : 3 accès ouverts", "3 comptes créés", "3 e-mails envoyés")
	if a, _ := e.st.Audit(e.ctx, extranet.AuditFilter{Action: extranet.AuditNightRequested}); len(a) != 1 || a[0].Actor != "operator:ana" {
		t.Errorf("night request audited: %+v", a)
	}

	visitor := e.client()
	list := visitor.get("/courriels")
	wantRow(t, list, "#courriels", "Jean Dupont <jean.dupont@ecole.be>", "Votre accès à l'extranet SeGEC")
	entries := e.mails()
	var invitation mail.Entry
	for _, m := range entries {
		if strings.Contains(m.Message.To, "jean.dupont") {
			invitation = m
		}
	}
	page := visitor.get("/courriels/" + invitation.Name)
	wantIn(t, page, "h1", "Votre accès à l'extranet SeGEC")
	wantIn(t, page, "#corps", "jean.dupont.040580")
	// The portal's address is a link.
	if l := links(t, page, "#corps"); !slices.Contains(l, e.ts.URL+"/") {
		t.Errorf("no clickable link to the portal in the e-mail page: %q", l)
	}
	for _, bad := range []string{"../extranet.db", "x.eml", "..%2Fextranet.db", "%2Fetc%2Fpasswd.eml"} {
		// The mux answers a path with ".." by a redirect to the clean
		// path; whatever the answer, no file outside the folder is served.
		if r := visitor.get("/courriels/" + bad); r.status == http.StatusOK {
			t.Errorf("GET /courriels/%s: %d", bad, r.status)
		}
	}

	// Without demo, none of it.
	plain := newEnv(t, envOptions{noDemo: true})
	plain.operator("ana")
	pc := plain.signInOperator("ana")
	if r := pc.get("/courriels"); r.status != http.StatusNotFound {
		t.Errorf("courriels without demo: %d", r.status)
	}
	if r := pc.post("/console/nuits", "/console/nuits/simuler", nil); r.status != http.StatusNotFound {
		t.Errorf("simulate without demo: %d", r.status)
	}
	if doc(t, pc.get("/console/nuits")).Has("#simuler") {
		t.Error("« Simuler la nuit » offered without demo")
	}
}

func TestPortalLeavesTheAPIAlone(t *testing.T) {
	e := newEnv(t)
	// Through the whole server: the API answers its routes.
	if r := e.client().get("/healthz"); r.status != http.StatusOK {
		t.Errorf("/healthz: %d", r.status)
	}
	// The portal alone: no CSRF refusal for the API's paths, a 404.
	for _, p := range []string{"/api/v1/schools/4242/staff", "/metrics", "/readyz"} {
		req, _ := http.NewRequest(http.MethodPut, p, strings.NewReader("{}"))
		rec := httptest.NewRecorder()
		e.srv.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("portal on PUT %s: %d, want 404", p, rec.Code)
		}
	}
	// Security headers on every page, cookies named for the extranet.
	resp, err := http.Get(e.ts.URL + "/connexion")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	// The portal's stylesheet is served, versioned.
	css := e.srv.static.URL("portal.css")
	if !strings.HasPrefix(css, staticPrefix+"portal.css?v=") {
		t.Errorf("portal.css address %q, want a version", css)
	}
	if r := e.client().get(css); r.status != http.StatusOK || !strings.Contains(r.body, ".mail-body") {
		t.Errorf("portal.css: %d", r.status)
	}
	if r := e.client().get(staticPrefix + "nope.css"); r.status != http.StatusNotFound {
		t.Errorf("unknown static: %d", r.status)
	}
}

func TestNewNeedsBaseURL(t *testing.T) {
	e := newEnv(t)
	for _, base := range []string{"", "extranet.example", "ftp://x/"} {
		cfg := e.srv.cfg
		cfg.BaseURL = base
		svc := *e.svc
		svc.PortalURL = ""
		cfg.Service = &svc
		if _, err := New(cfg); err == nil {
			t.Errorf("New with BaseURL %q: no error", base)
		}
	}
	if _, err := os.Stat(filepath.Join(e.mailDir)); err != nil {
		t.Errorf("mail folder: %v", err)
	}
}

func TestLinkSegments(t *testing.T) {
	got := linkSegments("Ouvrez https://x.be/connexion/lien?jeton=ab_c-1.\nOu http://y.be/, merci.")
	want := []segment{{Text: "Ouvrez "}, {Text: "https://x.be/connexion/lien?jeton=ab_c-1", URL: "https://x.be/connexion/lien?jeton=ab_c-1"},
		{Text: ".\nOu "}, {Text: "http://y.be/", URL: "http://y.be/"}, {Text: ", merci."}}
	if len(got) != len(want) {
		t.Fatalf("segments = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if s := linkSegments("javascript:alert(1)"); len(s) != 1 || s[0].URL != "" {
		t.Errorf("javascript: became a link: %+v", s)
	}
}

// TestChangeMessages checks that the portal words and orders a transfer's
// changes as the school does (wire.ChangeLines), each with the colour of
// its severity.
func TestChangeMessages(t *testing.T) {
	got := changeMessages([]wire.Change{
		{Action: wire.ActionDeactivated, LastName: "Martin", FirstName: "Luc", Role: "Enseignant"},
		{Action: wire.ActionCreated, LastName: "Dupont", FirstName: "Jean", Role: "Enseignant"},
		{Action: wire.ActionModified, LastName: "Lambert", FirstName: "Eve", Role: "Directeur", PreviousRole: "Enseignant"},
		{Action: wire.ActionModified, LastName: "Abel", FirstName: "Marc", Role: "Enseignant", Email: "m@e.be", PreviousEmail: "marc@e.be"},
		{Action: wire.ActionRejected, LastName: "Secret", FirstName: "Sam", Reason: "rôle inconnu"},
		{Action: wire.ActionCreated, LastName: "Écrivain", FirstName: "Élodie", Role: "Enseignant"},
	})
	want := []message{
		{"erreur", "Erreur : Non transféré Sam Secret – rôle inconnu"},
		{"information", "Information : Modifié Rôle Marc Abel – Enseignant"},
		{"information", "Information : Modifié Rôle Eve Lambert – Directeur"},
		{"avertissement", "Avertissement : Créé Rôle Jean Dupont – Enseignant"},
		{"avertissement", "Avertissement : Créé Rôle Élodie Écrivain – Enseignant"},
		{"avertissement", "Avertissement : Désactivé Rôle Luc Martin – Enseignant"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changeMessages:\n%+v\nwant:\n%+v", got, want)
	}
}

// TestClientIPBehindProxy: with TrustProxy, the throttling counts by the
// address the proxy forwards; without it, the header is ignored, so that a
// client cannot choose the address it is counted under.
func TestClientIPBehindProxy(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/connexion", nil)
	r.RemoteAddr = "10.0.0.1:4242"
	r.Header.Set("X-Forwarded-For", "198.51.100.7, 203.0.113.9")
	for _, test := range []struct {
		trust bool
		want  string
	}{{false, "10.0.0.1"}, {true, "203.0.113.9"}} {
		s := &server{cfg: Config{TrustProxy: test.trust}}
		if got := s.clientIP(r); got != test.want {
			t.Errorf("TrustProxy=%v: clientIP = %q, want %q", test.trust, got, test.want)
		}
	}
}

// TestConsoleSearchBounded checks that a search of a thousand words gets a
// French message, not a 500, and that the store bounds the words itself.
func TestConsoleSearchBounded(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	c := e.signInOperator("ana")
	q := strings.Repeat("dupont ", 1000)
	r := c.get("/console/comptes?q=" + url.QueryEscape(q))
	if r.status != http.StatusBadRequest {
		t.Fatalf("1,000 words: status %d, want 400", r.status)
	}
	wantIn(t, r, "#erreur", "Recherche trop longue : tapez au plus 8 mots et 100 caractères")
	wantIn(t, c.get("/console/comptes?q=jean+dupont"), "#comptes tbody", "jean.dupont.040580")
	got, err := e.st.SearchAccounts(e.ctx, extranet.AccountFilter{Query: q})
	if err != nil || len(got) != 1 {
		t.Fatalf("store search of 1,000 words: %d accounts, %v", len(got), err)
	}
}

// TestAPIRoutingBesidePortal checks that with the portal mounted at "/",
// as extranet serve and the demo run it, the API still answers its own
// unknown paths and wrong methods with problems, and the metrics do not
// count them as the portal's route.
func TestAPIRoutingBesidePortal(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, test := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/api/v1/nowhere", http.StatusNotFound, ""},
		{http.MethodGet, "/api/", http.StatusNotFound, ""},
		{http.MethodPost, "/api/v1/schools/4242/staff", http.StatusMethodNotAllowed, "GET, HEAD, PUT"},
		{http.MethodDelete, "/api/v1/schools/4242/staff", http.StatusMethodNotAllowed, "GET, HEAD, PUT"},
	} {
		req, _ := http.NewRequest(test.method, c.url(test.path), nil)
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != test.status || resp.Header.Get("Content-Type") != wire.ProblemContentType {
			t.Errorf("%s %s: %d %q, want %d problem+json", test.method, test.path, resp.StatusCode, resp.Header.Get("Content-Type"), test.status)
		}
		if got := resp.Header.Get("Allow"); got != test.allow {
			t.Errorf("%s %s: Allow %q, want %q", test.method, test.path, got, test.allow)
		}
	}
	metrics := c.get("/metrics").body
	if strings.Contains(metrics, `code="404",route="/"`) || !strings.Contains(metrics, `code="404",route="unmatched"`) {
		t.Errorf("metrics count the API's 404 under the portal's route:\n%s", metrics)
	}
}

// TestFavicon checks that the icon browsers ask for is there, on the
// portal and the console's host alike.
func TestFavicon(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/favicon.ico", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	// An ICO file starts with 0, 0, 1, 0 (reserved, type 1: icon).
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/x-icon" || !bytes.HasPrefix(body, []byte{0, 0, 1, 0}) {
		t.Fatalf("GET /favicon.ico: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}

// TestAnonymousUploadsLeaveNothing posts multipart forms with a file
// larger than net/http keeps in memory, without cookie or token, to the
// sign-in pages of the portal and the console: they are refused before
// anything is read, and the temporary folder stays empty.
func TestAnonymousUploadsLeaveNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t)
	file := bytes.Repeat([]byte("x"), 40<<20)
	for _, path := range []string{"/connexion", "/console/connexion"} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, _ := mw.CreateFormFile("identifiant", "gros.bin")
		part.Write(file)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s: %d, want 413", path, resp.StatusCode)
		}
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("left in the temporary folder: %v", entries)
	}
}

// TestConsoleOddQueries checks that what a database refuses in text (a NUL,
// invalid UTF-8) in the console's filters never makes a 500.
func TestConsoleOddQueries(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	c := e.signInOperator("ana")
	for _, path := range []string{"/console/comptes?q=jean%00dupont", "/console/comptes?q=%FF%FE", "/console/journal?action=%00", "/console/journal?action=inconnue", "/console/ecoles?q=%00"} {
		if r := c.get(path); r.status != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, r.status)
		}
	}
	wantIn(t, c.get("/console/comptes?q=jean%00dupont"), "#comptes tbody", "jean.dupont.040580")
}
