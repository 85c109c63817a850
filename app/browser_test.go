package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// Browser tests drive the dashboard in headless Chromium: every page is
// real HTML, htmx and SSE under the real Content-Security-Policy.
// FLOWHQ_CHROMIUM names the browser binary (CI sets it); otherwise the
// usual names are looked up on PATH. Screenshots of the main pages at
// 1280 and 390 pixels wide go to artifacts/ at the repository root.

// chromiumPath finds a Chromium or Chrome binary, or returns "".
func chromiumPath() string {
	if p := os.Getenv("FLOWHQ_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium tab with watchers for JavaScript
// dialogs and console errors.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	dialogs  []string
	problems []string // exceptions and Content-Security-Policy violations
	navs     []string // pages loaded, for failure reports
}

func newBrowser(t *testing.T) *browser {
	path := chromiumPath()
	if path == "" {
		t.Skip("browser tests skipped: no Chromium found (set FLOWHQ_CHROMIUM to its path, or install the chromium package)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium %s: %v", path, err)
	}
	// Any dialog is a failure (the XSS probes would open one); dismiss it
	// so the page does not block.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	navigations := chromedp.Events(ctx, page.FrameNavigated)
	go func() {
		for ev, err := range navigations {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.navs = append(b.navs, ev.Frame.URL)
			b.mu.Unlock()
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			text := m.String()
			if m.IsException() || strings.Contains(text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, text)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs steps with a time limit.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// until polls a JavaScript condition from Go (the page's CSP forbids the
// eval that chromedp's in-page polling needs).
func (b *browser) until(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('main') ? document.querySelector('main').innerText.slice(0, 3000) : document.body.innerText`))
			b.t.Fatalf("timed out waiting for %s (%s), err %v; page text:\n%s", what, expr, err, html)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// ready waits until the page has loaded and htmx has processed it, so a
// click goes through htmx rather than a plain form submission.
func (b *browser) ready(what string) {
	b.t.Helper()
	b.until(what+" ready", `document.readyState === 'complete' && window.htmx && document.body.getAttribute('hx-ext') === 'sse'`)
}

// text returns the text of the first element matching a CSS selector.
func (b *browser) text(css string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {textContent: "<missing>"}).textContent.trim()`, css))
}

// markPage sets a marker in the page's JavaScript state; stillSamePage
// proves that no navigation or reload happened since.
func (b *browser) markPage() {
	b.t.Helper()
	eval[chromedp.Void](b, `window.__flowhqMarker = "kept"`)
}

func (b *browser) stillSamePage(what string) {
	b.t.Helper()
	if got := eval[string](b, `window.__flowhqMarker || "reloaded"`); got != "kept" {
		b.t.Fatalf("%s: the page was reloaded", what)
	}
}

// artifactsDir is artifacts/ at the repository root.
func artifactsDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshots saves the current page at laptop and phone widths.
func (b *browser) screenshots(name string) {
	b.t.Helper()
	dir := artifactsDir(b.t)
	for _, w := range []struct {
		width, height int64
		mobile        bool
	}{{1280, 900, false}, {390, 844, true}} {
		steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(w.width, w.height)}
		if w.mobile {
			steps = []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(w.width, w.height, chromedp.EmulateMobile, chromedp.EmulateScale(2))}
		}
		b.do("resize to "+fmt.Sprint(w.width), steps...)
		time.Sleep(100 * time.Millisecond) // let the layout settle
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w.width))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		// The page must not scroll sideways on a phone: wide tables scroll
		// inside their own box.
		if w.mobile {
			if over := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				b.t.Errorf("%s at %dpx is %dpx wider than the screen", name, w.width, over)
			}
		}
	}
	b.do("resize back", chromedp.EmulateViewport(1280, 900))
}

func (b *browser) check() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.t.Failed() {
		b.t.Logf("pages loaded: %q", b.navs)
	}
	if len(b.dialogs) > 0 {
		b.t.Errorf("JavaScript dialogs opened: %q", b.dialogs)
	}
	if len(b.problems) > 0 {
		b.t.Errorf("console errors: %q", b.problems)
	}
}

