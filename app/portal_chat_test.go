package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// portalEnv is a web environment with one tenant and its signed-in owner.
type portalEnv struct {
	*webEnv
	tn store.Tenant
	c  *client
}

func newPortalEnv(t *testing.T, st *store.Store, cfg store.TenantConfig) portalEnv {
	t.Helper()
	e := newWebEnv(t, st)
	tn := store.Tenant{Name: "Salon Neema", PhoneNumber: "+255712345678"}
	if cfg.TemplateType == "" {
		cfg.TemplateType = "booking"
	}
	if err := st.CreateTenant(context.Background(), &tn, cfg); err != nil {
		t.Fatal(err)
	}
	e.user(store.RoleTenant, "owner@example.com", "owner-password-1", tn.ID)
	c := e.client()
	c.portalLogin("owner@example.com", "owner-password-1")
	return portalEnv{webEnv: e, tn: tn, c: c}
}

// logRow commits one message of the tenant directly to the store.
func (p portalEnv) logRow(t *testing.T, m store.MessageLog) store.MessageLog {
	t.Helper()
	m.TenantID = p.tn.ID
	if m.Status == "" {
		m.Status = store.StatusReceived
		if m.Direction == store.DirOut {
			m.Status = store.StatusSent
		}
	}
	if m.Source == "" {
		m.Source = store.SourceCustomer
		if m.Direction == store.DirOut {
			m.Source = store.SourceBot
		}
	}
	if m.WAMessageID == "" {
		m.WAMessageID = fmt.Sprintf("wa-%d", time.Now().UnixNano())
	}
	if err := p.st.Commit(context.Background(), store.Op{Insert: &m}); err != nil {
		t.Fatal(err)
	}
	return m
}

func jid(n int) string { return fmt.Sprintf("2547000%05d@s.whatsapp.net", n) }

