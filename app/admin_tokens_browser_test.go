package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// TestBrowserTokens creates a token on the admin tokens page in Chromium,
// checks it is shown once and works, revokes it, and saves screenshots.
func TestBrowserTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t)
	e := newWebEnv(t, storetest.SQLite(t))
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	defer b.check()

	b.do("open the sign-in page", chromedp.Navigate(e.url+"/admin/tokens"))
	b.until("the sign-in form", `document.querySelector('#login-panel')`)
	b.do("sign in",
		chromedp.SendKeys(chromedp.ID("email"), "ops@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"),
		chromedp.Click(chromedp.ID("sign-in")),
	)
	b.until("the tokens page", `document.querySelector('#tokens-panel') && location.pathname === '/admin/tokens'`)
	b.ready("tokens page")
	if n := eval[int](b, `document.querySelectorAll('.nav a[aria-current="page"][href="/admin/tokens"]').length`); n != 1 {
		t.Fatalf("nav entry for API tokens active: %d", n)
	}
	b.do("create a token",
		chromedp.SendKeys(chromedp.ID("token-name"), "CRM <sync>"),
		chromedp.Click(chromedp.ID("create-token")),
	)
	b.until("the new token", `document.querySelector('#new-token')`)
	b.ready("token created")
	token := eval[string](b, `document.querySelector('#new-token').value`)
	if !wellFormedToken(token) {
		t.Fatalf("shown token %q", token)
	}
	if got := b.text("#token-rows td.name"); got != "CRM <sync>" {
		t.Fatalf("name shows as %q", got)
	}
	b.screenshots("admin-tokens-created")
	e.apiDo("GET", apiPrefix+"/tenants", token, nil).want(t, "the token works", 200)

	b.do("revoke it", chromedp.Click(`#token-rows button.danger`))
	b.until("the revoked notice", `document.body.textContent.includes('Token revoked')`)
	b.ready("token revoked")
	if strings.Contains(eval[string](b, `document.body.innerHTML`), token) {
		t.Fatal("the token is still on the page after reloading")
	}
	b.screenshots("admin-tokens-revoked")
	e.apiDo("GET", apiPrefix+"/tenants", token, nil).wantErr(t, "revoked", 401, "unauthorized")
}
