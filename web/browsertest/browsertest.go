// Package browsertest starts a headless Chromium for tests that drive real
// pages with chromedp: the scripts, the Content-Security-Policy and the forms
// behave there as they will for the people using Passerelle.
//
//	func TestSignIn(t *testing.T) {
//		ctx := browsertest.New(t)
//		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
//			t.Fatal(err)
//		}
//		browsertest.Screenshot(t, ctx, "accueil")
//	}
//
// Without a browser the test is skipped, unless the environment variable CI
// is set: a CI run must not pass by skipping.
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds a whole browser test: when it is over the browser stops
// and every later action fails, so a stuck page fails the test instead of
// hanging until go test's own timeout.
var Timeout = 60 * time.Second

// findBrowser returns the Chromium to use, or "".
func findBrowser() string {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for the test and returns a chromedp
// context with one tab. The browser, its temporary profile and the context
// end with the test. Console errors and uncaught exceptions of the pages are
// written to the test's log, and ConsoleErrors returns them.
func New(t testing.TB) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		const msg = "browsertest: Chromium not found (looked for /usr/bin/chromium, chromium and " +
			"chromium-browser in PATH, and $CHROME_PATH); install it with apt-get install chromium"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	profile, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // containers and root: the sandbox cannot start there
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is tiny in containers
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		// No keyring prompt and no wait for a desktop password store.
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("hide-scrollbars", true), // stable screenshots
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(profile),
	}

	logs := &console{t: t}
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx = context.WithValue(ctx, consoleKey{}, logs)
	t.Cleanup(func() {
		logs.stop()
		cancelCtx()
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
		removeProfile(t, profile)
	})

	// Start now, so that a browser that cannot start fails here with a
	// clear message rather than in the test's first action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			logs.add(m)
		}
	}()
	return ctx
}

// removeProfile deletes the browser's profile folder. Chromium's helper
// processes may still write there for a moment after the browser exits.
func removeProfile(t testing.TB, dir string) {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("browsertest: removing %s: %v", dir, err)
}

type consoleKey struct{}

// console collects a page's errors; it stops logging when the test ends,
// since testing.T must not be used after that.
type console struct {
	t       testing.TB
	mu      sync.Mutex
	stopped bool
	errors  []string
}

func (c *console) add(m chromedp.ConsoleMessage) {
	if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
		return
	}
	// Browsers ask for /favicon.ico on their own; its 404 is no page error.
	if strings.HasSuffix(m.URL, "/favicon.ico") {
		return
	}
	line := m.String()
	if m.URL != "" {
		line += " (" + m.URL + ")"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.errors = append(c.errors, line)
	c.t.Logf("browser console: %s", line)
}

func (c *console) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
}

// ConsoleErrors returns the console errors and uncaught exceptions seen so
// far in the browser of ctx, such as "Refused to execute inline script
// because it violates the following Content Security Policy directive". The
// browser reports them asynchronously: check after the page has settled
// (after a WaitVisible, say), not right after a click.
func ConsoleErrors(ctx context.Context) []string {
	c, _ := ctx.Value(consoleKey{}).(*console)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

// Screenshot saves a full-page PNG of the current page to
// <repository root>/screenshots/<TestName>-<name>.png, for people to look at
// the pages the tests drive. A failure to save fails the test.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
	dir := filepath.Join(root, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
	file := filepath.Join(dir, fileName(t.Name())+"-"+fileName(name)+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatalf("browsertest: screenshot %q: %v", name, err)
	}
	t.Logf("browsertest: screenshot %s", file)
}

// repoRoot walks up from the working directory (the package's folder under
// go test) to the folder that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// fileName makes a test or shot name safe as a file name: subtests have
// slashes, and table names may have spaces or accents.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