// The conversation list: newest activity first, search by number (local
// or international spelling) and by text, pages, escaping; the chat view
// with every kind of message and status, older pages, odd chat ids in
// URLs, and 404 for chats that do not exist.
func TestPortalConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		p := newPortalEnv(t, st, store.TenantConfig{})
		c := p.c

		if r := c.get("/portal/conversations"); r.status != http.StatusOK || !strings.Contains(r.body, views.T("en", "conv.none")) {
			t.Fatalf("empty list: %d %s", r.status, r.body)
		}

		odd := "x/y?z#1 %@g.us" // not a real JID: every escaping problem at once
		p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: jid(1), MessageText: "Hello"})
		p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: jid(2), MessageText: "How much is delivery?"})
		p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: odd, MessageText: xssMessage})
		p.logRow(t, store.MessageLog{Direction: store.DirOut, Chat: jid(1), MessageText: "Karibu!", Source: store.SourceBot})

		r := c.get("/portal/conversations")
		if r.status != http.StatusOK {
			t.Fatalf("list: %d", r.status)
		}
		order := regexp.MustCompile(`class="chat-number mono">([^<]+)<`).FindAllStringSubmatch(r.body, -1)
		if len(order) != 3 || order[0][1] != "+254700000001" || order[1][1] != odd || order[2][1] != "+254700000002" {
			t.Fatalf("order: %q", order)
		}
		if strings.Contains(r.body, xssMessage) || !strings.Contains(r.body, "&lt;script&gt;") {
			t.Fatal("message text not escaped in the list")
		}
		if !strings.Contains(r.body, `href="`+views.ChatURL(odd)+`"`) || !strings.Contains(views.ChatURL(odd), "x%2Fy%3Fz%231%20%25@g.us") {
			t.Fatalf("odd chat link %s not in %s", views.ChatURL(odd), r.body)
		}

		// Search by number, local spelling, and by text.
		for q, want := range map[string]string{"0700 000 002": "+254700000002", "+254700000001": "+254700000001", "DELIVERY": "+254700000002"} {
			r := c.get("/portal/conversations?q="+url.QueryEscape(q), "HX-Request", "true")
			got := regexp.MustCompile(`class="chat-number mono">([^<]+)<`).FindAllStringSubmatch(r.body, -1)
			if r.status != http.StatusOK || len(got) != 1 || got[0][1] != want || strings.Contains(r.body, "<html") {
				t.Errorf("search %q: %d %q", q, r.status, got)
			}
		}
		if r := c.get("/portal/conversations?q=nothing+like+this"); !strings.Contains(r.body, views.T("en", "conv.nomatch")) {
			t.Error("no-match message")
		}

		// The odd chat opens; its message is text.
		r = c.get(views.ChatURL(odd))
		if r.status != http.StatusOK || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(r.body, xssMessage) {
			t.Fatalf("odd chat: %d", r.status)
		}
		for _, path := range []string{views.ChatURL("nobody@s.whatsapp.net"), "/portal/conversations/%25zz", views.ChatURL(strings.Repeat("9", 300))} {
			if r := c.get(path); r.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, r.status)
			}
		}

		// Every kind of message and status in a chat.
		ch := jid(3)
		in := p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: ch, MessageText: "Nataka miadi"})
		p.logRow(t, store.MessageLog{Direction: store.DirOut, Chat: ch, MessageText: "bot reply", Source: store.SourceBot, ReplyTo: &in.ID})
		p.logRow(t, store.MessageLog{Direction: store.DirOut, Chat: ch, MessageText: "failed reply", Source: store.SourceBot, Status: store.StatusFailed, Error: "not connected"})
		p.logRow(t, store.MessageLog{Direction: store.DirOut, Chat: ch, MessageText: "held back", Source: store.SourceBot, Status: store.StatusSuppressed})
		p.logRow(t, store.MessageLog{Direction: store.DirOut, Chat: ch, MessageText: "slow down please", Source: store.SourceSystem})
		p.logRow(t, store.MessageLog{Direction: store.DirOut, Chat: ch, MessageText: "from the api", Source: store.SourceAPI})
		p.logRow(t, store.MessageLog{Direction: store.DirOut, Chat: ch, MessageText: "owner here", Source: store.SourceHuman})
		p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: ch, MessageText: "ok?", Status: store.StatusSkipped})
		r = c.get(views.ChatURL(ch))
		for _, want := range []string{
			`class="msg in src-customer"`, `class="msg out src-bot"`, `class="msg out src-system"`, `class="msg out src-api"`, `class="msg out src-human"`,
			`data-status="failed">not sent<`, `class="msg-error">not connected<`, `data-status="suppressed"`, `data-status="skipped">bot stayed silent<`,
			`data-status="sent">sent<`, `data-state="auto"`, `sse-connect="` + views.ChatURL(ch, "events") + `?after=`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("chat view lacks %s", want)
			}
		}
		if i, j := strings.Index(r.body, "Nataka miadi"), strings.Index(r.body, "owner here"); i < 0 || j < i {
			t.Error("messages are not oldest first")
		}

		// Older messages: pages of 50, as a fragment for htmx.
		long := jid(4)
		for i := range 60 {
			p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: long, MessageText: fmt.Sprintf("message %02d", i)})
		}
		r = c.get(views.ChatURL(long))
		if strings.Count(r.body, `class="msg in`) != 50 || strings.Contains(r.body, "message 09<") || !strings.Contains(r.body, "message 10<") {
			t.Fatalf("first page of the chat: %d messages", strings.Count(r.body, `class="msg in`))
		}
		m := regexp.MustCompile(`hx-get="([^"]+part=older[^"]*)"`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no older button")
		}
		older := c.get(strings.ReplaceAll(m[1], "&amp;", "&"), "HX-Request", "true")
		if strings.Count(older.body, `class="msg in`) != 10 || !strings.Contains(older.body, "message 00<") || strings.Contains(older.body, "<html") ||
			!strings.Contains(older.body, `id="older-slot"`) || strings.Contains(older.body, `id="older-messages"`) {
			t.Fatalf("older fragment: %s", older.body)
		}
		if r := c.get(strings.ReplaceAll(strings.ReplaceAll(m[1], "&amp;", "&"), "&part=older", "")); !strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="newest-messages"`) || strings.Contains(r.body, "sse-connect") {
			t.Fatal("older page without JavaScript")
		}

		// List pages: 30 chats a page.
		for i := 10; i < 40; i++ {
			p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: jid(i), MessageText: "hi"})
		}
		r = c.get("/portal/conversations")
		if n := strings.Count(r.body, `class="chat-item"`); n != portalChatsPerPage || !strings.Contains(r.body, `id="older-chats"`) {
			t.Fatalf("first page: %d chats", n)
		}
		m = regexp.MustCompile(`id="older-chats" href="([^"]+)"`).FindStringSubmatch(r.body)
		r = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if n := strings.Count(r.body, `class="chat-item"`); n != 35-portalChatsPerPage || strings.Contains(r.body, `id="older-chats"`) || strings.Contains(r.body, "sse-connect") {
			t.Fatalf("second page: %d chats", n)
		}
	})
}

