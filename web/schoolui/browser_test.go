package schoolui_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"passerelle/school"
	"passerelle/school/demodata"
	"passerelle/transfer"
	"passerelle/web/browsertest"
	"passerelle/web/schoolui"
)

// browser runs the steps and fails the test on the first error.
func browse(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// loaded waits until the page has finished loading: a heading can be
// visible while the rows below it are still arriving.
var loaded = chromedp.Poll[chromedp.Void](`document.readyState === "complete"`)

// namesJS reads the names of the list, top to bottom.
const namesJS = `Array.from(document.querySelectorAll("#liste tbody td.col-nom a")).map(a => a.textContent)`

// TestBrowserList drives the pages in Chromium at 1024 px wide: sign in,
// the column menu with the mouse and the keyboard, a column added, a sort,
// the transfer with its messages, a fiche refused with its error next to
// the field, all without a console error under the strict CSP.
func TestBrowserList(t *testing.T) {
	e := newEnv(t, envOptions{extranet: true})
	ctx := browsertest.New(t)

	t.Run("sign-in", func(t *testing.T) {
		browse(t, ctx,
			chromedp.EmulateViewport(1024, 768),
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("identifiant")),
		)
		browsertest.Screenshot(t, ctx, "connexion")
		browse(t, ctx,
			chromedp.SendKeys(chromedp.ID("identifiant"), "direction"),
			chromedp.SendKeys(chromedp.ID("mot_de_passe"), password),
			chromedp.Click(chromedp.CSS(`form[action="/connexion"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("liste")),
		)
		// Usable at 1024 px: the list with its default columns fits.
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1024 {
			t.Errorf("page %d px wide at 1024 px", w)
			t.Log(eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#liste thead th")).map(th => th.id + " " + th.getBoundingClientRect().width)`))
		}
		if d := eval[string](t, ctx, `getComputedStyle(document.querySelector("#col-role")).display`); d != "none" {
			t.Errorf("Rôle extranet shown before it is chosen (display %q)", d)
		}
		browsertest.Screenshot(t, ctx, "liste")
	})

	t.Run("column-menu-keyboard", func(t *testing.T) {
		browse(t, ctx,
			chromedp.Focus(chromedp.CSS("#col-niss details.colmenu > summary")),
			chromedp.KeyEvent(kb.ArrowDown),
			chromedp.WaitVisible(chromedp.CSS(`#col-niss [role="menu"]`)),
		)
		if got := eval[string](t, ctx, `document.activeElement.textContent`); got != "Trier par ordre croissant" {
			t.Errorf("ArrowDown focuses %q, want the first item", got)
		}
		browse(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
		if got := eval[string](t, ctx, `document.activeElement.textContent`); got != "Trier par ordre décroissant" {
			t.Errorf("second ArrowDown focuses %q", got)
		}
		browse(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
		if got := eval[string](t, ctx, `document.activeElement.textContent`); got != "Colonnes" {
			t.Errorf("third ArrowDown focuses %q", got)
		}
		// ArrowRight opens « Colonnes » on its first column that can be
		// unticked (Nom cannot); Escape closes only the submenu.
		browse(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "cb-niss-niss" {
			t.Errorf("ArrowRight focuses %q, want the first checkbox", got)
		}
		browsertest.Screenshot(t, ctx, "menu-colonnes")
		browse(t, ctx, chromedp.KeyEvent(kb.Escape))
		if got := eval[string](t, ctx, `document.activeElement.textContent`); got != "Colonnes" {
			t.Errorf("Escape in the submenu focuses %q, want « Colonnes »", got)
		}
		browse(t, ctx, chromedp.KeyEvent(kb.Escape))
		open := eval[bool](t, ctx, `document.querySelector("#col-niss details.colmenu").open`)
		focused := eval[bool](t, ctx, `document.activeElement === document.querySelector("#col-niss details.colmenu > summary")`)
		if open || !focused {
			t.Errorf("Escape: menu open %v, focus back on its button %v", open, focused)
		}
		if exp := eval[string](t, ctx, `document.querySelector("#col-niss details.colmenu > summary").getAttribute("aria-expanded")`); exp != "false" {
			t.Errorf("aria-expanded = %q after closing", exp)
		}
	})

	t.Run("add-role-column", func(t *testing.T) {
		browse(t, ctx,
			chromedp.Click(chromedp.CSS("#col-nom details.colmenu > summary")),
			chromedp.WaitVisible(chromedp.CSS(`#col-nom [role="menu"]`)),
			chromedp.Click(chromedp.CSS("#col-nom details.submenu > summary")),
			chromedp.WaitVisible(chromedp.CSS(`label[for="cb-nom-role"]`)),
		)
		browsertest.Screenshot(t, ctx, "menu")
		browse(t, ctx,
			chromedp.Click(chromedp.CSS(`label[for="cb-nom-role"]`)),
			chromedp.WaitVisible(chromedp.ID("col-role")),
		)
		if got := eval[string](t, ctx, `document.querySelector("#liste tbody td.col-role").textContent`); got == "" {
			t.Error("the role column is empty")
		}
		// The other menus follow, and the choice is saved for next time.
		if !eval[bool](t, ctx, `document.getElementById("cb-resume-role").checked`) {
			t.Error("the other menus do not show the column as ticked")
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			v, _, err := e.st.Prefs().Pref(context.Background(), 1, "liste")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(v, `"role"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the column choice was not saved: %q", v)
			}
			time.Sleep(50 * time.Millisecond)
		}
		browse(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("col-role")))
		browsertest.Screenshot(t, ctx, "role-extranet")
	})

	t.Run("sort", func(t *testing.T) {
		browse(t, ctx,
			chromedp.Click(chromedp.CSS("#col-nom details.colmenu > summary")),
			chromedp.WaitVisible(chromedp.CSS(`#col-nom [role="menu"]`)),
			chromedp.Click(chromedp.CSS(`#col-nom form[action="/liste/tri"] input[value="desc"] ~ button`)),
			chromedp.WaitVisible(chromedp.CSS(`#col-nom[aria-sort="descending"]`)),
			loaded,
		)
		want := []string{"Zimmer Anne", "Milord Rémy", "Gensen Talia", "Fabre Anne", "Écrivain Émile", "Dupont Jean", "Abel Marc"}
		if got := eval[[]string](t, ctx, namesJS); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("descending:\n got %q\nwant %q", got, want)
		}
		// Focus comes back to the column's menu button.
		if !eval[bool](t, ctx, `document.activeElement === document.querySelector("#col-nom details.colmenu > summary")`) {
			t.Error("focus not back on the menu button after sorting")
		}
		browsertest.Screenshot(t, ctx, "tri-decroissant")
		browse(t, ctx,
			// ArrowDown rather than Enter to open: chromedp sends Enter's
			// character as an event of its own, which a real keyboard does
			// not once the key's keydown was handled, and it would reach
			// the item the menu just focused.
			chromedp.KeyEvent(kb.ArrowDown),
			chromedp.WaitVisible(chromedp.CSS(`#col-nom [role="menu"]`)),
			chromedp.KeyEvent(kb.Enter), // « Trier par ordre croissant », focused first
			chromedp.WaitVisible(chromedp.CSS(`#col-nom[aria-sort="ascending"]`)),
			loaded,
		)
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}
		if got := eval[[]string](t, ctx, namesJS); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("ascending:\n got %q\nwant %q", got, want)
		}
	})

	t.Run("transfer", func(t *testing.T) {
		browse(t, ctx,
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("extranet-segec")),
			chromedp.Click(chromedp.ID("extranet-segec")),
			chromedp.WaitVisible(chromedp.ID("confirmer-transfert")),
		)
		browsertest.Screenshot(t, ctx, "confirmation")
		browse(t, ctx,
			chromedp.Click(chromedp.ID("confirmer-transfert")),
			chromedp.WaitVisible(chromedp.ID("messages")),
		)
		lines := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#messages li")).map(li => li.className + "|" + li.textContent)`)
		joined := strings.Join(lines, "\n")
		for _, want := range []string{
			`msg-information|Information : Complété Rôle Extranet "Enseignant" chez Anne Fabre`,
			"msg-avertissement|Avertissement : Créé Rôle Émile Écrivain – Enseignant",
			"msg-erreur|Erreur : Non transférée Talia Gensen – adresse e-mail école manquante",
			"msg-fait|Le transfert est fait.",
			"msg-attention|Attention ! Les accès à l'extranet SeGEC ne sont pas immédiats.",
		} {
			if !strings.Contains(joined, want) {
				t.Errorf("messages lack %q:\n%s", want, joined)
			}
		}
		// Information and Avertissement do not look alike.
		info := eval[string](t, ctx, `getComputedStyle(document.querySelector("#messages li.msg-information")).backgroundColor`)
		warn := eval[string](t, ctx, `getComputedStyle(document.querySelector("#messages li.msg-avertissement")).backgroundColor`)
		if info == warn {
			t.Errorf("Information and Avertissement share the background %s", info)
		}
		browsertest.Screenshot(t, ctx, "messages")
	})

	t.Run("fiche-invalid-email", func(t *testing.T) {
		browse(t, ctx,
			chromedp.Navigate(e.srv.URL+"/situations/"+itoa(e.rows["Zimmer"].Situation.ID)),
			chromedp.WaitVisible(chromedp.ID("f-SchoolEmail")),
			chromedp.SetValue(chromedp.ID("f-SchoolEmail"), "anne.zimmer@ecole"),
			chromedp.Click(chromedp.ID("enregistrer")),
			chromedp.WaitVisible(chromedp.ID("f-SchoolEmail-err")),
		)
		msg := eval[string](t, ctx, `document.getElementById("f-SchoolEmail-err").textContent`)
		if !strings.Contains(msg, "anne.zimmer@ecole") || !strings.Contains(msg, "invalide") {
			t.Errorf("error next to the field = %q", msg)
		}
		// The error is right after its field.
		if !eval[bool](t, ctx, `document.getElementById("f-SchoolEmail").parentElement.contains(document.getElementById("f-SchoolEmail-err"))`) {
			t.Error("the error is not next to its field")
		}
		if got := eval[string](t, ctx, `document.getElementById("f-SchoolEmail").getAttribute("aria-invalid")`); got != "true" {
			t.Errorf("aria-invalid = %q", got)
		}
		browsertest.Screenshot(t, ctx, "fiche-erreur")
	})

	// A new member from the list, then that situation deleted again.
	t.Run("new-situation", func(t *testing.T) {
		browse(t, ctx,
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("nouvelle-situation")),
			chromedp.Click(chromedp.ID("nouvelle-situation")),
			chromedp.WaitVisible(chromedp.ID("f-LastName")),
			chromedp.SendKeys(chromedp.ID("f-LastName"), "Nouveau"),
			chromedp.SendKeys(chromedp.ID("f-FirstName"), "Zoé"),
			chromedp.SendKeys(chromedp.ID("f-BirthDate"), "14/02/1990"),
			chromedp.SendKeys(chromedp.ID("f-SchoolEmail"), "zoe.nouveau@ecole.be"),
			chromedp.SetValue(chromedp.ID("f-Function"), "IP"),
			chromedp.SendKeys(chromedp.ID("f-Charge"), "IP 12/24"),
		)
		browsertest.Screenshot(t, ctx, "nouvelle-situation")
		browse(t, ctx,
			chromedp.Click(chromedp.ID("enregistrer")),
			chromedp.WaitVisible(chromedp.ID("supprimer-situation")),
		)
		if got := eval[string](t, ctx, `document.querySelector(".flash").textContent`); got != "Situation ajoutée." {
			t.Fatalf("flash after adding = %q", got)
		}
		browse(t, ctx,
			chromedp.Click(chromedp.ID("supprimer-situation")),
			chromedp.WaitVisible(chromedp.ID("confirmer-suppression")),
		)
		browsertest.Screenshot(t, ctx, "supprimer-situation")
		browse(t, ctx,
			chromedp.Click(chromedp.ID("confirmer-suppression")),
			chromedp.WaitVisible(chromedp.ID("nouvelle-situation")),
		)
		if got := eval[string](t, ctx, `document.querySelector(".flash").textContent`); got != "Situation supprimée. (Zoé Nouveau)" {
			t.Fatalf("flash after deleting = %q", got)
		}
	})

	// The other pages, for people to look at and for the console check.
	t.Run("pages", func(t *testing.T) {
		for _, p := range []struct{ path, name, sel string }{
			{"/verifier", "verifier", "#g-Bloquant"},
			{"/transferts", "historique", "table.history"},
			{"/rentree", "rentree", "#rentree-indisponible"},
			{"/parametres", "parametres", "#p-url"},
			{"/importer", "importer", "#fichier"},
			{"/mot-de-passe", "mot-de-passe", "#mdp-actuel"},
			{"/utilisateurs", "utilisateurs", "#ajouter-utilisateur"},
		} {
			browse(t, ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)), loaded)
			if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1024 {
				t.Errorf("%s: %d px wide at 1024 px", p.path, w)
			}
			browsertest.Screenshot(t, ctx, p.name)
		}
	})

	// The refused fiche answers 422, which Chromium logs as a failed
	// load; anything else (a CSP refusal, a script error) fails the test.
	var errs []string
	for _, m := range browsertest.ConsoleErrors(ctx) {
		if !strings.Contains(m, "status of 422 (Unprocessable Entity)") {
			errs = append(errs, m)
		}
	}
	if len(errs) != 0 {
		t.Errorf("console errors (CSP or script):\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserDemo shows the demo data's twenty members, with Rôle extranet
// chosen as the school software's help page does, for people to compare
// with it.
func TestBrowserDemo(t *testing.T) {
	e := newEnv(t, envOptions{rows: []school.Row{}})
	if _, err := demodata.Load(context.Background(), e.st, nil, testNow); err != nil {
		t.Fatal(err)
	}
	sessions, prefs := e.st.UIStores(func() time.Time { return testNow })
	h, err := schoolui.New(schoolui.Config{Store: e.st, Sessions: sessions, Prefs: prefs, Runner: &transfer.Runner{Store: e.st}, FASE: demodata.FASE,
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := browsertest.New(t)
	browse(t, ctx,
		chromedp.EmulateViewport(1024, 768),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
		chromedp.SendKeys(chromedp.ID("identifiant"), "direction"),
		chromedp.SendKeys(chromedp.ID("mot_de_passe"), password),
		chromedp.Click(chromedp.CSS(`form[action="/connexion"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("liste")),
		chromedp.Click(chromedp.CSS("#col-nom details.colmenu > summary")),
		chromedp.Click(chromedp.CSS("#col-nom details.submenu > summary")),
		chromedp.Click(chromedp.CSS(`label[for="cb-nom-role"]`)),
		chromedp.WaitVisible(chromedp.ID("col-role")),
		chromedp.KeyEvent(kb.Escape), // closes « Colonnes »
		chromedp.KeyEvent(kb.Escape), // closes the menu
		loaded,
	)
	if eval[bool](t, ctx, `document.querySelector("#col-nom details.colmenu").open`) {
		t.Error("two Escapes leave the menu open")
	}
	names := eval[[]string](t, ctx, namesJS)
	if len(names) != 20 || names[0] != "Brocar Pascale" || names[1] != "Coremans Michèle" {
		t.Errorf("demo list: %q", names)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 1024 {
		t.Errorf("demo list with Rôle extranet: %d px wide at 1024 px", w)
	}
	browsertest.Screenshot(t, ctx, "liste-demo")
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
