package portal

import (
	"testing"

	"github.com/chromedp/chromedp"

	"passerelle/extranet"
	"passerelle/web/browsertest"
)

// TestBrowserTrust walks the trust pages in Chromium at 1280 and 1024 wide:
// the notice's « Ce n'est pas moi » page and its answer, « Mes accès » with
// the form that links another school's address, and the console's
// « Vérifications »; no console error on any of them.
func TestBrowserTrust(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.forgeDirector()
	notice, ok := e.mailTo("remy.milord@ecole.be", extranet.SubjectForeignAccess)
	if !ok {
		t.Fatal("no notice")
	}
	link := disputePattern.FindString(notice.Message.Text)

	for _, width := range []int64{1280, 1024} {
		ctx := browsertest.New(t)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
			t.Fatal(err)
		}
		shot := func(name string) { browsertest.Screenshot(t, ctx, name+"-"+itoa(int(width))) }
		if width == 1280 {
			if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("pas-moi"))); err != nil {
				t.Fatal(err)
			}
			wantText(t, text(t, ctx, "main"), schoolB, "Enseignant", "a•••@evil-mail.be")
			shot("pas-moi")
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("pas-moi")), chromedp.WaitVisible(chromedp.ID("avis-signale"))); err != nil {
				t.Fatal(err)
			}
			shot("pas-moi-signale")
		}

		requestLink(t, ctx, e, "remy.milord@ecole.be")
		m, _ := e.mailTo("remy.milord@ecole.be", extranet.SubjectSignInLink)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(linkIn(t, m)),
			chromedp.WaitVisible(chromedp.ID("me-connecter")),
			chromedp.Click(chromedp.ID("me-connecter")),
			chromedp.WaitVisible(chromedp.ID("relier")),
		); err != nil {
			t.Fatal(err)
		}
		wantText(t, text(t, ctx, "#adresse-session"), "remy.milord@ecole.be")
		shot("mes-acces")

		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.ts.URL+"/console/connexion"),
			chromedp.WaitVisible(chromedp.ID("mot_de_passe")),
			chromedp.SendKeys(chromedp.ID("identifiant"), "ana"),
			chromedp.SendKeys(chromedp.ID("mot_de_passe"), password),
			chromedp.Click(chromedp.ID("se-connecter")),
			chromedp.WaitVisible(chromedp.ID("suspendus")),
			chromedp.Navigate(e.ts.URL+"/console/verifications"),
			chromedp.WaitVisible(chromedp.ID("contestations")),
		); err != nil {
			t.Fatal(err)
		}
		wantText(t, text(t, ctx, "#rapprochements"), "Milord", schoolA, schoolB)
		wantText(t, text(t, ctx, "#contestations"), "attacker@evil-mail.be", "Maintenir la suspension")
		shot("verifications")
		if errs := browsertest.ConsoleErrors(ctx); len(errs) > 0 {
			t.Errorf("console errors at %d px: %v", width, errs)
		}
	}
}
