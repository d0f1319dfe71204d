package schoolui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"passerelle/frtext"
	"passerelle/web/browsertest"
)

// TestBrowserRentree drives « Préparer la rentrée » in Chromium in June:
// from the list's link, the preview then the sending, with their messages,
// without a console error under the strict CSP.
func TestBrowserRentree(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true, now: time.Date(2027, 6, 10, 17, 0, 0, 0, frtext.Brussels)})
	ctx := browsertest.New(t)
	browse(t, ctx,
		chromedp.EmulateViewport(1024, 768),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
		chromedp.SendKeys(chromedp.ID("identifiant"), "secretariat"),
		chromedp.SendKeys(chromedp.ID("mot_de_passe"), password),
		chromedp.Click(chromedp.CSS(`form[action="/connexion"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("preparer-rentree")),
		chromedp.Click(chromedp.ID("preparer-rentree")),
		chromedp.WaitVisible(chromedp.ID("envoyer-rentree")),
		loaded,
	)
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1024 {
		t.Errorf("page %d px wide at 1024 px", w)
	}
	browsertest.Screenshot(t, ctx, "preparer-rentree")

	first := `document.querySelector("#messages li").textContent`
	browse(t, ctx, chromedp.Click(chromedp.ID("apercu-rentree")), chromedp.WaitVisible(chromedp.ID("messages")), loaded)
	if got := eval[string](t, ctx, first); !strings.HasPrefix(got, "Information : Préparation de la rentrée 2027-2028") {
		t.Fatalf("first line of the preview = %q", got)
	}
	browse(t, ctx, chromedp.Click(chromedp.ID("envoyer-rentree")), chromedp.WaitVisible(chromedp.CSS("#messages .msg-fait")), loaded)
	browsertest.Screenshot(t, ctx, "rentree-envoyee")
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors (CSP or script):\n%s", strings.Join(errs, "\n"))
	}
}
