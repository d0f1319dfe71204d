package portal

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"passerelle/extranet"
	"passerelle/web/browsertest"
	"passerelle/wire"
)

// TestBrowserConsoleActs: an operator sees whom a held transfer would
// deactivate, finds a person who has no account yet and why, and reads the
// Journal as sentences naming people and schools.
func TestBrowserConsoleActs(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	// School B: six people, then an empty snapshot, held by the guard.
	six := []wire.StaffEntry{eve}
	for _, n := range []string{"Un", "Deux", "Trois", "Quatre", "Cinq"} {
		six = append(six, staff("Prof"+n, "Test", "1990-01-01", "prof"+strings.ToLower(n)+"@marie.be", "Enseignant"))
	}
	e.transfer(faseB, six...)
	e.night()
	if _, err := e.svc.Transfer(e.ctx, faseB, wire.Snapshot{SchoolYear: year}, extranet.TransferOptions{}); err == nil {
		t.Fatal("empty snapshot applied")
	}
	// A newcomer at school A, waiting for the night.
	e.transfer(faseA, jean, luc, remy, staff("Souchon", "Adeline", "1989-07-17", "adeline.souchon@ecole.be", "Enseignant"))

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("mot_de_passe")),
		chromedp.SendKeys(chromedp.ID("identifiant"), "ana"),
		chromedp.SendKeys(chromedp.ID("mot_de_passe"), password),
		chromedp.Click(chromedp.ID("se-connecter")),
		chromedp.WaitVisible(chromedp.ID("suspendus")),
		chromedp.Click(chromedp.ID("suspendus")),
		chromedp.WaitVisible(chromedp.CSS("table#suspendus")),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "table#suspendus tbody"), schoolB, "Ève Daniel", "Test ProfCinq", "et 1 autre")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`table#suspendus a[href^="/console/transferts/"]`)),
		chromedp.WaitVisible(chromedp.ID("desactivees")),
	); err != nil {
		t.Fatal(err)
	}
	held := text(t, ctx, "#desactivees tbody")
	wantText(t, held, "Daniel Ève", "eve.daniel.151089", "Directeur", "eve.daniel@marie.be", "ProfCinq Test", "Enseignant", "actif", "27/11/2026 à 08:00")
	browsertest.Screenshot(t, ctx, "transfert-suspendu")

	// Comptes: the newcomer, without an account, and why.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/console/comptes"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "souchon"),
		chromedp.Click(chromedp.ID("rechercher")),
		chromedp.WaitVisible(chromedp.CSS(`#q[value="souchon"]`)),
	); err != nil {
		t.Fatal(err)
	}
	wantText(t, text(t, ctx, "#comptes tbody"), "Souchon Adeline", "adeline.souchon@ecole.be", "sans compte",
		"le compte sera créé par le traitement de nuit du 28/11/2026 au 29/11/2026")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/console/comptes"),
		chromedp.WaitVisible(chromedp.ID("comptes")),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "comptes")

	// The Journal: sentences, names, no JSON.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/console/journal"),
		chromedp.WaitVisible(chromedp.ID("journal")),
	); err != nil {
		t.Fatal(err)
	}
	journal := text(t, ctx, "#journal tbody")
	wantText(t, journal, "Ana Opératrice a ouvert une session sur la console",
		"École Sainte-Marie (FASE 5353) a envoyé un transfert pour l'année scolaire 2026-2027, suspendu par la garde",
		"École Saint-Joseph (FASE 4242) a fait un transfert", "Le traitement de nuit a tourné")
	browsertest.Screenshot(t, ctx, "journal")
	for _, raw := range []string{"{", "\"", "operator:", "api:", "school:"} {
		if strings.Contains(journal, raw) {
			t.Errorf("the Journal shows %q:\n%s", raw, journal)
		}
	}
	// Filtered by school and action.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("fase"), "5353"),
		chromedp.SetValue(chromedp.ID("action"), extranet.AuditTransferHeld),
		chromedp.Click(chromedp.ID("filtrer")),
		// The new page's field carries the value as an attribute.
		chromedp.WaitVisible(chromedp.CSS(`#fase[value="5353"]`)),
	); err != nil {
		t.Fatal(err)
	}
	filtered := text(t, ctx, "#journal tbody")
	wantText(t, filtered, "suspendu par la garde")
	if strings.Contains(filtered, schoolA) {
		t.Errorf("filtered Journal shows school A:\n%s", filtered)
	}
	browsertest.Screenshot(t, ctx, "journal-filtre")
	checkFit(t, ctx, e, 1280, true)
	checkFit(t, ctx, e, 1024, false)
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// checkFit visits the console's pages at a window width: the menu stays on
// one line and, when tables is set, no table needs its scroll bar.
func checkFit(t *testing.T, ctx context.Context, e *env, width int64, tables bool) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
	for _, path := range []string{"/console/", "/console/ecoles", "/console/transferts", "/console/suspendus",
		"/console/rejets", "/console/nuits", "/console/verifications", "/console/comptes", "/console/contenus", "/console/journal"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s at %d px: %v", path, width, err)
		}
		navLines, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Set([...document.querySelectorAll('.console-nav li')]
			.map(li => li.getBoundingClientRect().top)).size`))
		if err != nil {
			t.Fatal(err)
		}
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.table-scroll')]
			.filter(d => d.scrollWidth > d.clientWidth + 1).length`))
		if err != nil {
			t.Fatal(err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide {
			t.Errorf("%s at %d px: the page is wider than the window", path, width)
		}
		if navLines != 1 {
			t.Errorf("%s at %d px: the menu takes %d lines", path, width, navLines)
		}
		if tables && overflow != 0 {
			t.Errorf("%s at %d px: %d tables wider than the page", path, width, overflow)
		}
		if path == "/console/nuits" || path == "/console/suspendus" {
			browsertest.Screenshot(t, ctx, strings.TrimPrefix(path, "/console/")+"-"+strconv.FormatInt(width, 10))
		}
	}
}
