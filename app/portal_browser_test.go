package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
)

// The business owner's first day in a real browser: request setup, the
// operator approves it, the owner follows the invite link, chooses a
// password and lands in the portal; the phone is linked with the simulated
// scan; a customer's message appears live in Conversations; the owner
// pauses the bot in that chat and the next message gets no reply (checked
// in the store), resumes it and the next one is answered; then edits a
// reply in Settings and sees it in the live preview, in Try it and in the
// bot's next real answer; finally switches the portal to Swahili.
// Screenshots of the portal pages at 390 and 1280 pixels go to artifacts/.
func TestBrowserPortal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t)
	st := storetest.SQLite(t)
	e := newWebEnv(t, st)
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	defer b.check()
	start := time.Now()
	ctx := context.Background()

	// 1. The business asks for an account.
	b.do("open the setup request form", chromedp.Navigate(e.url+"/setup-request"))
	b.until("the form", `document.querySelector('#setup-panel form')`)
	b.ready("setup request form")
	b.do("fill in the setup request",
		chromedp.SendKeys(chromedp.ID("business_name"), "Salon Neema"),
		chromedp.SendKeys(chromedp.ID("contact_name"), "Neema Mushi"),
		chromedp.SendKeys(chromedp.ID("phone"), "+255 712 345 678"),
		chromedp.SendKeys(chromedp.ID("email"), "neema@salon.example"),
	)
	eval[chromedp.Void](b, `(document.querySelector('input[name=template][value=booking]') || {}).checked = true`)
	b.do("send it", chromedp.Click(chromedp.ID("setup-submit")))
	b.until("the thank-you page", `document.querySelector('#setup-thanks')`)

	// 2. The operator approves it and gets the invite link.
	b.do("open the admin sign-in", chromedp.Navigate(e.url+"/admin/login"))
	b.until("the sign-in form", `document.querySelector('#login-panel')`)
	b.ready("admin sign-in")
	b.do("sign in as the operator",
		chromedp.SendKeys(chromedp.ID("email"), "ops@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"),
		chromedp.Click(chromedp.ID("sign-in")),
	)
	b.until("the overview", `location.pathname === '/admin'`)
	b.do("open the setup requests", chromedp.Navigate(e.url+"/admin/setup-requests"))
	b.until("the pending request", `document.querySelector('[id^=approve-]')`)
	b.ready("setup requests")
	b.do("approve", chromedp.Click(chromedp.CSS(`[id^=approve-]`)))
	b.until("the invite link", `document.querySelector('#invite-url') && document.querySelector('#invite-url').value.includes('/invite/')`)
	// The link is built on FLOWHQ_BASE_URL; the test server listens
	// elsewhere.
	invite := eval[string](b, `document.querySelector('#invite-url').value`)
	invite = e.url + invite[strings.Index(invite, "/invite/"):]

	// 3. The owner opens the invite, chooses a password and is in.
	b.do("open the invite", chromedp.Navigate(invite))
	b.until("the invite form", `document.querySelector('#invite-panel #password')`)
	b.ready("invite")
	b.do("choose a password",
		chromedp.SendKeys(chromedp.ID("password"), "neema-password-1"),
		chromedp.SendKeys(chromedp.ID("password2"), "neema-password-1"),
		chromedp.Click(chromedp.ID("invite-submit")),
	)
	b.until("the portal", `location.pathname.startsWith('/portal/')`)
	u, err := st.GetUserByEmail(ctx, "neema@salon.example")
	if err != nil || u.TenantID == nil {
		t.Fatalf("the invited user: %+v %v", u, err)
	}
	tid := *u.TenantID

	// 4. Link the phone with the simulated scan on the Link page.
	waitFor(t, "a QR code", 15*time.Second, func() bool { return e.session(t, tid).State == store.SessionQRReady })
	b.do("open the link page", chromedp.Navigate(e.url+"/portal/link"))
	b.until("the scan button", `document.querySelector('#sim-scan')`)
	b.ready("link page")
	b.do("simulate the scan", chromedp.Click(chromedp.ID("sim-scan")))
	waitFor(t, "connected", 15*time.Second, func() bool { return e.session(t, tid).State == store.SessionConnected })

	// 5. A customer writes: the chat appears live in Conversations.
	b.do("open the conversations", chromedp.Navigate(e.url+"/portal/conversations"))
	b.until("the empty list", `document.querySelector('#chats-empty')`)
	b.ready("conversations")
	b.until("the live stream", `document.querySelector('#chats-live')`)
	b.markPage()
	customer := "254700000001@s.whatsapp.net"
	send := func(text string) store.MessageLog {
		t.Helper()
		e.rt.sim.Deliver(tid, tenant.Inbound{Chat: customer, Sender: customer, Text: text})
		return waitIn(t, st, tid, customer, text)
	}
	send("Habari, nataka kuweka miadi kesho saa nne asubuhi")
	b.until("the chat, live", `[...document.querySelectorAll('#chat-list .chat-number')].some(s => s.textContent === '+254700000001')`)
	b.stillSamePage("a new chat")
	waitReply(t, st, tid, customer, 1)
	b.until("the bot's reply as the last message", `document.querySelector('#chat-list .chat-who') && document.querySelector('#chat-list .chat-who').textContent.startsWith('Bot')`)
	b.screenshots("portal-conversations")

	// 6. The chat: both bubbles; pause the bot.
	b.do("open the chat", chromedp.Click(chromedp.CSS(`#chat-list .chat-link`)))
	b.until("the chat view", `document.querySelector('#chat-messages .msg.in') && document.querySelector('#chat-messages .msg.out.src-bot [data-status=sent]')`)
	b.ready("chat")
	b.until("the chat's live stream", `document.querySelector('#chat-live')`)
	b.markPage()
	b.do("pause the bot", chromedp.Click(chromedp.ID("chat-pause")))
	b.until("paused", `document.querySelector('#bot-state') && document.querySelector('#bot-state').dataset.state === 'paused'`)
	if got, err := st.GetChat(ctx, tid, customer); err != nil || !got.Paused {
		t.Fatalf("chat not paused in the store: %+v %v", got, err)
	}

	// The next message arrives live, marked "bot stayed silent", and has
	// no reply.
	skipped := send("Are you there?")
	b.until("the skipped message, live", `[...document.querySelectorAll('#chat-messages .msg.in')].some(m => m.textContent.includes('Are you there?') && m.querySelector('[data-status=skipped]'))`)
	b.stillSamePage("paused message")
	waitFor(t, "the message marked skipped", 10*time.Second, func() bool {
		m, err := st.GetLog(ctx, tid, skipped.ID)
		return err == nil && m.Status == store.StatusSkipped
	})
	assertNoReply(t, st, tid, customer, skipped.ID)
	b.screenshots("portal-chat-paused")

	// 7. Resume: the next message is answered, live.
	b.do("resume the bot", chromedp.Click(chromedp.ID("chat-resume")))
	b.until("on again", `document.querySelector('#bot-state').dataset.state === 'on'`)
	send("What time do you open?")
	waitReply(t, st, tid, customer, 2)
	b.until("the new reply, live", `document.querySelectorAll('#chat-messages .msg.out.src-bot [data-status=sent]').length === 2`)
	b.stillSamePage("resumed chat")
	b.screenshots("portal-chat")

	// 8. Settings: a reply of their own, previewed as typed, then saved.
	b.do("open the settings", chromedp.Navigate(e.url+"/portal/settings"))
	b.until("the settings form", `document.querySelector('#settings-form')`)
	b.ready("settings")
	if got := eval[string](b, `document.querySelector('#rate-limit').textContent.trim()`); !strings.HasPrefix(got, "at most") {
		t.Fatalf("rate limit shows %q", got)
	}
	b.markPage()
	b.do("open the opening hours reply", chromedp.Click(chromedp.CSS(`#override-hours summary`)))
	b.do("type a reply", chromedp.SendKeys(chromedp.ID("override-hours-en"), "{business} is open 8am to 6pm, Monday to Saturday."))
	b.until("the live preview", `document.querySelector('#preview-hours-en .preview-reply') && document.querySelector('#preview-hours-en .preview-reply').textContent.includes('Salon Neema is open 8am to 6pm')`)
	b.stillSamePage("preview")
	b.screenshots("portal-settings")
	b.do("save", chromedp.Click(chromedp.ID("save-settings")))
	b.until("saved", `location.search.includes('saved=1') && document.querySelector('.notice.ok')`)
	cfg, err := st.GetTenantConfig(ctx, tid)
	if err != nil || cfg.ReplyOverrides["hours"]["en"] != "{business} is open 8am to 6pm, Monday to Saturday." {
		t.Fatalf("saved overrides: %+v %v", cfg.ReplyOverrides, err)
	}

	// 9. Try it shows the new reply, and so does the real bot.
	b.do("open try it", chromedp.Navigate(e.url+"/portal/try"))
	b.until("the try form", `document.querySelector('#try-text')`)
	b.ready("try it")
	b.do("try the question",
		chromedp.SendKeys(chromedp.ID("try-text"), "What time do you open?"),
		chromedp.Click(chromedp.ID("try-send")),
	)
	b.until("the override in try it", `document.querySelector('#try-chat').textContent.includes('Salon Neema is open 8am to 6pm')`)
	b.screenshots("portal-try")
	send("When are you open?")
	reply := waitReply(t, st, tid, customer, 3)
	if reply.MessageText != "Salon Neema is open 8am to 6pm, Monday to Saturday." {
		t.Fatalf("the bot answered %q", reply.MessageText)
	}

	// 10. In Swahili: the tenant's language setting switches the portal.
	b.do("open the settings", chromedp.Navigate(e.url+"/portal/settings"))
	b.until("the settings form", `document.querySelector('#settings-form')`)
	b.ready("settings")
	b.do("choose Swahili", chromedp.SetValue(chromedp.ID("language"), "sw"), chromedp.Click(chromedp.ID("save-settings")))
	b.until("Swahili", `document.documentElement.lang === 'sw' && location.search.includes('saved=1')`)
	b.do("open the conversations", chromedp.Navigate(e.url+"/portal/conversations"))
	b.until("Mazungumzo", `document.querySelector('#portal-chats h1') && document.querySelector('#portal-chats h1').textContent === 'Mazungumzo'`)
	b.screenshots("portal-conversations-sw")
	b.do("open the chat", chromedp.Click(chromedp.CSS(`#chat-list .chat-link`)))
	b.until("the chat in Swahili", `document.querySelector('#chat-pause') && document.querySelector('#chat-pause').textContent === 'Simamisha boti'`)
	b.screenshots("portal-chat-sw")
	t.Logf("portal browser session took %s", time.Since(start).Round(time.Millisecond))
}