// The operator's whole session in a real browser: sign in, create a
// tenant whose name is markup, start it, watch the QR code, link the
// simulated phone and see CONNECTED without a reload, deliver a customer
// message whose text is a script and see both log rows arrive live, try
// the bot, force restart, watch the tenant list update live, sign out. No
// dialog ever opens and the CSP is never violated.
func TestBrowserDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t)
	e := newWebEnv(t, storetest.SQLite(t))
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	defer b.check()
	start := time.Now()

	// Sign in.
	b.do("open the sign-in page", chromedp.Navigate(e.url+"/admin"))
	b.until("the sign-in form", `document.querySelector('#login-panel')`)
	b.ready("sign-in page")
	b.screenshots("login")
	b.do("sign in",
		chromedp.SendKeys(chromedp.ID("email"), "ops@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"),
		chromedp.Click(chromedp.ID("sign-in")),
	)
	b.until("the overview", `document.querySelector('#overview-panel') && location.pathname === '/admin'`)
	b.ready("overview")

	// Create a tenant whose name is markup.
	b.do("open the new tenant form", chromedp.Navigate(e.url+"/admin/tenants/new"))
	b.until("the form", `document.querySelector('#tenant-form-panel')`)
	b.ready("tenant form")
	b.do("submit an invalid form",
		chromedp.SendKeys(chromedp.ID("phone"), "12"),
		chromedp.Click(chromedp.ID("save-tenant")),
	)
	b.until("field messages", `document.querySelector('#err-name') && document.querySelector('#err-phone')`)
	b.screenshots("tenant-form")
	eval[chromedp.Void](b, `document.querySelector('#phone').value = ''`)
	b.do("fill in the form",
		chromedp.SendKeys(chromedp.ID("name"), xssName),
		chromedp.SendKeys(chromedp.ID("phone"), "+255 712 345 678"),
		chromedp.SendKeys(chromedp.ID("business"), "Salon Neema"),
		chromedp.Click(chromedp.ID("save-tenant")),
	)
	b.until("the tenant page", `document.querySelector('#tenant-name')`)
	b.ready("tenant page")
	if got := b.text("#tenant-name"); got != xssName {
		t.Fatalf("tenant name shows as %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll('img[src="x"]').length`); n != 0 {
		t.Fatal("the tenant name became an <img> element")
	}
	id := strings.TrimPrefix(eval[string](b, `location.pathname`), "/admin/tenants/")

	// Start the worker and see the QR code arrive live.
	b.markPage()
	b.do("start the worker", chromedp.Click(chromedp.ID("worker-start")))
	b.until("RUNNING", `document.querySelector('#worker-state').textContent === 'RUNNING'`)
	b.until("the QR code", `document.querySelector('#qr-image') && document.querySelector('#qr-image').naturalWidth > 0`)
	b.stillSamePage("QR code")

	// Simulate the scan: the state panel turns CONNECTED by itself.
	b.do("simulate the scan", chromedp.Click(chromedp.ID("sim-scan")))
	b.until("CONNECTED", `document.querySelector('#session-state').textContent === 'CONNECTED'`)
	b.stillSamePage("scan")

	// A customer message that is a script: both rows arrive live, as text.
	b.do("send a customer message",
		chromedp.SendKeys(chromedp.ID("sim-text"), xssMessage),
		chromedp.Click(chromedp.ID("sim-send")),
	)
	b.until("the IN row", `[...document.querySelectorAll('#log-rows tr.log-row.in .log-text')].some(td => td.textContent === '<script>alert(1)</script>')`)
	b.until("the OUT row, sent", `[...document.querySelectorAll('#log-rows tr.log-row.out .log-status')].some(s => s.textContent === 'sent')`)
	b.stillSamePage("customer message")
	if n := eval[int](b, `document.querySelectorAll('script').length`); n != 2 {
		t.Fatalf("%d script elements on the page, want htmx and its SSE extension only", n)
	}

	// Try it.
	b.do("try a message",
		chromedp.SendKeys(chromedp.ID("try-text"), "How much is delivery?"),
		chromedp.Click(chromedp.ID("try-send")),
	)
	b.until("the try-it answer", `document.querySelector('.try-intent') && document.querySelector('.try-intent').textContent === 'delivery'`)
	b.until("a fresh try-it form", `document.querySelector('#try-text').value === ''`)
	b.stillSamePage("try it")
	b.screenshots("tenant")

	// Force restart, with its confirmation.
	b.do("ask to force restart", chromedp.Click(chromedp.ID("force-restart")))
	b.until("the confirmation", `document.querySelector('#force-restart-confirm') && document.querySelector('#force-restart-confirm').textContent.includes('unlinks the phone')`)
	b.screenshots("tenant-force-restart")
	b.do("confirm", chromedp.Click(chromedp.ID("confirm-force-restart")))
	b.until("the confirmation closing", `!document.querySelector('#force-restart-confirm')`)
	b.until("a new QR code", `document.querySelector('#session-state').textContent === 'QR_READY' && document.querySelector('#qr-image')`)
	b.stillSamePage("force restart")

	// The tenant list updates live.
	b.do("open the tenant list", chromedp.Navigate(e.url+"/admin/tenants"))
	row := `#tenant-` + id
	b.until("the row", `document.querySelector('`+row+` .tenant-link')`)
	b.ready("tenant list")
	if got := b.text(row + " .tenant-link"); got != xssName {
		t.Fatalf("row name shows as %q", got)
	}
	b.markPage()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.rt.sup.Stop(ctx, id); err != nil {
		t.Fatal(err)
	}
	b.until("the row turning STOPPED", `document.querySelector('`+row+` [data-state=worker]').textContent === 'STOPPED'`)
	b.until("the row turning PAUSED", `document.querySelector('`+row+` td:nth-child(2)').textContent.trim() === 'PAUSED'`)
	b.stillSamePage("tenant list")
	b.screenshots("tenants")

	// The overview and the audit log.
	b.do("open the overview", chromedp.Navigate(e.url+"/admin"))
	b.until("the chart", `document.querySelector('#hourly-chart rect')`)
	b.screenshots("overview")
	b.do("open the audit log", chromedp.Navigate(e.url+"/admin/audit"))
	b.until("audit rows", `document.querySelectorAll('#audit-rows tr').length >= 6`)
	b.ready("audit log")
	if got := eval[string](b, `document.querySelector('#audit-rows').textContent`); !strings.Contains(got, "worker.force_restart") || !strings.Contains(got, xssName) {
		t.Fatalf("audit log: %s", got)
	}
	b.screenshots("audit")

	// Sign out.
	b.do("sign out", chromedp.Click(chromedp.ID("sign-out")))
	b.until("the signed-out page", `document.querySelector('#login-panel') && document.body.textContent.includes('You have been signed out')`)
	b.do("come back", chromedp.Navigate(e.url+"/admin/tenants"))
	b.until("the sign-in page again", `location.pathname === '/admin/login'`)
	t.Logf("browser session took %s", time.Since(start).Round(time.Millisecond))
}
