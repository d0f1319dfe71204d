package schoolui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"passerelle/fwb"
	"passerelle/school"
	"passerelle/transfer"
	"passerelle/web/browsertest"
)

// staffWeek is a school of 150 members, some with long French names.
func staffWeek() []school.Row {
	rows := staffN(150)
	long := []struct{ last, first string }{
		{"Van den Bossche-Vanderelst", "Marie-Bernadette"},
		{"de Saint-Exupéry d'Harcourt", "Jean-Christophe"},
		{"Vandenberghe-Lefèvre", "Anne-Sophie Éléonore"},
	}
	for i, n := range long {
		rows[i*7].Member.LastName, rows[i*7].Member.FirstName = n.last, n.first
	}
	// One member left without a role, for the « rôle vide » filter.
	rows[3].Situation.Role = fwb.RoleNone
	return rows
}

// menuOutside lists the column menus and submenus that pass an edge of the
// window, with every column shown that the help page shows, Rôle extranet
// included; it opens each menu as a person does, with the mouse.
const menuOutsideJS = `(async () => {
  const out = [];
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const outside = (el, what) => {
    const r = el.getBoundingClientRect();
    if (r.left < 0 || r.top < 0 || r.right > vw || r.bottom > vh) {
      out.push(what + " " + [r.left, r.top, r.right, r.bottom].map(Math.round).join(","));
    }
  };
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  for (const th of document.querySelectorAll("#liste thead th")) {
    if (getComputedStyle(th).display === "none") continue;
    const menu = th.querySelector("details.colmenu");
    menu.querySelector(":scope > summary").click();
    await frame();
    outside(menu.querySelector(':scope > [role="menu"]'), th.id + " menu");
    const sub = menu.querySelector("details.submenu");
    sub.querySelector(":scope > summary").dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
    await frame();
    outside(sub.querySelector('[role="menu"]'), th.id + " colonnes");
    if (document.documentElement.scrollWidth > vw) out.push(th.id + " page " + document.documentElement.scrollWidth + " px wide");
    menu.querySelector(":scope > summary").click();
    await frame();
  }
  return out;
})()`

// screenShot saves what the window shows (not the whole page, as
// browsertest.Screenshot does) to screenshots/<test>-<name>.png: a menu is
// judged against the window it opens in.
func screenShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := strings.ReplaceAll(t.Name(), "/", "_") + "-" + name + ".png"
	if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// evalAsync evaluates a promise-valued expression and waits for its value.
