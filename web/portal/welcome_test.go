package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"passerelle/extranet"
	"passerelle/web/browsertest"
)

// useLink posts a sign-in link's token with a new client, as « Me
// connecter » does.
func (e *env) useLink(link string) (*client, response) {
	e.t.Helper()
	c := e.client()
	u, err := url.Parse(link)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, c.post("/connexion", "/connexion/lien", url.Values{"jeton": {u.Query().Get("jeton")}})
}

// TestInvitationSignsIn: the invitation alone gets a new teacher in; its
// link serves once, lasts InvitationLinkTTL, and is never stored in clear.
func TestInvitationSignsIn(t *testing.T) {
	e := newEnv(t)
	e.seed()

	inv, ok := e.mailTo("jean.dupont@ecole.be", extranet.SubjectInvitation)
	if !ok {
		t.Fatal("no invitation to Jean")
	}
	link := linkIn(t, inv)
	if !strings.Contains(inv.Message.Text, "Ce lien vaut 7 jours") || strings.Contains(inv.Message.Text, extranet.SignInLinkSlot) {
		t.Errorf("invitation text:\n%s", inv.Message.Text)
	}
	// The outbox keeps the slot, never the token.
	tok, _ := url.Parse(link)
	outbox, err := e.st.Outbox(e.ctx, extranet.OutboxFilter{})
	if err != nil || len(outbox) == 0 {
		t.Fatalf("outbox: %d, %v", len(outbox), err)
	}
	for _, m := range outbox {
		if strings.Contains(m.Text, "jeton=") || strings.Contains(m.Text, tok.Query().Get("jeton")) {
			t.Errorf("outbox message %s to %s holds a token:\n%s", m.ID, m.To, m.Text)
		}
		if m.Kind == extranet.MailInvitation && !strings.Contains(m.Text, extranet.SignInLinkSlot) {
			t.Errorf("stored invitation without its slot:\n%s", m.Text)
		}
	}

	// The page asks for the click first: opening it spends nothing.
	c := e.client()
	if r := c.get(link); r.status != http.StatusOK {
		t.Fatalf("link page: %d", r.status)
	}
	c, r := e.useLink(link)
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("use the invitation's link: %d → %q", r.status, r.location)
	}
	home := c.get("/")
	wantRow(t, home, "#acces", schoolA, "4242", "Enseignant")
	wantIn(t, home, "#adresse-session", "jean.dupont@ecole.be")
	if _, r := e.useLink(link); r.status != http.StatusGone {
		t.Errorf("the link served twice: %d", r.status)
	}

	// Luc's invitation, opened after eight days: expired.
	luc, ok := e.mailTo("luc.martin@ecole.be", extranet.SubjectInvitation)
	if !ok {
		t.Fatal("no invitation to Luc")
	}
	e.clock.Set(e.clock.Now().Add(extranet.InvitationLinkTTL + time.Hour))
	r = e.client().get(linkIn(t, luc))
	if r.status != http.StatusGone {
		t.Errorf("an invitation's link after 8 days: %d", r.status)
	}
	wantIn(t, r, ".flash-error", "celui d'une invitation 7 jours")
	if _, r := e.useLink(linkIn(t, luc)); r.status != http.StatusGone {
		t.Errorf("an invitation's link used after 8 days: %d", r.status)
	}
}

// TestInvitationLinkIsScopedToItsAddress: a person whom a second school
// sends at another address gets, there, an invitation whose link opens that
// school's access only.
func TestInvitationLinkIsScopedToItsAddress(t *testing.T) {
	e := newEnv(t)
	e.seed()
	other := jean
	other.Email = "jdupont@marie.be"
	e.transfer(faseB, eve, other)
	e.night()
	inv, ok := e.mailTo("jdupont@marie.be", extranet.SubjectInvitation)
	if !ok {
		t.Fatal("no invitation at the second address")
	}
	c, r := e.useLink(linkIn(t, inv))
	if r.status != http.StatusSeeOther {
		t.Fatalf("use: %d", r.status)
	}
	home := c.get("/")
	if rows := doc(t, home).Rows("#acces"); len(rows) != 1 || rows[0][0] != schoolB {
		t.Errorf("accesses %q, want %s only", rows, schoolB)
	}
	noBody(t, home, schoolA)
}

// TestPendingPersonIsToldWhen: a person sent but not opened yet who asks
// for a link sees the same page as anyone, and is told by e-mail when the
// access opens.
func TestPendingPersonIsToldWhen(t *testing.T) {
	e := newEnv(t)
	e.transfer(faseA, staffA...)
	c := e.client()
	pending := c.post("/connexion", "/connexion", url.Values{"identifiant": {"jean.dupont@ecole.be"}})
	unknown := c.post("/connexion", "/connexion", url.Values{"identifiant": {"personne@ecole.be"}})
	if pending.status != unknown.status || pending.location != unknown.location || pending.body != unknown.body {
		t.Errorf("the answers differ: %+v / %+v", pending, unknown)
	}
	m, ok := e.mailTo("jean.dupont@ecole.be", extranet.SubjectPending)
	if !ok {
		t.Fatal("no e-mail to the pending teacher")
	}
	for _, want := range []string{"Bonjour Jean Dupont", schoolA + " (FASE 4242) : Enseignant, année scolaire 2026-2027",
		"dans la nuit du 26/11/2026 au 27/11/2026", "à 2 h"} {
		if !strings.Contains(m.Message.Text, want) {
			t.Errorf("pending e-mail lacks %q:\n%s", want, m.Message.Text)
		}
	}
	if linkPattern.MatchString(m.Message.Text) {
		t.Error("the pending e-mail carries a sign-in link")
	}
	if len(e.mails()) != 1 {
		t.Errorf("%d e-mails, want the pending one only", len(e.mails()))
	}
}

