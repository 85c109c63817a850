package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// Onboarding in a real browser, the public part on a phone-sized screen:
// fill the setup form at 390 px (first with mistakes) → an admin approves
// it and copies the invite link → the invite → choose a password → the
// portal's Status page → the Link page shows the live QR code → the
// simulated scan links the phone. Screenshots at 390 and 1280 px.
func TestBrowserOnboarding(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t)
	e := newWebEnv(t, storetest.SQLite(t))
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	defer b.check()
	start := time.Now()

	// The landing page and the form, on a phone.
	b.do("phone-sized screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.do("open the landing page", chromedp.Navigate(e.url+"/"))
	b.until("the landing page", `document.querySelector('#request-setup')`)
	b.ready("landing page")
	b.screenshots("public")
	b.do("phone-sized screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.do("open the form", chromedp.Click(chromedp.ID("request-setup")))
	b.until("the setup form", `document.querySelector('#setup-panel form')`)
	b.ready("setup form")
	if over := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		t.Fatalf("the form is %dpx wider than a 390px screen", over)
	}
	b.markPage()
	b.do("send it with mistakes",
		chromedp.SendKeys(chromedp.ID("business_name"), "Salon Zuri"),
		chromedp.SendKeys(chromedp.ID("phone"), "0712 34"),
		chromedp.Click(chromedp.ID("setup-submit")),
	)
	b.until("field messages", `document.querySelector('#err-contact_name') && document.querySelector('#err-phone') && document.querySelector('#err-email')`)
	b.stillSamePage("validation")
	b.screenshots("setup-request")
	b.do("phone-sized screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	eval[chromedp.Void](b, `document.querySelector('#phone').value = ''`)
	b.do("correct the form",
		chromedp.SendKeys(chromedp.ID("contact_name"), "Amina Juma"),
		chromedp.SendKeys(chromedp.ID("phone"), "0712 345 678"),
		chromedp.SendKeys(chromedp.ID("email"), "amina@salon.example"),
		chromedp.Click(chromedp.ID("setup-submit")),
	)
	b.until("the thanks", `document.querySelector('#setup-thanks')`)
	b.stillSamePage("submit")
	b.do("back to a laptop screen", chromedp.EmulateViewport(1280, 900))

	// The admin sees the badge, approves and copies the link.
	b.do("admin sign-in", chromedp.Navigate(e.url+"/admin/login"))
	b.until("the sign-in form", `document.querySelector('#login-panel')`)
	b.ready("sign-in page")
	b.do("sign in",
		chromedp.SendKeys(chromedp.ID("email"), "ops@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"),
		chromedp.Click(chromedp.ID("sign-in")),
	)
	b.until("the overview", `location.pathname === '/admin'`)
	b.until("the nav badge", `document.querySelector('#setup-badge') && document.querySelector('#setup-badge').textContent === '1'`)
	b.do("open the setup requests", chromedp.Click(chromedp.ID("nav-setup")))
	b.until("the pending request", `document.querySelector('.setup-card') && document.querySelector('.setup-card').textContent.includes('+255712345678')`)
	b.ready("setup requests")
	b.screenshots("setup-requests")
	b.do("approve", chromedp.Click(chromedp.CSS(`.setup-card button.primary`)))
	b.until("the invite link", `document.querySelector('#invite-url') && document.querySelector('#invite-url').value.includes('/invite/')`)
	b.screenshots("setup-approved")
	// The link is on FLOWHQ_BASE_URL; the test server listens elsewhere.
	invite := eval[string](b, `document.querySelector('#invite-url').value`)
	invite = e.url + invite[strings.Index(invite, "/invite/"):]
	b.do("admin sign-out", chromedp.Click(chromedp.ID("sign-out")))
	b.until("signed out", `document.querySelector('#login-panel')`)

	// The owner opens the invite on the phone, chooses a password and
	// lands on the portal.
	b.do("phone-sized screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.do("open the invite", chromedp.Navigate(invite))
	b.until("the invite form", `document.querySelector('#invite-panel form')`)
	b.ready("invite page")
	b.do("choose a password",
		chromedp.SendKeys(chromedp.ID("password"), "owner-password-1"),
		chromedp.SendKeys(chromedp.ID("password2"), "owner-password-1"),
		chromedp.Click(chromedp.ID("invite-submit")),
	)
	b.until("the Status page", `location.pathname === '/portal/status' && document.querySelector('#portal-state')`)
	b.ready("status page")
	// The request left the language on automatic: the portal speaks English.
	b.until("waiting for the scan", `document.querySelector('#portal-state').textContent === 'Waiting for scan'`)
	b.screenshots("portal-status")

	// Link: the live QR code, then the simulated scan.
	b.do("phone-sized screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.do("open Link", chromedp.Click(chromedp.ID("go-link")))
	b.until("the QR code", `document.querySelector('#qr-image') && document.querySelector('#qr-image').naturalWidth > 0`)
	b.ready("link page")
	b.screenshots("portal-link")
	b.markPage()
	b.do("simulate the scan", chromedp.Click(chromedp.ID("sim-scan")))
	b.until("linked", `document.querySelector('#linked') && document.querySelector('#linked').textContent.includes('+')`)
	b.stillSamePage("scan")
	b.do("back to Status", chromedp.Navigate(e.url+"/portal/status"))
	b.until("connected", `document.querySelector('#portal-state').textContent === 'Connected'`)
	b.screenshots("portal-status-connected")
	t.Logf("onboarding in the browser took %s", time.Since(start).Round(time.Millisecond))
}