// Pausing and resuming a chat, with and without JavaScript, is stored,
// audited and shown; a bad CSRF token changes nothing.
func TestPortalChatPause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		p := newPortalEnv(t, st, store.TenantConfig{})
		c := p.c
		ch := jid(1)
		p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: ch, MessageText: "Hello"})
		ctx := context.Background()
		paused := func() bool {
			got, err := st.GetChat(ctx, p.tn.ID, ch)
			if err != nil {
				t.Fatal(err)
			}
			return got.Paused
		}
		c.get(views.ChatURL(ch))
		if r := c.post(views.ChatURL(ch, "pause"), url.Values{"csrf_token": {"forged"}}); r.status != http.StatusForbidden || paused() {
			t.Fatalf("forged pause: %d", r.status)
		}
		r := c.post(views.ChatURL(ch, "pause"), nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != views.ChatURL(ch) || !paused() {
			t.Fatalf("pause: %d %q", r.status, r.header.Get("Location"))
		}
		if r := c.get(views.ChatURL(ch)); !strings.Contains(r.body, `data-state="paused"`) || !strings.Contains(r.body, `id="chat-resume"`) {
			t.Fatal("paused chat does not say so")
		}
		if r := c.get("/portal/conversations"); !strings.Contains(r.body, "chat-paused") {
			t.Fatal("the list does not mark the paused chat")
		}
		r = c.post(views.ChatURL(ch, "resume"), nil, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="chat-control"`) || !strings.Contains(r.body, `data-state="on"`) ||
			!strings.Contains(r.body, views.T("en", "chat.resumed")) || strings.Contains(r.body, "<html") || paused() {
			t.Fatalf("resume: %d %s", r.status, r.body)
		}
		entries, err := st.ListAudit(ctx, store.ListAuditOptions{TenantID: p.tn.ID, Action: "chat."})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "chat.resume" || entries[1].Action != "chat.pause" || entries[0].ActorEmail != "owner@example.com" ||
			!strings.Contains(entries[1].Detail, ch) {
			t.Fatalf("audit: %+v", entries)
		}
		if r := c.post(views.ChatURL("nobody@s.whatsapp.net", "pause"), nil); r.status != http.StatusNotFound {
			t.Fatalf("pause of an unknown chat: %d", r.status)
		}
	})
}

// The whole handoff on the simulated network, watched through the portal's
// live streams: a customer message moves its chat to the top of the list
// and appears in the chat; paused, the next message is logged as skipped
// and gets no reply; resumed, the next one is answered. The owner writing
// from the phone shows as "You" and pauses the bot by itself.
func TestPortalChatLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		p := newPortalEnv(t, st, store.TenantConfig{BusinessName: "Salon Neema"})
		c := p.c
		ctx := context.Background()
		sup, network := p.rt.sup, p.rt.sim
		if err := sup.Start(ctx, p.tn.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a QR code", 10*time.Second, func() bool { return p.session(t, p.tn.ID).State == store.SessionQRReady })
		if _, err := network.Scan(p.tn.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "connected", 10*time.Second, func() bool { return p.session(t, p.tn.ID).State == store.SessionConnected })

		other := jid(9)
		p.logRow(t, store.MessageLog{Direction: store.DirIn, Chat: other, MessageText: "older chat"})
		list := c.stream(t, "/portal/conversations/events")
		await(t, list, "the first list", func(ev sseEvent) bool { return ev.name == "chats" && strings.Contains(ev.data, "+254700000009") })

		ch := jid(1)
		deliver := func(text string) {
			network.Deliver(p.tn.ID, tenant.Inbound{Chat: ch, Sender: ch, Text: text})
		}
		deliver("Hello there")
		ev := await(t, list, "the new chat on top", func(ev sseEvent) bool {
			return ev.name == "chats" && strings.Contains(ev.data, "+254700000001")
		})
		if i, j := strings.Index(ev.data, "+254700000001"), strings.Index(ev.data, "+254700000009"); i < 0 || j < 0 || i > j || !strings.Contains(ev.data, `id="chat-list" hx-swap-oob="true"`) {
			t.Fatalf("list event: %s", ev.data)
		}
		reply := waitReply(t, st, p.tn.ID, ch, 1)

		// The chat's own stream, from the newest message shown.
		thread := c.stream(t, views.ChatURL(ch, "events")+fmt.Sprintf("?after=%d", reply.ID))
		if r := c.post(views.ChatURL(ch, "pause"), nil, "HX-Request", "true"); r.status != http.StatusOK || !strings.Contains(r.body, `data-state="paused"`) {
			t.Fatalf("pause: %d %s", r.status, r.body)
		}
		deliver("Are you there?")
		var seen strings.Builder
		await(t, thread, "the skipped message", func(ev sseEvent) bool {
			seen.WriteString(ev.data)
			return strings.Contains(seen.String(), "Are you there?") && strings.Contains(seen.String(), `data-status="skipped"`)
		})
		if !strings.Contains(seen.String(), `beforeend:#chat-messages`) || !strings.Contains(seen.String(), `id="chat-control" hx-swap-oob="true"`) {
			t.Fatalf("thread event: %s", seen.String())
		}
		skipped := waitIn(t, st, p.tn.ID, ch, "Are you there?")
		waitFor(t, "the message marked skipped", 10*time.Second, func() bool {
			m, err := st.GetLog(ctx, p.tn.ID, skipped.ID)
			return err == nil && m.Status == store.StatusSkipped
		})
		assertNoReply(t, st, p.tn.ID, ch, skipped.ID)

		if r := c.post(views.ChatURL(ch, "resume"), nil, "HX-Request", "true"); r.status != http.StatusOK {
			t.Fatalf("resume: %d", r.status)
		}
		deliver("What time do you open?")
		waitReply(t, st, p.tn.ID, ch, 2)

		// The owner answers from the phone: "You", and the bot pauses by
		// itself for the next message.
		network.Deliver(p.tn.ID, tenant.Inbound{Chat: ch, Sender: "255712345678@s.whatsapp.net", Text: "I'll call you", FromMe: true})
		seen.Reset()
		await(t, thread, "the owner's message", func(ev sseEvent) bool {
			seen.WriteString(ev.data)
			return strings.Contains(seen.String(), "I&#39;ll call you") && strings.Contains(seen.String(), `class="msg out src-human"`)
		})
		deliver("Thanks")
		seen.Reset()
		await(t, thread, "the automatic pause", func(ev sseEvent) bool {
			seen.WriteString(ev.data)
			return strings.Contains(seen.String(), `data-state="auto"`)
		})
	})
}

