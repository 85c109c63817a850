package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// onboard runs a request through approval and the invite, and returns the
// signed-in tenant user's client and the tenant.
func onboard(t *testing.T, e *webEnv, st *store.Store, phone, email string) (*client, store.Tenant) {
	t.Helper()
	pub := e.client()
	pub.get("/setup-request")
	if r := pub.post("/setup-request", with(setupForm(phone), "email", email)); r.status != http.StatusSeeOther {
		t.Fatalf("setup request: %d %s", r.status, r.body)
	}
	admin := e.client()
	admin.login("ops@example.com", "ops-password-1")
	req, invite := approveFirstPending(t, st, admin)
	r := pub.get(invite)
	if r.status != http.StatusOK || !strings.Contains(r.body, email) {
		t.Fatalf("invite page: %d %s", r.status, r.body)
	}
	r = pub.post(invite, url.Values{"password": {"tenant-password-1"}, "password2": {"tenant-password-1"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != tenantHome {
		t.Fatalf("accept invite: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	got, _ := st.GetSetupRequest(context.Background(), req.ID)
	tn, err := st.GetTenant(context.Background(), *got.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	if r := pub.get(portalHome); r.status != http.StatusOK {
		t.Fatalf("status after invite: %d", r.status)
	}
	return pub, tn
}

func TestInviteFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		ctx := context.Background()
		e.user(store.RoleAdmin, "ops@example.com", "ops-password-1", "")
		pub := e.client()
		pub.get("/setup-request")
		pub.post("/setup-request", setupForm("0712345678"))
		admin := e.client()
		admin.login("ops@example.com", "ops-password-1")
		req, invite := approveFirstPending(t, st, admin)

		// Bad passwords: 422, the invite still works.
		c := e.client()
		if r := c.get(invite); r.status != http.StatusOK || !strings.Contains(r.body, "Karibu Flow HQ") { // the tenant chose Swahili
			t.Fatalf("invite page: %d", r.status)
		}
		for _, pw := range [][2]string{{"short", "short"}, {"long-enough-1", "different-123"}, {strings.Repeat("x", 73), strings.Repeat("x", 73)}} {
			if r := c.post(invite, url.Values{"password": {pw[0]}, "password2": {pw[1]}}); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("password %q/%q: %d", pw[0], pw[1], r.status)
			}
		}
		r := c.post(invite, url.Values{"password": {"tenant-password-1"}, "password2": {"tenant-password-1"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != tenantHome {
			t.Fatalf("accept: %d %q", r.status, r.header.Get("Location"))
		}
		r = c.get(portalHome)
		if r.status != http.StatusOK || !strings.Contains(r.body, "amina@salon.example") {
			t.Fatalf("portal after invite: %d", r.status)
		}
		// Reused: 410 with a clear page, for GET and POST, signed in or not.
		for _, cl := range []*client{c, e.client()} {
			if r := cl.get(invite); r.status != http.StatusGone || !strings.Contains(r.body, "kimeshatumika") {
				t.Fatalf("reused invite GET: %d %s", r.status, r.body)
			}
		}
		c2 := e.client()
		c2.get("/setup-request")
		if r := c2.post(invite, url.Values{"password": {"attacker-pass-1"}, "password2": {"attacker-pass-1"}}); r.status != http.StatusGone {
			t.Fatalf("reused invite POST: %d", r.status)
		}
		// The password is the one set through the invite; sign out and in.
		c.post("/portal/logout", nil)
		c.portalLogin("amina@salon.example", "tenant-password-1")
		c3 := e.client()
		c3.get(portalLogin)
		if r := c3.post(portalLogin, url.Values{"email": {"amina@salon.example"}, "password": {"attacker-pass-1"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("attacker password: %d", r.status)
		}
		// Unknown and malformed tokens: 404.
		for _, p := range []string{"/invite/" + strings.Repeat("A", 43), "/invite/short", "/invite/" + strings.Repeat("%25", 3)} {
			if r := e.client().get(p); r.status != http.StatusNotFound {
				t.Fatalf("%s: %d", p, r.status)
			}
		}

		// Expired: an admin issues a new link; the old unused one dies with it.
		got, _ := st.GetSetupRequest(ctx, req.ID)
		admin.get("/admin/setup-requests")
		r = admin.post("/admin/setup-requests/"+req.ID+"/invite", nil)
		m := inviteLink.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("new invite: %d %s", r.status, r.body)
		}
		users, _ := st.ListUsers(ctx, store.RoleTenant, *got.TenantID)
		inv, _ := st.LatestInvite(ctx, users[0].ID)
		// Make it expire a second ago (a 7-day wait is not a test).
		if err := st.CreateInvite(ctx, store.Invite{TokenHash: hashSecret(mustSecret(t, m[2])), UserID: inv.UserID, TenantID: inv.TenantID,
			ExpiresAt: time.Now().Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
		if r := e.client().get("/invite/" + m[2]); r.status != http.StatusGone {
			t.Fatalf("expired invite GET: %d", r.status)
		}
		c4 := e.client()
		c4.get("/setup-request")
		if r := c4.post("/invite/"+m[2], url.Values{"password": {"new-password-12"}, "password2": {"new-password-12"}}); r.status != http.StatusGone {
			t.Fatalf("expired invite POST: %d", r.status)
		}
		entries, _ := st.ListAudit(ctx, store.ListAuditOptions{Action: "user."})
		if len(entries) < 2 {
			t.Fatalf("invite audit: %+v", entries)
		}
	})
}

func mustSecret(t *testing.T, s string) []byte {
	t.Helper()
	b, ok := decodeSecret(s)
	if !ok {
		t.Fatalf("bad token %q", s)
	}
	return b
}

func TestPortalStatusLinkTry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		e.user(store.RoleAdmin, "ops@example.com", "ops-password-1", "")
		c, tn := onboard(t, e, st, "0712345678", "amina@salon.example")

		// The approved tenant's worker runs and shows a QR code.
		waitFor(t, "a QR code", 15*time.Second, func() bool { return e.session(t, tn.ID).State == store.SessionQRReady })
		r := c.get(portalHome)
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="portal-state"`) || !strings.Contains(r.body, "Inasubiri kuchanganuliwa") ||
			!strings.Contains(r.body, `href="/portal/link"`) || !strings.Contains(r.body, `id="count-suppressed"`) {
			t.Fatalf("status page (sw, waiting for scan): %d %s", r.status, r.body)
		}
		status := c.stream(t, "/portal/events?view=status")
		await(t, status, "the live state panel", func(ev sseEvent) bool {
			return ev.name == "update" && strings.Contains(ev.data, `id="portal-facts" hx-swap-oob="true"`)
		})
		link := c.stream(t, "/portal/events?view=link")
		await(t, link, "the live QR", func(ev sseEvent) bool {
			return strings.Contains(ev.data, `id="qr-image" src="data:image/png;base64,`) && strings.Contains(ev.data, `id="portal-qr"`)
		})
		r = c.get("/portal/link")
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="qr-image"`) || !strings.Contains(r.body, `id="sim-scan"`) ||
			!strings.Contains(r.body, `value="+255712345678"`) {
			t.Fatalf("link page: %d %s", r.status, r.body)
		}
		// Pairing: a bad number is 422.
		if r := c.post("/portal/link/pair", url.Values{"phone": {"12ab"}}, "HX-Request", "true"); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("pair with a bad number: %d", r.status)
		}
		// Relinking is refused while linked, allowed after a logout.
		r = c.post("/portal/link/sim-scan", nil, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="linked"`) || !strings.Contains(r.body, "+") {
			t.Fatalf("sim scan: %d %s", r.status, r.body)
		}
		await(t, status, "CONNECTED on the status page", func(ev sseEvent) bool { return strings.Contains(ev.data, "Imeunganishwa") })
		if r := c.post("/portal/link/relink", nil, "HX-Request", "true"); r.status != http.StatusConflict {
			t.Fatalf("relink while linked: %d", r.status)
		}
		e.rt.sim.RemoteLogout(tn.ID)
		waitFor(t, "logged out", 10*time.Second, func() bool { return e.session(t, tn.ID).State == store.SessionLoggedOut })
		if r := c.get("/portal/link"); !strings.Contains(r.body, `id="relink"`) {
			t.Fatalf("no relink button after a logout: %s", r.body)
		}
		if r := c.get(portalHome); !strings.Contains(r.body, "Imetolewa") {
			t.Fatal("status page does not say logged out")
		}
		r = c.post("/portal/link/relink", nil, "HX-Request", "true")
		if r.status != http.StatusOK {
			t.Fatalf("relink: %d %s", r.status, r.body)
		}
		await(t, link, "a new QR after relinking", func(ev sseEvent) bool { return strings.Contains(ev.data, `id="qr-image"`) })

		// Try it: the tenant's own bot, in the portal language.
		r = c.post("/portal/try", url.Values{"message": {"Habari, nataka kuweka miadi kesho saa nne"}}, "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `class="try-intent"`) || !strings.Contains(r.body, "Salon Zuri") {
			t.Fatalf("try: %d %s", r.status, r.body)
		}
		if r := c.post("/portal/try", url.Values{"message": {"  "}}, "HX-Request", "true"); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("try empty: %d", r.status)
		}
		if r := c.post("/portal/try", url.Values{"message": {"hours?"}}); r.status != http.StatusOK || !strings.Contains(r.body, `try-reply">`) {
			t.Fatalf("try without htmx: %d", r.status)
		}
		// Audit records the tenant user's actions.
		entries, _ := st.ListAudit(context.Background(), store.ListAuditOptions{TenantID: tn.ID, Action: "session."})
		if len(entries) == 0 || entries[0].ActorEmail != "amina@salon.example" {
			t.Fatalf("audit %+v", entries)
		}
	})
}
