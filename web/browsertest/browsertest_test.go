package browsertest_test

import (
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"passerelle/web/browsertest"
)

const csp = "default-src 'self'; script-src 'self'; style-src 'self'"

// page serves a page whose button's text is changed by a script from a file,
// as the real pages do; /inline has an inline script that the policy blocks.
func page() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title>
<script src="/click.js" defer></script></head>
<body><h1>Essai</h1><button id="go" type="button">Avant</button><p id="out">rien</p></body></html>`))
	})
	mux.HandleFunc("GET /click.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write([]byte(`document.getElementById("go").addEventListener("click", function () {
  document.getElementById("out").textContent = "Cliqué !";
});`))
	})
	mux.HandleFunc("GET /inline", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html><head><title>Inline</title></head>
<body><p id="p">bloqué</p><script>document.getElementById("p").textContent = "exécuté";</script></body></html>`))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		mux.ServeHTTP(w, r)
	})
}

func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(page())
	defer srv.Close()
	ctx := browsertest.New(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("go")),
	); err != nil {
		t.Fatal(err)
	}
	before, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("out")))
	if err != nil {
		t.Fatal(err)
	}
	if before != "rien" {
		t.Fatalf("text before the click = %q", before)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("go"))); err != nil {
		t.Fatal(err)
	}
	var after string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if after, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("out"))); err != nil {
			t.Fatal(err)
		}
		if after == "Cliqué !" {
			break
		}
	}
	if after != "Cliqué !" {
		t.Fatalf("text after the click = %q, want %q", after, "Cliqué !")
	}
	if errs := browsertest.ConsoleErrors(ctx); len(errs) != 0 {
		t.Errorf("console errors on a clean page: %q", errs)
	}

	browsertest.Screenshot(t, ctx, "après clic")
	file := filepath.Join("..", "..", "screenshots", "TestBrowser-apr_s_clic.png")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 {
		t.Errorf("screenshot is %dx%d, want 1280 wide", b.Dx(), b.Dy())
	}

	// A policy violation is reported, so tests can catch inline scripts.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/inline"), chromedp.WaitVisible(chromedp.ID("p"))); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("p"))); err != nil || got != "bloqué" {
		t.Errorf("inline script ran under the policy: %q, %v", got, err)
	}
	var errs []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if errs = browsertest.ConsoleErrors(ctx); len(errs) > 0 {
			break
		}
	}
	if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "Content Security Policy") {
		t.Errorf("CSP violation not reported: %q", errs)
	}
}