// waitIn waits for the customer message text in chat.
func waitIn(t *testing.T, st *store.Store, tenantID, chat, text string) store.MessageLog {
	t.Helper()
	var found store.MessageLog
	waitFor(t, "the customer message "+text, 10*time.Second, func() bool {
		rows, err := st.ListLogs(context.Background(), tenantID, store.ListLogsOptions{Chat: chat, Direction: store.DirIn, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rows {
			if m.MessageText == text {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// waitReply waits until chat has n bot replies marked sent and returns the
// newest.
func waitReply(t *testing.T, st *store.Store, tenantID, chat string, n int) store.MessageLog {
	t.Helper()
	var newest store.MessageLog
	waitFor(t, fmt.Sprintf("%d bot replies sent", n), 10*time.Second, func() bool {
		rows, err := st.ListLogs(context.Background(), tenantID, store.ListLogsOptions{Chat: chat, Direction: store.DirOut, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for i, m := range rows {
			if m.Source == store.SourceBot && m.Status == store.StatusSent {
				if count == 0 {
					newest = rows[i]
				}
				count++
			}
		}
		return count >= n
	})
	return newest
}

// assertNoReply checks that no OUT row answers the message with id in.
func assertNoReply(t *testing.T, st *store.Store, tenantID, chat string, in int64) {
	t.Helper()
	rows, err := st.ListLogs(context.Background(), tenantID, store.ListLogsOptions{Chat: chat, Direction: store.DirOut, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rows {
		if m.ID > in || m.ReplyTo != nil && *m.ReplyTo == in {
			t.Fatalf("the paused chat got a reply: %+v", m)
		}
	}
}
