package app

import (
	"bufio"
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
)

const (
	xssName    = `<img src=x onerror=alert(1)>`
	xssMessage = `<script>alert(1)</script>`
)

func adminClient(t *testing.T, e *webEnv) *client {
	t.Helper()
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	c := e.client()
	c.login("ops@example.com", "admin-password-1")
	return c
}

func tenantForm(name, phone string) url.Values {
	return url.Values{"name": {name}, "phone": {phone}, "template": {"booking"}, "business": {"Salon Neema"}, "language": {"auto"}, "rate_limit": {""}}
}

// createTenant submits the form and returns the new tenant's id.
func createTenant(t *testing.T, c *client, name, phone string) string {
	t.Helper()
	r := c.post("/admin/tenants", tenantForm(name, phone))
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/tenants/") {
		t.Fatalf("create %q: %d %s", name, r.status, r.body)
	}
	return strings.TrimPrefix(loc, "/admin/tenants/")
}

func TestTenantFormsValidateAndEscape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		c := adminClient(t, e)
		if r := c.get("/admin/tenants/new"); r.status != http.StatusOK || !strings.Contains(r.body, `name="rate_limit"`) {
			t.Fatalf("new form: %d", r.status)
		}
		// Every field wrong at once: 422 and a message per field.
		bad := url.Values{"name": {""}, "phone": {"0712 345"}, "template": {"bakery"}, "business": {"{Salon}"}, "language": {"fr"}, "rate_limit": {"-1"}}
		r := c.post("/admin/tenants", bad)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid form: %d", r.status)
		}
		for _, want := range []string{"Enter a name.", "international format", "Choose one of the templates", "may not contain { or }", "Choose one of the languages", "whole number from 0"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("invalid form lacks %q", want)
			}
		}
		// 64 KiB of markup in every field: refused with messages, echoed escaped.
		huge := strings.Repeat(xssMessage, 65536/len(xssMessage))
		all := url.Values{"name": {huge}, "phone": {huge}, "template": {huge}, "business": {huge}, "language": {huge}, "rate_limit": {huge}}
		r = c.post("/admin/tenants", all, "HX-Request", "true")
		if r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, xssMessage) || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Fatalf("64 KiB markup: %d, raw script present: %v", r.status, strings.Contains(r.body, xssMessage))
		}
		if !strings.Contains(r.body, "The name is too long") || strings.Contains(r.body, "<html") {
			t.Fatal("htmx re-render is not the form fragment with messages")
		}

		// A valid tenant whose name is markup is stored as text and shown escaped.
		id := createTenant(t, c, xssName, "+255 712-345 678")
		tn, err := st.GetTenant(context.Background(), id)
		if err != nil || tn.Name != xssName || tn.PhoneNumber != "+255712345678" {
			t.Fatalf("stored %+v %v", tn, err)
		}
		for _, p := range []string{"/admin/tenants/" + id, "/admin/tenants", "/admin/tenants/" + id + "/edit", "/admin/tenants/" + id + "/delete", "/admin/audit"} {
			body := c.get(p).body
			if strings.Contains(body, xssName) || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
				t.Errorf("%s does not escape the name", p)
			}
		}
		// The same number twice is a field error.
		r = c.post("/admin/tenants", tenantForm("Other", "+255712345678"))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Another tenant already uses this number") {
			t.Fatalf("duplicate phone: %d", r.status)
		}
	})
}

func TestTenantListEditDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		c := adminClient(t, e)
		var ids []string
		for i := range 27 {
			ids = append(ids, createTenant(t, c, fmt.Sprintf("Shop %02d", i), fmt.Sprintf("+2557000001%02d", i)))
		}
		r := c.get("/admin/tenants")
		if r.status != http.StatusOK || !strings.Contains(r.body, "27 tenants") || !strings.Contains(r.body, "Page 1 of 2") || strings.Count(r.body, `class="tenant-link"`) != 25 {
			t.Fatalf("list page 1: %d, %d rows", r.status, strings.Count(r.body, `class="tenant-link"`))
		}
		if !strings.Contains(r.body, `sse-connect="/admin/tenants/events?ids=`) {
			t.Fatal("list is not live")
		}
		r = c.get("/admin/tenants?page=2", "HX-Request", "true")
		if strings.Count(r.body, `class="tenant-link"`) != 2 || strings.Contains(r.body, "<html") {
			t.Fatalf("page 2 (htmx): %d rows", strings.Count(r.body, `class="tenant-link"`))
		}
		if r := c.get("/admin/tenants?q=shop+05"); strings.Count(r.body, `class="tenant-link"`) != 1 || !strings.Contains(r.body, "1 tenant") {
			t.Fatal("search")
		}
		if r := c.get("/admin/tenants?status=worker:RUNNING"); strings.Count(r.body, `class="tenant-link"`) != 0 {
			t.Fatal("worker filter")
		}
		if r := c.get("/admin/tenants?status=tenant:PENDING&page=99"); !strings.Contains(r.body, "Page 2 of 2") {
			t.Fatal("page past the end is not clamped")
		}

		// Edit.
		id := ids[0]
		if r := c.get("/admin/tenants/" + id + "/edit"); !strings.Contains(r.body, `value="Shop 00"`) {
			t.Fatal("edit form not filled in")
		}
		f := tenantForm("Shop zero", "+255700000100")
		f.Set("template", "support")
		f.Set("rate_limit", "0")
		f.Set("language", "sw")
		if r := c.post("/admin/tenants/"+id, f); r.status != http.StatusSeeOther {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		cfg, _ := st.GetTenantConfig(context.Background(), id)
		tn, _ := st.GetTenant(context.Background(), id)
		if tn.Name != "Shop zero" || cfg.TemplateType != "support" || cfg.Language != "sw" || cfg.RateLimitPerMinute == nil || *cfg.RateLimitPerMinute != 0 {
			t.Fatalf("after update: %+v %+v", tn, cfg)
		}

		// Delete, keeping and removing logs.
		for i, keep := range []bool{true, false} {
			id := ids[1+i]
			if err := st.Commit(context.Background(), store.Op{Insert: &store.MessageLog{TenantID: id, Direction: store.DirIn, Chat: "c", MessageText: "hi"}}); err != nil {
				t.Fatal(err)
			}
			if r := c.get("/admin/tenants/" + id + "/delete"); !strings.Contains(r.body, "Its 1 logged messages") {
				t.Fatalf("delete confirmation: %s", r.body)
			}
			logs := map[bool]string{true: "keep", false: "delete"}[keep]
			r := c.post("/admin/tenants/"+id+"/delete", url.Values{"logs": {logs}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/tenants?deleted=1" {
				t.Fatalf("delete: %d", r.status)
			}
			if _, err := st.GetTenant(context.Background(), id); err == nil {
				t.Fatal("tenant still there")
			}
			n, _ := st.CountLogs(context.Background(), id)
			if (n == 1) != keep {
				t.Fatalf("keep=%v: %d logs left", keep, n)
			}
			if r := c.get("/admin/tenants/" + id); r.status != http.StatusNotFound {
				t.Fatalf("deleted tenant page: %d", r.status)
			}
		}
		// Unknown ids are 404 everywhere.
		for _, rt := range adminRoutes("no-such-tenant") {
			if !strings.Contains(rt.path, "no-such-tenant") || strings.Contains(rt.path, "events?ids") {
				continue
			}
			if r := c.call(rt, nil); r.status != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", rt.method, rt.path, r.status)
			}
		}
		audit, _ := st.ListAudit(context.Background(), store.ListAuditOptions{Action: "tenant."})
		if len(audit) != 27+1+2 {
			t.Fatalf("%d tenant audit entries", len(audit))
		}
	})
}

type sseEvent struct{ name, data string }

// stream opens an SSE stream with the client's cookies and delivers its
// events until the test ends.
func (c *client) stream(t *testing.T, path string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	hc := &http.Client{Jar: c.hc.Jar}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 256)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					select {
					case out <- ev:
					case <-ctx.Done():
						return
					}
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ") + "\n"
			}
		}
	}()
	return out
}

