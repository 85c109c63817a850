package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// TestBrowserWebhooks adds a webhook from the tenant page in Chromium,
// sees its secret, watches an event die against a failing receiver,
// replays it from the dead letters, and saves screenshots of both pages.
func TestBrowserWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t)
	st := storetest.SQLite(t)
	e := newWebEnv(t, st)
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	tn := e.tenant("Salon <i>Neema</i>")
	opts := fastRetries()
	opts.MaxAge = 100 * time.Millisecond
	startDispatcher(t, st, opts)
	rc := newReceiver(t, "whsec_browser_secret_0123456789", func(int, string) string { return "500" })
	defer b.check()

	b.do("open the tenant page", chromedp.Navigate(e.url+"/admin/tenants/"+tn.ID))
	b.until("the sign-in form", `document.querySelector('#login-panel')`)
	b.do("sign in",
		chromedp.SendKeys(chromedp.ID("email"), "ops@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"),
		chromedp.Click(chromedp.ID("sign-in")),
	)
	b.until("the tenant page", `document.querySelector('#tenant-webhooks')`)
	b.do("open the webhooks", chromedp.Click(chromedp.ID("tenant-webhooks")))
	b.until("the webhooks page", `document.querySelector('#webhooks-panel') && document.querySelector('#webhook-form')`)
	b.ready("webhooks page")
	b.screenshots("admin-webhooks-empty")
	b.do("add a webhook",
		chromedp.SendKeys(chromedp.ID("webhook-url"), rc.srv.URL+"/hooks?x=<b>"),
		chromedp.SendKeys(chromedp.ID("webhook-secret"), rc.secret),
		chromedp.Click(chromedp.ID("webhook-add")),
	)
	b.until("the webhook page", `document.querySelector('#webhook-panel')`)
	b.ready("webhook page")
	if got := b.text("#webhook-secret-value"); got != rc.secret {
		t.Fatalf("secret shows as %q", got)
	}
	if got := b.text("#webhook-panel h1"); !strings.HasSuffix(got, "/hooks?x=<b>") {
		t.Fatalf("URL shows as %q", got)
	}

	evs := inbound(t, st, tn.ID, 1)
	waitFor(t, "a dead letter", 30*time.Second, func() bool {
		hooks, _ := st.ListWebhooks(context.Background(), tn.ID)
		if len(hooks) != 1 {
			return false
		}
		c, _ := st.CountWebhookEvents(context.Background(), tn.ID, hooks[0].ID)
		return c.Dead == 1
	})
	b.do("reload", chromedp.Reload())
	b.until("the dead letter", `document.getElementById('dead-`+evs[0]+`')`)
	b.ready("dead letter shown")
	b.screenshots("admin-webhook-dead-letter")
	b.do("replay it", chromedp.Click(`#dead-letters tbody button`))
	b.until("the replay notice", `document.body.textContent.includes('Queued again')`)
	b.ready("replayed")
}