func evalAsync[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// autresActionsOutsideJS returns, two frames after the « Autres actions »
// menu opened, its rectangle when it is not wholly inside the window, else
// "".
const autresActionsOutsideJS = `(async () => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const r = document.querySelector('#autres-actions [role="menu"]').getBoundingClientRect();
  const inside = r.left >= 0 && r.top >= 0 && r.right <= document.documentElement.clientWidth && r.bottom <= innerHeight;
  return inside ? "" : [r.left, r.top, r.right, r.bottom].map(Math.round).join(",");
})()`

// visibleRowsJS counts the rows of the list wholly inside the window.
const visibleRowsJS = `Array.from(document.querySelectorAll("#liste tbody tr")).filter(tr => {
  const r = tr.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;
}).length`

// TestBrowserSecretaryWeek drives the list of a 150-member school as a
// secretary uses it, at 1280 and 1024 px wide and 800 high: menus inside
// the window, 15 rows and more on the first screen, a filter kept through
// a fiche and back, a held automatic transfer announced by a banner and
// shown as held, and no console error.
func TestBrowserSecretaryWeek(t *testing.T) {
	e := newEnv(t, envOptions{rows: staffWeek(), extranet: true})
	ctx := browsertest.New(t)
	browse(t, ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("identifiant")),
		chromedp.SendKeys(chromedp.ID("identifiant"), "secretariat"),
		chromedp.SendKeys(chromedp.ID("mot_de_passe"), password),
		chromedp.Click(chromedp.CSS(`form[action="/connexion"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("liste")),
		loaded,
	)
	// Rôle extranet shown, as the help page's review step asks.
	browse(t, ctx,
		chromedp.Click(chromedp.CSS("#col-nom details.colmenu > summary")),
		chromedp.Click(chromedp.CSS("#col-nom details.submenu > summary")),
		chromedp.Click(chromedp.CSS(`label[for="cb-nom-role"]`)),
		chromedp.WaitVisible(chromedp.ID("col-role")),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("col-role")),
		loaded,
	)

	for _, width := range []int64{1280, 1024} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			browse(t, ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("liste")), loaded)
			if n := eval[int](t, ctx, visibleRowsJS); n < 15 {
				t.Errorf("%d rows visible on the first screen at %d × 800, want 15 or more", n, width)
			}
			if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > int(width) {
				t.Errorf("page %d px wide at %d px", w, width)
			}
			if over := eval[int](t, ctx, `Math.round(document.getElementById("liste").getBoundingClientRect().right - document.querySelector(".list-wrap").getBoundingClientRect().right)`); over > 1 {
				t.Errorf("the list passes its frame by %d px at %d px", over, width)
			}
			screenShot(t, ctx, fmt.Sprintf("liste-%d", width))
			if out := evalAsync[[]string](t, ctx, menuOutsideJS); len(out) > 0 {
				t.Errorf("menus outside the window at %d × 800:\n%s", width, strings.Join(out, "\n"))
			}
			// « Autres actions » too.
			browse(t, ctx, chromedp.Click(chromedp.CSS("#autres-actions > summary")), chromedp.WaitVisible(chromedp.ID("imprimer")))
			// Measured two frames after it opens, as the column menus are:
			// the script places it once it is laid out.
			if out := evalAsync[string](t, ctx, autresActionsOutsideJS); out != "" {
				t.Errorf("« Autres actions » passes the window at %d × 800: %s", width, out)
			}
			browse(t, ctx, chromedp.Click(chromedp.CSS("#autres-actions > summary")))
			// The last column's « Colonnes », open, for people to look at.
			browse(t, ctx,
				chromedp.Click(chromedp.CSS("#col-role details.colmenu > summary")),
				chromedp.Click(chromedp.CSS("#col-role details.submenu > summary")),
				chromedp.WaitVisible(chromedp.CSS(`label[for="cb-role-email"]`)),
			)
			screenShot(t, ctx, fmt.Sprintf("menu-colonnes-%d", width))
		})
	}

	t.Run("filters-kept", func(t *testing.T) {
		browse(t, ctx,
			chromedp.EmulateViewport(1280, 800),
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("filtre-fonction")),
			chromedp.SetValue(chromedp.ID("filtre-fonction"), "IP"),
			// The new page marks the choice; the old one only holds it.
			chromedp.WaitReady(chromedp.CSS(`#filtre-fonction option[value="IP"][selected]`)),
			loaded,
		)
		fns := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#liste tbody td.col-fonction abbr")).map(a => a.textContent)`)
		if len(fns) == 0 || strings.Count(strings.Join(fns, ","), "IP") != len(fns) {
			t.Fatalf("functions after filtering on IP: %q", fns)
		}
		screenShot(t, ctx, "filtre-fonction")
		// « rôle vide », then a fiche and back.
		browse(t, ctx,
			chromedp.SetValue(chromedp.ID("filtre-role"), "vide"),
			chromedp.WaitReady(chromedp.CSS(`#filtre-role option[value="vide"][selected]`)),
			loaded,
		)
		roles := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#liste tbody td.col-role")).map(td => td.textContent)`)
		if len(roles) == 0 || strings.Join(roles, "") != "" {
			t.Fatalf("roles after filtering on « vide »: %q", roles)
		}
		screenShot(t, ctx, "filtres-ip-role-vide")
		first := eval[string](t, ctx, `document.querySelector("#liste tbody td.col-nom a").textContent`)
		browse(t, ctx,
			chromedp.Click(chromedp.CSS("#liste tbody td.col-nom a")),
			chromedp.WaitVisible(chromedp.ID("retour-liste")),
			chromedp.Click(chromedp.ID("retour-liste")),
			chromedp.WaitVisible(chromedp.ID("liste")),
			loaded,
		)
		if got := eval[string](t, ctx, `document.getElementById("filtre-role").value + " " + document.getElementById("filtre-fonction").value`); got != "vide IP" {
			t.Errorf("filters after « Retour à la liste »: %q, want « vide IP »", got)
		}
		if got := eval[string](t, ctx, `document.querySelector("#liste tbody td.col-nom a").textContent`); got != first {
			t.Errorf("first row after coming back: %q, want %q", got, first)
		}
	})

	// With the keyboard, a filter applies on Enter, not at each arrow.
	t.Run("filter-keyboard", func(t *testing.T) {
		browse(t, ctx,
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("filtre-role")),
			loaded,
			chromedp.Focus(chromedp.ID("filtre-role")),
			chromedp.KeyEvent(kb.ArrowDown),
			chromedp.Sleep(300*time.Millisecond),
		)
		if got := eval[string](t, ctx, `location.search + "|" + document.getElementById("filtre-role").value`); got != "|Enseignant" {
			t.Fatalf("after ArrowDown: %q, want the list unchanged and Enseignant chosen", got)
		}
		browse(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitReady(chromedp.CSS(`#filtre-role option[value="Enseignant"][selected]`)), loaded)
		if got := eval[string](t, ctx, `location.search`); got != "?role=Enseignant" {
			t.Errorf("after Enter: %q", got)
		}
	})

	t.Run("fiche-function", func(t *testing.T) {
		id := itoa(e.rows["de Saint-Exupéry d'Harcourt"].Situation.ID)
		browse(t, ctx,
			chromedp.EmulateViewport(1280, 800),
			chromedp.Navigate(e.srv.URL+"/situations/"+id),
			chromedp.WaitVisible(chromedp.ID("f-Function")),
			loaded,
		)
		// « Enregistrer » is in sight on the first screen.
		if !eval[bool](t, ctx, `(() => { const r = document.getElementById("enregistrer").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`) {
			t.Error("« Enregistrer » is below the fold at 1280 × 800")
		}
		browse(t, ctx, chromedp.SetValue(chromedp.ID("f-Function"), "DC"), chromedp.WaitVisible(chromedp.ID("proposition")))
		if got := eval[string](t, ctx, `document.getElementById("f-Role").value + " " + document.getElementById("f-Promotion").checked`); got != "Directeur true" {
			t.Errorf("after IP → DC: role and promotion %q, want « Directeur true »", got)
		}
		screenShot(t, ctx, "fiche-proposition")
	})

	t.Run("confirmation", func(t *testing.T) {
		// A first transfer, then two teachers leave: the confirmation
		// names them before anything is sent.
		transferFromPage(t, e.signedIn("direction"), nil)
		var leaving []school.Row
		for _, last := range []string{"Van den Bossche-Vanderelst", "Vandenberghe-Lefèvre"} {
			r := e.rows[last]
			r.Situation.Active = false
			leaving = append(leaving, r)
		}
		if _, err := e.st.SaveRows(context.Background(), fase, leaving); err != nil {
			t.Fatal(err)
		}
		browse(t, ctx,
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("extranet-segec")),
			chromedp.Click(chromedp.ID("extranet-segec")),
			chromedp.WaitVisible(chromedp.ID("confirmer-transfert")),
		)
		names := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#perdront-acces li")).map(li => li.textContent)`)
		if len(names) != 1 || !strings.HasPrefix(names[0], "Anne-Sophie Éléonore Vandenberghe-Lefèvre – ") {
			t.Errorf("people losing their access: %q", names)
		}
		screenShot(t, ctx, "confirmation")
	})

	t.Run("held-automatic-transfer", func(t *testing.T) {
		var changes []string
		for _, n := range []string{"Marc Dupont", "Anne Martin", "Luc Maes", "Zoé Claes", "Paul Renard", "Inès Dumont"} {
			changes = append(changes, "Avertissement : Désactivé Rôle "+n+" – Enseignant")
		}
		msgs := append(changes, transfer.HeldLine(6, false))
		if _, err := e.st.RecordTransfer(context.Background(), school.TransferRecord{FASE: fase, At: testNow, By: transfer.ByAutomatic,
			Outcome: school.OutcomeHeld, Messages: msgs, Counts: school.TransferCounts{Deactivated: 6}}, nil); err != nil {
			t.Fatal(err)
		}
		browse(t, ctx, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("bandeau-transfert")), loaded)
		screenShot(t, ctx, "bandeau")
		browse(t, ctx, chromedp.Click(chromedp.ID("ouvrir-transfert")), chromedp.WaitVisible(chromedp.ID("a-confirmer")))
		lines := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#messages .transfer-messages li")).map(li => li.textContent)`)
		for _, l := range lines {
			if strings.Contains(l, "Désactivé") {
				t.Errorf("a held transfer shows %q as done", l)
			}
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#a-confirmer li").length`); n != 6 {
			t.Errorf("%d deactivations to confirm, want 6", n)
		}
		browse(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("messages").scrollIntoView()`))
		screenShot(t, ctx, "transfert-suspendu")
		// Opened once, the banner is gone for everyone.
		browse(t, ctx, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("liste")), loaded)
		if eval[bool](t, ctx, `!!document.getElementById("bandeau-transfert")`) {
			t.Error("the banner is still there after the transfer was opened")
		}
	})

	t.Run("print", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(e.srv.URL+"/imprimer?fonction=IP&role=Enseignant"), chromedp.WaitVisible(chromedp.ID("impression")), loaded)
		if n := eval[int](t, ctx, `document.querySelectorAll("#impression tbody tr").length`); n == 0 {
			t.Error("the print view has no row")
		}
		screenShot(t, ctx, "impression")
	})

	t.Run("favicon", func(t *testing.T) {
		if !evalAsync[bool](t, ctx, `fetch(document.querySelector('link[rel="icon"]').href).then(r => r.ok && r.headers.get("Content-Type").startsWith("image/svg+xml"))`) {
			t.Error("the page's icon is not served")
		}
		if !evalAsync[bool](t, ctx, `fetch("/favicon.ico").then(r => r.ok)`) {
			t.Error("/favicon.ico is not served")
		}
	})

	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