// await reads events until one satisfies ok.
func await(t *testing.T, events <-chan sseEvent, what string, ok func(sseEvent) bool) sseEvent {
	t.Helper()
	timeout := time.After(20 * time.Second)
	var seen []string // the events that did not match, for the failure message
	for {
		select {
		case ev := <-events:
			if ok(ev) {
				return ev
			}
			seen = append(seen, ev.name+": "+ev.data)
		case <-timeout:
			if len(seen) > 3 {
				seen = seen[len(seen)-3:]
			}
			t.Fatalf("no event with %s in 20 s; the last ones:\n%s", what, strings.Join(seen, "\n"))
		}
	}
}

func (e *webEnv) session(t *testing.T, id string) store.WhatsAppSession {
	st, err := e.rt.sup.Status(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Session
}

// The whole flow over HTTP with the simulated network: start, QR, scan,
// a customer message and its reply, try-it, pairing code, force restart,
// stop; every step live on the streams and in the audit log.
func TestTenantWorkflowWithSim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		c := adminClient(t, e)
		id := createTenant(t, c, "Salon Neema", "+255712345678")
		base := "/admin/tenants/" + id
		status := c.stream(t, base+"/events")
		rows := c.stream(t, "/admin/tenants/events?ids="+id)
		tail := c.stream(t, base+"/events?stream=logs&after=0")
		await(t, status, "the initial state", func(ev sseEvent) bool { return ev.name == "update" && strings.Contains(ev.data, "STOPPED") })

		r := c.post(base+"/start", nil, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="tenant-facts"`) || !strings.Contains(r.body, "Worker started") {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		await(t, status, "a QR code", func(ev sseEvent) bool {
			return strings.Contains(ev.data, `id="qr-image" src="data:image/png;base64,`) && strings.Contains(ev.data, `hx-swap-oob="true"`)
		})
		await(t, rows, "the row turning RUNNING", func(ev sseEvent) bool {
			return ev.name == "rows" && strings.Contains(ev.data, `id="tenant-`+id+`" hx-swap-oob="true"`) && strings.Contains(ev.data, "RUNNING")
		})

		r = c.post(base+"/sim/scan", nil, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Linked as +") {
			t.Fatalf("scan: %d %s", r.status, r.body)
		}
		await(t, status, "CONNECTED", func(ev sseEvent) bool {
			return strings.Contains(ev.data, `id="session-state">CONNECTED`)
		})

		r = c.post(base+"/sim/message", url.Values{"from": {"+254 700 000 001"}, "text": {xssMessage}}, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Delivered from +254700000001") {
			t.Fatalf("sim message: %d %s", r.status, r.body)
		}
		// The IN row and the reply arrive live (possibly in one event).
		var seen strings.Builder
		await(t, tail, "the IN row and the reply marked sent", func(ev sseEvent) bool {
			if ev.name == "log" {
				seen.WriteString(ev.data)
			}
			s := seen.String()
			return strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") && strings.Contains(s, `afterbegin:#log-rows`) &&
				strings.Contains(s, `class="log-row in"`) && strings.Contains(s, `class="log-row out"`) && strings.Contains(s, ">sent<")
		})
		if strings.Contains(seen.String(), xssMessage) {
			t.Fatal("the live tail sends the message unescaped")
		}
		// The log panel filters by direction and text.
		if r := c.get(base+"/logs?dir=IN", "HX-Request", "true"); strings.Count(r.body, `class="log-row in"`) != 1 || strings.Contains(r.body, "log-row out") {
			t.Fatalf("IN filter: %s", r.body)
		}
		if r := c.get(base+"/logs?q=SCRIPT", "HX-Request", "true"); strings.Count(r.body, `class="log-row `) != 1 {
			t.Fatal("text search")
		}
		if r := c.get(base + "?dir=OUT"); r.status != http.StatusOK || strings.Count(r.body, `class="log-row out"`) != 1 {
			t.Fatal("filters without JavaScript")
		}

		// Try it: intent and reply, nothing logged.
		before, _ := st.CountLogs(context.Background(), id)
		r = c.post(base+"/try", url.Values{"message": {"Nataka kuweka miadi kesho saa nne asubuhi"}}, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `class="try-intent">book<`) || !strings.Contains(r.body, "Salon Neema") || !strings.Contains(r.body, `class="stack" hx-swap-oob="true"`) {
			t.Fatalf("try: %d %s", r.status, r.body)
		}
		if r := c.post(base+"/try", url.Values{"message": {"  "}}, "HX-Request", "true"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Type a message") {
			t.Fatalf("empty try: %d", r.status)
		}
		if r := c.post(base+"/try", url.Values{"message": {"What time do you open?"}}); r.status != http.StatusOK || !strings.Contains(r.body, "<html") || !strings.Contains(r.body, ">hours<") {
			t.Fatalf("try without JavaScript: %d", r.status)
		}
		if after, _ := st.CountLogs(context.Background(), id); after != before {
			t.Fatalf("try-it logged messages: %d → %d", before, after)
		}

		// Force restart: confirmation first, then a fresh pairing.
		if r := c.get(base+"/force-restart", "HX-Request", "true"); !strings.Contains(r.body, "Force restart unlinks the phone") {
			t.Fatal("no confirmation")
		}
		if r := c.post(base+"/force-restart", nil); r.status != http.StatusOK || !strings.Contains(r.body, "unlinks the phone") {
			t.Fatalf("force restart without confirm=yes: %d", r.status)
		}
		r = c.post(base+"/force-restart", url.Values{"confirm": {"yes"}}, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `<div id="confirm-area" hx-swap-oob="true"></div>`) {
			t.Fatalf("force restart: %d %s", r.status, r.body)
		}
		await(t, status, "a new QR code after the force restart", func(ev sseEvent) bool { return strings.Contains(ev.data, `id="qr-image"`) })

		// Pairing code instead of the QR code.
		r = c.post(base+"/pair", url.Values{"phone": {"+255712345678"}}, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="pair-code"`) {
			t.Fatalf("pair: %d %s", r.status, r.body)
		}
		m := regexp.MustCompile(`id="pair-code">([^<]+)<`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no pairing code shown: %s", r.body)
		}
		code := m[1]
		if _, err := e.rt.sim.EnterCode(id, code); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "connected by pairing code", 10*time.Second, func() bool { return e.session(t, id).State == store.SessionConnected })
		if r := c.post(base+"/pair", url.Values{"phone": {"nope"}}, "HX-Request", "true"); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad pairing number: %d", r.status)
		}

		// Stop pauses the tenant.
		if r := c.post(base+"/stop", nil); r.status != http.StatusSeeOther {
			t.Fatalf("stop: %d", r.status)
		}
		if tn, _ := st.GetTenant(context.Background(), id); tn.Status != store.TenantPaused {
			t.Fatalf("after stop: %s", tn.Status)
		}
		if r := c.post(base+"/sim/scan", nil, "HX-Request", "true"); r.status != http.StatusConflict {
			t.Fatalf("scan while stopped: %d", r.status)
		}

		// The audit log has every action, shown on its page.
		page := c.get("/admin/audit").body
		for _, a := range []string{"auth.login", "tenant.create", "worker.start", "sim.scan", "sim.message", "worker.force_restart", "session.pair_code", "worker.stop"} {
			if !strings.Contains(page, ">"+a+"<") {
				t.Errorf("audit page lacks %s", a)
			}
		}
		if r := c.get("/admin/audit?action=worker."); strings.Contains(r.body, ">sim.scan<") || !strings.Contains(r.body, ">worker.stop<") {
			t.Error("audit filter")
		}

		// The overview counts today's traffic.
		ov := c.get("/admin").body
		if !strings.Contains(ov, `id="in-today">1<`) || !strings.Contains(ov, `id="out-today">1<`) || !strings.Contains(ov, `id="hourly-chart"`) {
			t.Errorf("overview: %s", ov[strings.Index(ov, "<main"):])
		}
	})
}

// A tenant whose worker gave up shows on the overview and under the
// "needs attention" filter.
func TestOverviewAttention(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	c := adminClient(t, e)
	ok := e.tenant("Fine")
	bad := e.tenant("Broken")
	ctx := context.Background()
	if err := e.st.SaveWorker(ctx, store.Worker{TenantID: bad.ID, Status: store.WorkerError, LastError: "gave up after 10 failures"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveSession(ctx, store.WhatsAppSession{TenantID: ok.ID, State: store.SessionLoggedOut}); err != nil {
		t.Fatal(err)
	}
	r := c.get("/admin")
	if !strings.Contains(r.body, "Broken") || !strings.Contains(r.body, ">error<") || !strings.Contains(r.body, ">logged out<") {
		t.Fatalf("overview attention: %s", r.body)
	}
	if r := c.get("/admin/tenants?status=attention"); strings.Count(r.body, `class="tenant-link"`) != 2 {
		t.Fatal("attention filter")
	}
	_ = tenant.ErrUnknownTenant
}

// Logs page through "Older"; 64 KiB of markup in the try-it box, the
// simulated customer's message and the search boxes is taken as text and
// shown escaped; a sign-in never redirects off the site.
func TestLogsPagingAndLongInput(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	c := adminClient(t, e)
	tn := e.tenant("Paged")
	ctx := context.Background()
	var ops []store.Op
	for i := range 120 {
		ops = append(ops, store.Op{Insert: &store.MessageLog{TenantID: tn.ID, Direction: store.DirIn, Chat: "255700000001@s.whatsapp.net", MessageText: fmt.Sprintf("message %03d", i)}})
	}
	if err := e.st.Commit(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	base := "/admin/tenants/" + tn.ID
	older := regexp.MustCompile(`id="older-logs" href="([^"]+)"`)
	page := c.get(base+"/logs", "HX-Request", "true")
	var seen []string
	for pages := 1; ; pages++ {
		n := strings.Count(page.body, `class="log-row in"`)
		seen = append(seen, fmt.Sprint(n))
		m := older.FindStringSubmatch(page.body)
		if m == nil {
			break
		}
		if pages > 5 {
			t.Fatal("too many pages")
		}
		page = c.get(strings.ReplaceAll(m[1], "&amp;", "&"), "HX-Request", "true")
	}
	if strings.Join(seen, ",") != "50,50,20" || !strings.Contains(page.body, "message 000") {
		t.Fatalf("pages of %s rows", strings.Join(seen, ","))
	}

	huge := strings.Repeat(xssMessage, 65536/len(xssMessage))
	r := c.post(base+"/try", url.Values{"message": {huge}}, "HX-Request", "true")
	if r.status != http.StatusOK || strings.Contains(r.body, xssMessage) || !strings.Contains(r.body, "&lt;script&gt;") {
		t.Fatalf("64 KiB try-it: %d", r.status)
	}
	if err := e.rt.sup.Start(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a QR code", 10*time.Second, func() bool { return e.rt.sim.Pairing(tn.ID) })
	if _, err := e.rt.sim.Scan(tn.ID); err != nil {
		t.Fatal(err)
	}
	r = c.post(base+"/sim/message", url.Values{"from": {"+254700000009"}, "text": {huge}}, "HX-Request", "true")
	if r.status != http.StatusOK {
		t.Fatalf("64 KiB customer message: %d %s", r.status, r.body)
	}
	waitFor(t, "the long message logged", 10*time.Second, func() bool {
		rows, _ := e.st.ListLogs(ctx, tn.ID, store.ListLogsOptions{Chat: "254700000009@s.whatsapp.net"})
		return len(rows) > 0 && rows[len(rows)-1].MessageText == huge
	})
	if body := c.get(base + "?q=" + url.QueryEscape(xssMessage)).body; strings.Contains(body, xssMessage) || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("search box or log not escaped")
	}
	if body := c.get("/admin/tenants?q=" + url.QueryEscape(huge)).body; strings.Contains(body, xssMessage) {
		t.Fatal("tenant search not escaped")
	}

	// next never leaves the site.
	for _, next := range []string{"//evil.example/x", "https://evil.example", "/\\evil.example", "/portal"} {
		c2 := e.client()
		c2.get("/admin/login")
		r := c2.post("/admin/login", url.Values{"email": {"ops@example.com"}, "password": {"admin-password-1"}, "next": {next}})
		if loc := r.header.Get("Location"); loc != "/admin" {
			t.Errorf("next=%q: redirected to %q", next, loc)
		}
	}
	c3 := e.client()
	c3.get("/admin/login")
	if r := c3.post("/admin/login", url.Values{"email": {"ops@example.com"}, "password": {"admin-password-1"}, "next": {base + "/edit"}}); r.header.Get("Location") != base+"/edit" {
		t.Errorf("next to a dashboard page: %q", r.header.Get("Location"))
	}
}