// TestBrowserInvitation is the new teacher's story in Chromium: asking too
// early, they are told when; after the night, the invitation's link alone
// brings them to « Mes accès ».
func TestBrowserInvitation(t *testing.T) {
	e := newEnv(t)
	e.transfer(faseA, staffA...)
	ctx := browsertest.New(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/connexion"),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
		chromedp.SendKeys(chromedp.ID("identifiant"), "jean.dupont@ecole.be"),
		chromedp.Click(chromedp.ID("envoyer")),
		chromedp.WaitVisible(chromedp.ID("envoye")),
	); err != nil {
		t.Fatal(err)
	}
	m, ok := e.mailTo("jean.dupont@ecole.be", extranet.SubjectPending)
	if !ok {
		t.Fatal("no e-mail to the pending teacher")
	}
	openMail(t, ctx, e, m.Name)
	wantText(t, text(t, ctx, "#corps"), "dans la nuit du 26/11/2026 au 27/11/2026")

	e.night()
	inv, ok := e.mailTo("jean.dupont@ecole.be", extranet.SubjectInvitation)
	if !ok {
		t.Fatal("no invitation")
	}
	openMail(t, ctx, e, inv.Name)
	browsertest.Screenshot(t, ctx, "invitation")
	before := len(e.mails())
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#corps a[href*="/connexion/lien?jeton="]`)),
		chromedp.WaitVisible(chromedp.ID("me-connecter")),
		chromedp.Click(chromedp.ID("me-connecter")),
		chromedp.WaitVisible(chromedp.ID("acces")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "#acces tbody"), schoolA, "4242", "Enseignant", "2026-2027")
	wantText(t, text(t, ctx, "#user"), "Jean Dupont")
	if after := len(e.mails()); after != before {
		t.Errorf("%d more e-mails were needed to get in", after-before)
	}

	// The teachers' space shows what the network published.
	e.publish()
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.app-nav a[href="/enseignants"]`)),
		chromedp.WaitVisible(chromedp.CSS(".resources")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "main"), "Bienvenue sur l'extranet du réseau", "Programmes et référentiels", "Calendrier scolaire")
	browsertest.Screenshot(t, ctx, "espace-enseignants")
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// openMail opens an e-mail of the demo's mailbox.
func openMail(t *testing.T, ctx context.Context, e *env, name string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/courriels"),
		chromedp.WaitVisible(chromedp.ID("courriels")),
		chromedp.Click(chromedp.CSS(`a[href="/courriels/`+name+`"]`)),
		chromedp.WaitVisible(chromedp.ID("corps")),
	); err != nil {
		t.Fatal(err)
	}
}

// TestResentInvitationSignsIn: an invitation an operator resends carries a
// new link of its own, made when it is sent.
func TestResentInvitationSignsIn(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	acc, err := e.st.AccountByLogin(e.ctx, "luc.martin.310175")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := e.mailTo("luc.martin@ecole.be", extranet.SubjectInvitation)
	e.clock.Set(e.clock.Now().Add(time.Minute))
	c := e.signInOperator("ana")
	if r := c.post("/console/comptes/"+acc.ID, "/console/comptes/"+acc.ID, url.Values{"action": {"invitation"}}); r.status != http.StatusSeeOther {
		t.Fatalf("resend: %d", r.status)
	}
	again, ok := e.mailTo("luc.martin@ecole.be", extranet.SubjectInvitation)
	if !ok || again.Name == first.Name {
		t.Fatal("no new invitation")
	}
	if linkIn(t, again) == linkIn(t, first) {
		t.Error("the resent invitation carries the first one's link")
	}
	outbox, _ := e.st.Outbox(e.ctx, extranet.OutboxFilter{PersonID: acc.PersonID})
	for _, m := range outbox {
		if m.Kind == extranet.MailInvitation && (!strings.Contains(m.Text, extranet.SignInLinkSlot) || strings.Contains(m.Text, "jeton=")) {
			t.Errorf("stored invitation:\n%s", m.Text)
		}
	}
	staff, r := e.useLink(linkIn(t, again))
	if r.status != http.StatusSeeOther {
		t.Fatalf("use the resent link: %d", r.status)
	}
	lucHome := staff.get("/")
	wantIn(t, lucHome, ".flash", "Luc Martin")
	wantRow(t, lucHome, "#acces", schoolA)
}

// TestPendingAccessSaysWhen: « Mes accès » says which night opens an access
// a second school just gave.
func TestPendingAccessSaysWhen(t *testing.T) {
	e := newEnv(t)
	e.seed()
	e.transfer(faseB, eve, jean) // Jean, at the same address, by a second school
	c := e.signIn("jean.dupont@ecole.be")
	pending := c.get("/")
	wantIn(t, pending, "h2", "Accès qui s'ouvriront dans la nuit du 27/11/2026 au 28/11/2026")
	wantIn(t, pending, "main ul li", schoolB+" (FASE 5353) : Enseignant")
}
