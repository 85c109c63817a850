package app

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// The webhook pages, as an admin (under a tenant) and as the tenant's
// owner in the portal: the form's errors, creating (the secret shown),
// markup shown escaped, dead letters and replay, the delivery log, edit,
// retry and delete; a tenant user cannot use the admin pages, and an
// owner reaches only their own webhooks.
func TestWebhookPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		admin := adminClient(t, e)
		tn := e.tenant("Salon <b>Zuri</b>")
		other := e.tenant("Other")
		opts := fastRetries()
		opts.MaxAge = 100 * time.Millisecond
		startDispatcher(t, st, opts)
		var mu sync.Mutex
		down := true
		rc := newReceiver(t, "whsec_pages_secret_0123456789", func(int, string) string {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return "500"
			}
			return ""
		})

		// The tenant page links to the webhooks.
		if r := admin.get("/admin/tenants/" + tn.ID); !strings.Contains(r.body, "/admin/tenants/"+tn.ID+"/webhooks") {
			t.Fatal("tenant page has no webhooks link")
		}
		base := "/admin/tenants/" + tn.ID + "/webhooks"
		r := admin.get(base)
		if r.status != http.StatusOK || !strings.Contains(r.body, "No webhooks yet") || !strings.Contains(r.body, html.EscapeString("Salon <b>Zuri</b>")) {
			t.Fatalf("empty list: %d %s", r.status, r.body)
		}
		r = admin.post(base, url.Values{"url": {"javascript:alert(1)"}, "secret": {"short"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="err-url"`) || !strings.Contains(r.body, `id="err-events"`) || !strings.Contains(r.body, `id="err-secret"`) {
			t.Fatalf("invalid form: %d %s", r.status, r.body)
		}
		if admin.post(base, url.Values{"url": {rc.srv.URL}, "events": {"message.in"}, "csrf_token": {""}}).status != http.StatusForbidden {
			t.Fatal("create without a CSRF token was not refused")
		}
		r = admin.post(base, url.Values{"url": {rc.srv.URL + "/?q=<script>x</script>"}, "events": {"message.in"}, "secret": {rc.secret}})
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, base+"/wh_") {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		page := strings.TrimSuffix(strings.TrimPrefix(loc, ""), "?done=created")
		id := strings.TrimPrefix(page, base+"/")
		r = admin.get(loc)
		if r.status != http.StatusOK || !strings.Contains(r.body, rc.secret) || strings.Contains(r.body, "<script>x</script>") || !strings.Contains(r.body, "Webhook added") {
			t.Fatalf("detail: %d %s", r.status, r.body)
		}
		if r := admin.get(base); !strings.Contains(r.body, id) {
			t.Fatal("the list does not show the webhook")
		}

		// A failing receiver: dead letters, listed with their errors, replayed.
		evs := inbound(t, st, tn.ID, 2)
		waitFor(t, "dead letters", 30*time.Second, func() bool {
			c, _ := st.CountWebhookEvents(context.Background(), tn.ID, id)
			return c.Dead == 2
		})
		r = admin.get(page)
		if !strings.Contains(r.body, "dead-"+evs[0]) || !strings.Contains(r.body, "HTTP 500") || !strings.Contains(r.body, `id="delivery-log"`) {
			t.Fatalf("dead letters not shown: %s", r.body)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		if r := admin.post(page+"/replay", url.Values{"event": {evs[0]}}); r.status != http.StatusSeeOther {
			t.Fatalf("replay one: %d %s", r.status, r.body)
		}
		if r := admin.post(page+"/replay", url.Values{"event": {"evt_missing"}}); r.status != http.StatusNotFound {
			t.Fatalf("replay a missing event: %d", r.status)
		}
		if r := admin.post(page+"/replay", url.Values{"all": {"true"}}); r.status != http.StatusSeeOther {
			t.Fatalf("replay all: %d", r.status)
		}
		waitFor(t, "replayed events delivered", 30*time.Second, func() bool {
			acc, _, _, _ := rc.snapshot()
			return len(acc) == 2
		})
		if r := admin.post(page+"/retry", nil); r.status != http.StatusSeeOther {
			t.Fatalf("retry: %d", r.status)
		}

		// Edit: bad input keeps the form; a good one saves and rotates the secret.
		if r := admin.post(page, url.Values{"url": {"ftp://x"}, "events": {"message.in"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="err-url"`) {
			t.Fatalf("bad edit: %d", r.status)
		}
		if r := admin.post(page, url.Values{"url": {"https://example.com/new"}, "events": {"session.state"}, "rotate": {"true"}}); r.status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", r.status, r.body)
		}
		h, err := st.GetWebhook(context.Background(), tn.ID, id)
		if err != nil || h.URL != "https://example.com/new" || h.Enabled || h.Secret == rc.secret || h.EventList != "session.state" {
			t.Fatalf("after edit: %+v %v", h, err)
		}

		// Another tenant's path does not reach this webhook.
		if r := admin.get("/admin/tenants/" + other.ID + "/webhooks/" + id); r.status != http.StatusNotFound {
			t.Fatalf("webhook under another tenant: %d", r.status)
		}

		// The portal: the owner sees and manages their own webhooks only.
		e.user(store.RoleTenant, "owner@example.com", "owner-password-1", tn.ID)
		e.user(store.RoleTenant, "other@example.com", "other-password-1", other.ID)
		owner := e.client()
		owner.portalLogin("owner@example.com", "owner-password-1")
		if r := owner.get(base); r.status != http.StatusForbidden {
			t.Fatalf("tenant user on the admin page: %d", r.status)
		}
		r = owner.get("/portal/webhooks")
		if r.status != http.StatusOK || !strings.Contains(r.body, id) {
			t.Fatalf("portal list: %d %s", r.status, r.body)
		}
		if r := owner.get("/portal/webhooks/" + id); r.status != http.StatusOK || !strings.Contains(r.body, h.Secret) {
			t.Fatalf("portal detail: %d", r.status)
		}
		r = owner.post("/portal/webhooks", url.Values{"url": {"https://owner.example/hook"}, "events": {"message.out"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/portal/webhooks/wh_") {
			t.Fatalf("portal create: %d %s", r.status, r.body)
		}
		intruder := e.client()
		intruder.portalLogin("other@example.com", "other-password-1")
		if r := intruder.get("/portal/webhooks/" + id); r.status != http.StatusNotFound {
			t.Fatalf("another tenant's owner: %d", r.status)
		}
		if r := intruder.post("/portal/webhooks/"+id+"/delete", nil); r.status != http.StatusNotFound {
			t.Fatalf("another tenant's owner deletes: %d", r.status)
		}
		if r := intruder.get("/portal/webhooks"); strings.Contains(r.body, id) {
			t.Fatal("another tenant's owner sees the webhook")
		}

		// Delete.
		if r := owner.post("/portal/webhooks/"+id+"/delete", nil); r.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.status)
		}
		if _, err := st.GetWebhook(context.Background(), tn.ID, id); err == nil {
			t.Fatal("webhook not deleted")
		}
	})
}
