package portal

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"passerelle/apiclient"
	"passerelle/extranet"
	"passerelle/web/browsertest"
	"passerelle/wire"
)

// acceptDialogs answers every confirm() of the page with OK, as an operator
// who means it.
func acceptDialogs(ctx context.Context) <-chan string {
	messages := make(chan string, 8)
	go func() {
		for ev, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			messages <- ev.Message
			go chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
				return err
			}))
		}
	}()
	return messages
}

func waitDialog(t *testing.T, messages <-chan string, want string) {
	t.Helper()
	select {
	case msg := <-messages:
		if !strings.HasPrefix(msg, want) {
			t.Errorf("confirm message = %q, want %q…", msg, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no confirm dialog")
	}
}

func text(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func wantText(t *testing.T, got string, pieces ...string) {
	t.Helper()
	for _, p := range pieces {
		if !strings.Contains(got, p) {
			t.Errorf("%q lacks %q", got, p)
		}
	}
}

// requestLink asks for a sign-in link in the browser and returns the e-mail
// that carries it.
func requestLink(t *testing.T, ctx context.Context, e *env, address string) string {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/connexion"),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
		chromedp.SendKeys(chromedp.ID("identifiant"), address),
		chromedp.Click(chromedp.ID("envoyer")),
		chromedp.WaitVisible(chromedp.ID("envoye")),
	); err != nil {
		t.Fatal(err)
	}
	m, ok := e.mailTo(address, extranet.SubjectSignInLink)
	if !ok {
		t.Fatalf("no sign-in e-mail to %s", address)
	}
	return m.Name
}

// TestBrowserPortal is the demo's story in Chromium: after a transfer and a
// night run, a teacher opens « E-mails envoyés », follows the sign-in link
// and sees their school and role; a director sees the direction's space;
// a teacher deactivated meanwhile cannot sign in.
func TestBrowserPortal(t *testing.T) {
	e := newEnv(t)
	e.seed()
	e.publish()
	ctx := browsertest.New(t)

	// The teacher, through the demo's mailbox.
	mailName := requestLink(t, ctx, e, "jean.dupont@ecole.be")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/courriels"),
		chromedp.WaitVisible(chromedp.ID("courriels")),
		chromedp.Click(chromedp.CSS(`a[href="/courriels/`+mailName+`"]`)),
		chromedp.WaitVisible(chromedp.ID("corps")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "#destinataire"), "jean.dupont@ecole.be")
	browsertest.Screenshot(t, ctx, "courriel")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#corps a[href*="/connexion/lien?jeton="]`)),
		chromedp.WaitVisible(chromedp.ID("me-connecter")),
		chromedp.Click(chromedp.ID("me-connecter")),
		chromedp.WaitVisible(chromedp.ID("acces")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "#acces tbody"), schoolA, "4242", "Enseignant", "27/11/2026", "2026-2027")
	wantText(t, text(t, ctx, "#user"), "Jean Dupont", "jean.dupont.040580")
	if strings.Contains(text(t, ctx, "header"), "Espace direction") {
		t.Error("a teacher is offered the direction's space")
	}
	browsertest.Screenshot(t, ctx, "mes-acces")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.app-user button`)),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
	); err != nil {
		t.Fatal(err)
	}

	// The director: the link straight from the e-mail, then the direction's
	// space through the menu.
	e.clock.Set(e.clock.Now().Add(time.Minute))
	name := requestLink(t, ctx, e, "remy.milord@ecole.be")
	var link string
	for _, m := range e.mails() {
		if m.Name == name {
			link = linkIn(t, m)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.ID("me-connecter")),
		chromedp.WaitVisible(chromedp.ID("acces")),
		chromedp.Click(chromedp.CSS(`.app-nav a[href="/direction"]`)),
		chromedp.WaitVisible(chromedp.ID("personnel")),
	); err != nil {
		t.Fatal(err)
	}
	staffText := text(t, ctx, "#personnel tbody")
	wantText(t, staffText, "Dupont Jean", "Martin Luc", "Milord Rémy", "Directeur", "actif")
	if strings.Contains(staffText, "Daniel") {
		t.Error("the director of A sees the staff of B")
	}
	wantText(t, text(t, ctx, "main"), "Avertissement : Créé Rôle Jean Dupont – Enseignant", "Du réseau", "Transferts vers l'extranet")
	browsertest.Screenshot(t, ctx, "espace-direction")
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/direction/4242") {
		t.Errorf("location = %q, %v", loc, err)
	}
	// Another school's page: not found.
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.ts.URL+"/direction/5353"))
	if err != nil || resp.Status != http.StatusNotFound {
		t.Errorf("director of A on B: %v, %v", resp, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/"),
		chromedp.Click(chromedp.CSS(`.app-user button`)),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
	); err != nil {
		t.Fatal(err)
	}

	// A teacher deactivated after asking for a link cannot sign in with it.
	e.clock.Set(e.clock.Now().Add(time.Minute))
	name = requestLink(t, ctx, e, "luc.martin@ecole.be")
	for _, m := range e.mails() {
		if m.Name == name {
			link = linkIn(t, m)
		}
	}
	e.transfer(faseA, jean, remy)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.ID("me-connecter")),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, ".flash-warning"), "Votre compte n'a plus d'accès actif")
	resp, err = chromedp.RunResponse(ctx, chromedp.Navigate(e.ts.URL+"/"))
	if err != nil || !strings.Contains(resp.URL, "/connexion") {
		t.Errorf("after the refused link, / is %v, %v", resp, err)
	}
	var errs []string
	for _, msg := range browsertest.ConsoleErrors(ctx) {
		// The 404 of the other school's page is the point of that step.
		if !strings.Contains(msg, "/direction/5353") {
			errs = append(errs, msg)
		}
	}
	if len(errs) != 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserConsole: an operator signs in, simulates the night and revokes
// a school's tokens; the school's next transfer with its token gets 401.
func TestBrowserConsole(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	ctx := browsertest.New(t)
	dialogs := acceptDialogs(ctx)
	client := apiclient.NewClient(e.ts.URL, e.tokenA, apiclient.WithRetries(1, 0))

	// The school's token works before the revocation.
	newcomer := staff("Souchon", "Adeline", "1989-07-17", "adeline.souchon@ecole.be", "Enseignant")
	snap := wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{jean, luc, remy, newcomer}}
	if res, err := client.PutStaff(context.Background(), faseA, snap, false, ""); err != nil || res.Counts.Created != 1 {
		t.Fatalf("transfer before revocation: %+v, %v", res.Counts, err)
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("mot_de_passe")),
		chromedp.SendKeys(chromedp.ID("identifiant"), "ana"),
		chromedp.SendKeys(chromedp.ID("mot_de_passe"), password),
		chromedp.Click(chromedp.ID("se-connecter")),
		chromedp.WaitVisible(chromedp.ID("suspendus")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "main"), "2\nécoles inscrites", "Derniers transferts", schoolA)
	browsertest.Screenshot(t, ctx, "tableau-de-bord")

	// Simulate the night: the newcomer's access opens.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.app-nav a[href="/console/nuits"]`)),
		chromedp.WaitVisible(chromedp.ID("simuler")),
		chromedp.Click(chromedp.ID("simuler")),
	); err != nil {
		t.Fatal(err)
	}
	waitDialog(t, dialogs, "Lancer maintenant le traitement de nuit ?")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".flash-success"))); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, ".flash-success"), "Nuit simulée : 1 accès ouvert", "1 compte créé")
	if _, err := e.st.AccountByLogin(e.ctx, "adeline.souchon.170789"); err != nil {
		t.Errorf("no account for the newcomer after the simulated night: %v", err)
	}

	// Revoke school A's tokens.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/console/ecoles/4242"),
		chromedp.WaitVisible(chromedp.ID("revoquer")),
		chromedp.Click(chromedp.ID("revoquer")),
	); err != nil {
		t.Fatal(err)
	}
	waitDialog(t, dialogs, "Révoquer tous les jetons de l'école ?")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".flash-warning"))); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "#jetons-valides"), "Aucun jeton valable")
	browsertest.Screenshot(t, ctx, "ecole-jetons-revoques")

	_, err := client.PutStaff(context.Background(), faseA, snap, false, "")
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("transfer after revocation: %v, want a 401", err)
	}
	// School B's token still works.
	if _, err := apiclient.NewClient(e.ts.URL, e.tokenB).PutStaff(context.Background(), faseB,
		wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{eve}}, false, ""); err != nil {
		t.Errorf("school B refused: %v", err)
	}
	audit, _ := e.st.Audit(e.ctx, extranet.AuditFilter{FASE: faseA, Action: extranet.AuditTokensRevoked})
	if len(audit) != 1 || audit[0].Actor != "operator:ana" {
		t.Errorf("revocation audited: %+v", audit)
	}

	// The journal shows the operator's actions.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/console/journal"),
		chromedp.WaitVisible(chromedp.ID("journal")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "#journal tbody"), "Ana Opératrice a révoqué les jetons de l'École Saint-Joseph (FASE 4242) : 1 jeton révoqué",
		"Ana Opératrice a lancé le traitement de nuit")
	browsertest.Screenshot(t, ctx, "journal")
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
