package web_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"passerelle/web/browsertest"
)

// TestBrowserForm drives the test application in Chromium: the pages must
// work under the strict policy (no console error), and app.js must ask
// before a form with data-confirm is sent.
func TestBrowserForm(t *testing.T) {
	app := newTestApp(t)
	ctx := browsertest.New(t)

	// Answer every confirm() with the current choice.
	var accept atomic.Bool
	openings := chromedp.Events(ctx, page.JavascriptDialogOpening)
	closings := chromedp.Events(ctx, page.JavascriptDialogClosed)
	messages := make(chan string, 4)
	go func() {
		for ev, err := range openings {
			if err != nil {
				return
			}
			messages <- ev.Message
			go chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept.Load()})
				return err
			}))
		}
	}()
	closed := make(chan bool, 4)
	go func() {
		for ev, err := range closings {
			if err != nil {
				return
			}
			closed <- ev.Result
		}
	}()
	waitDialog := func() {
		t.Helper()
		select {
		case msg := <-messages:
			if msg != "Enregistrer ?" {
				t.Errorf("confirm message = %q", msg)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no confirm dialog")
		}
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("dialog not closed")
		}
	}

	// Sign in: the protected page sends us to the sign-in form and back.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(app.srv.URL+"/form"),
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.SendKeys(chromedp.ID("user"), "direction"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("save")),
	); err != nil {
		t.Fatal(err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash-success")))
	if err != nil || flash != "Bienvenue." {
		t.Errorf("flash after sign-in = %q, %v", flash, err)
	}

	// Cancel: nothing is sent.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("name"), "Ada"), chromedp.Click(chromedp.ID("save"))); err != nil {
		t.Fatal(err)
	}
	waitDialog()
	time.Sleep(300 * time.Millisecond) // a submission would have reached the server by now
	if n := app.saves.Load(); n != 0 {
		t.Fatalf("form sent %d times although the person said no", n)
	}

	// Confirm: the form is sent, with its CSRF token.
	accept.Store(true)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("save"))); err != nil {
		t.Fatal(err)
	}
	waitDialog()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("saved"))); err != nil {
		t.Fatal(err)
	}
	saved, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("saved")))
	if err != nil || saved != "Enregistré : Ada" {
		t.Errorf("after saving: %q, %v", saved, err)
	}
	if n := app.saves.Load(); n != 1 {
		t.Errorf("form sent %d times, want 1", n)
	}

	// The stylesheet applied: the policy let it through.
	display, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector(".app-header")).display`))
	if err != nil || display != "flex" {
		t.Errorf("header display = %q, %v; base.css not applied", display, err)
	}
	browsertest.Screenshot(t, ctx, "formulaire")

	// The components of base.css, with the menu open; Escape closes it.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(app.srv.URL+"/composants"),
		chromedp.Click(chromedp.CSS("#menu > summary")),
		chromedp.WaitVisible(chromedp.CSS(`#menu [role="menu"]`)),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "composants")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("menu").open`))
	if err != nil || open {
		t.Errorf("Escape does not close the menu: open=%v, %v", open, err)
	}
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
