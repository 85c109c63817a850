package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/views"
)

// portalLogin signs a tenant user in through the portal form.
func (c *client) portalLogin(email, password string) {
	c.t.Helper()
	c.get(portalLogin)
	r := c.post(portalLogin, url.Values{"email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != portalHome {
		c.t.Fatalf("portal login %s: status %d, location %q: %s", email, r.status, r.header.Get("Location"), r.body)
	}
	if p := c.get(portalHome); p.status != http.StatusOK {
		c.t.Fatalf("portal after login: %d", p.status)
	}
}

func TestRequireTenantUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		tn := e.tenant("Mama Pima")
		e.user(store.RoleAdmin, "admin@example.com", "admin-password-1", "")
		e.user(store.RoleTenant, "owner@example.com", "owner-password-1", tn.ID)

		t.Run("no session", func(t *testing.T) {
			c := e.client()
			r := c.get("/portal/status")
			if r.status != http.StatusSeeOther || r.header.Get("Location") != portalLogin {
				t.Fatalf("page: %d %q", r.status, r.header.Get("Location"))
			}
			r = c.get("/portal/status?x=1")
			if r.status != http.StatusSeeOther || r.header.Get("Location") != portalLogin+"?next=%2Fportal%2Fstatus%3Fx%3D1" {
				t.Fatalf("deep page: %d %q", r.status, r.header.Get("Location"))
			}
			r = c.get("/portal/status", "HX-Request", "true")
			if r.status != http.StatusUnauthorized || r.header.Get("HX-Redirect") != portalLogin {
				t.Fatalf("htmx: %d %q", r.status, r.header.Get("HX-Redirect"))
			}
			r = c.get("/portal/status", "Accept", "application/json")
			if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"unauthorized"`) {
				t.Fatalf("json: %d %s", r.status, r.body)
			}
		})
		t.Run("admin", func(t *testing.T) {
			c := e.client()
			c.login("admin@example.com", "admin-password-1")
			if r := c.get("/portal/status"); r.status != http.StatusForbidden {
				t.Fatalf("admin on portal: %d", r.status)
			}
		})
		t.Run("tenant user", func(t *testing.T) {
			c := e.client()
			c.portalLogin("owner@example.com", "owner-password-1")
			r := c.get("/portal")
			if r.status != http.StatusSeeOther || r.header.Get("Location") != portalHome {
				t.Fatalf("/portal: %d %q", r.status, r.header.Get("Location"))
			}
			r = c.get(portalHome)
			if r.status != http.StatusOK || !strings.Contains(r.body, "owner@example.com") {
				t.Fatalf("status page: %d", r.status)
			}
			// A tenant user is no admin.
			if r := c.get("/admin/tenants"); r.status != http.StatusForbidden {
				t.Fatalf("tenant on admin: %d", r.status)
			}
		})
	})
}

func TestPortalLoginLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		tn := e.tenant("Duka")
		e.user(store.RoleTenant, "owner@example.com", "owner-password-1", tn.ID)
		e.user(store.RoleAdmin, "admin@example.com", "admin-password-1", "")

		c := e.client()
		c.get(portalLogin)
		if r := c.post(portalLogin, url.Values{"email": {"owner@example.com"}, "password": {"wrong-password"}}); r.status != http.StatusUnauthorized ||
			!strings.Contains(r.body, "Wrong email or password") {
			t.Fatalf("wrong password: %d", r.status)
		}
		if r := c.post(portalLogin, url.Values{"email": {""}, "password": {""}}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty: %d", r.status)
		}
		// A deep link survives sign-in; a link outside the portal does not.
		c.get(portalLogin + "?next=%2Fportal%2Flink")
		r := c.post(portalLogin, url.Values{"email": {"Owner@Example.com"}, "password": {"owner-password-1"}, "next": {"/portal/link"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/portal/link" {
			t.Fatalf("login with next: %d %q", r.status, r.header.Get("Location"))
		}
		c.get(portalHome)
		if r := c.get(portalLogin); r.status != http.StatusSeeOther {
			t.Fatalf("login page when signed in: %d", r.status)
		}
		r = c.post("/portal/logout", nil)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), portalLogin+"?signed_out=1") {
			t.Fatalf("logout: %d %q", r.status, r.header.Get("Location"))
		}
		if r := c.get(portalHome); r.status != http.StatusSeeOther {
			t.Fatalf("after logout: %d", r.status)
		}

		c2 := e.client()
		c2.get(portalLogin)
		r = c2.post(portalLogin, url.Values{"email": {"owner@example.com"}, "password": {"owner-password-1"}, "next": {"https://evil.example/"}})
		if r.header.Get("Location") != portalHome {
			t.Fatalf("foreign next: %q", r.header.Get("Location"))
		}
		// An admin signing in here goes to the dashboard.
		c3 := e.client()
		c3.get(portalLogin)
		r = c3.post(portalLogin, url.Values{"email": {"admin@example.com"}, "password": {"admin-password-1"}})
		if r.header.Get("Location") != adminHome {
			t.Fatalf("admin via portal: %q", r.header.Get("Location"))
		}
	})
}

func TestPortalLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		tn := store.Tenant{Name: "Duka"}
		if err := st.CreateTenant(t.Context(), &tn, store.TenantConfig{TemplateType: "booking", Language: "sw", BusinessName: "Duka la Mama"}); err != nil {
			t.Fatal(err)
		}
		e.user(store.RoleTenant, "owner@example.com", "owner-password-1", tn.ID)
		c := e.client()
		c.portalLogin("owner@example.com", "owner-password-1")
		r := c.get(portalHome)
		if !strings.Contains(r.body, `lang="sw"`) || !strings.Contains(r.body, views.T("sw", "nav.conversations")) ||
			!strings.Contains(r.body, "Duka la Mama") {
			t.Fatalf("swahili portal: %s", r.body)
		}
	})
}

func TestTranslations(t *testing.T) {
	for _, k := range views.TextKeys() {
		en, sw := views.T("en", k), views.T("sw", k)
		if en == "" || sw == "" || en == k || sw == k {
			t.Errorf("key %q: en %q, sw %q", k, en, sw)
		}
	}
	if views.T("xx", "nav.status") != "Status" {
		t.Error("unknown language is not English")
	}
	if views.T("en", "no.such.key") != "no.such.key" {
		t.Error("missing key does not show itself")
	}
}
