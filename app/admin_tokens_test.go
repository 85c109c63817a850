package app

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

var shownToken = regexp.MustCompile(`id="new-token"[^>]*value="(fhq_[A-Za-z0-9_-]{43})"`)

// TestAdminTokens: the admin creates tokens of both scopes (each shown
// once), sees them listed with their last use, and revokes one, which the
// API then refuses.
func TestAdminTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		tn := e.tenant("Salon <b>Neema</b>")
		c := adminClient(t, e)

		r := c.get("/admin/tokens")
		if r.status != http.StatusOK || !strings.Contains(r.body, "No tokens yet") || !strings.Contains(r.body, `href="/admin/tokens"`) {
			t.Fatalf("empty list: %d", r.status)
		}
		// Bad forms come back with messages and create nothing.
		for name, f := range map[string]url.Values{
			"no name":        {"name": {""}, "scope": {"admin"}},
			"markup too big": {"name": {strings.Repeat("<b>", 50)}, "scope": {"admin"}},
			"no tenant":      {"name": {"x"}, "scope": {"tenant"}},
			"unknown tenant": {"name": {"x"}, "scope": {"tenant"}, "tenant_id": {"nope"}},
			"bad scope":      {"name": {"x"}, "scope": {"root"}},
		} {
			if r := c.post("/admin/tokens", f); r.status != http.StatusUnprocessableEntity || shownToken.MatchString(r.body) {
				t.Errorf("%s: %d", name, r.status)
			}
		}

		r = c.post("/admin/tokens", url.Values{"name": {"CRM <sync>"}, "scope": {"admin"}})
		m := shownToken.FindStringSubmatch(r.body)
		if r.status != http.StatusCreated || m == nil || !strings.Contains(r.body, "CRM &lt;sync&gt;") || strings.Contains(r.body, "CRM <sync>") {
			t.Fatalf("create admin token: %d %v", r.status, m != nil)
		}
		adminToken := m[1]
		r = c.post("/admin/tokens", url.Values{"name": {"salon app"}, "scope": {"tenant"}, "tenant_id": {tn.ID}})
		m = shownToken.FindStringSubmatch(r.body)
		if r.status != http.StatusCreated || m == nil {
			t.Fatalf("create tenant token: %d", r.status)
		}
		tenantToken := m[1]

		// Shown once: the list has prefixes, never the tokens.
		e.apiDo("GET", apiPrefix+"/tenants/"+tn.ID, tenantToken, nil).want(t, "tenant token works", http.StatusOK)
		r = c.get("/admin/tokens")
		if strings.Contains(r.body, adminToken) || strings.Contains(r.body, tenantToken) {
			t.Fatal("the list shows a token")
		}
		if !strings.Contains(r.body, adminToken[:tokenShownPrefix]) || !strings.Contains(r.body, "Salon &lt;b&gt;Neema&lt;/b&gt;") ||
			!strings.Contains(r.body, "ops@example.com") || strings.Count(r.body, ">Revoke<") != 2 {
			t.Fatalf("list lacks prefix, tenant, creator or revoke buttons")
		}

		// Revoke the admin token: the API refuses it; the list says so.
		toks, _ := st.ListAPITokens(t.Context(), store.ListAPITokensOptions{TenantID: store.AnyTenant})
		var adminID string
		for _, tk := range toks {
			if tk.Scope == store.TokenScopeAdmin {
				adminID = tk.ID
			}
		}
		e.apiDo("GET", apiPrefix+"/tenants", adminToken, nil).want(t, "admin token works", http.StatusOK)
		if r := c.post("/admin/tokens/"+adminID+"/revoke", nil); r.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.status)
		}
		e.apiDo("GET", apiPrefix+"/tenants", adminToken, nil).wantErr(t, "revoked", http.StatusUnauthorized, "unauthorized")
		r = c.get("/admin/tokens?revoked=1")
		if !strings.Contains(r.body, "Token revoked") || !strings.Contains(r.body, ">revoked<") || strings.Count(r.body, ">Revoke<") != 1 {
			t.Fatal("list after revoking")
		}
		if r := c.post("/admin/tokens/no-such-token/revoke", nil); r.status != http.StatusNotFound {
			t.Fatalf("revoke unknown: %d", r.status)
		}
		// Without CSRF token, or as a tenant user: refused.
		if r := c.post("/admin/tokens", url.Values{"name": {"x"}, "csrf_token": {""}}); r.status != http.StatusForbidden {
			t.Fatalf("no CSRF: %d", r.status)
		}
		e.user(store.RoleTenant, "owner@example.com", "owner-password-1", tn.ID)
		o := e.client()
		o.login("owner@example.com", "owner-password-1")
		if r := o.get("/admin/tokens"); r.status != http.StatusForbidden {
			t.Fatalf("tenant user on /admin/tokens: %d", r.status)
		}
		entries, _ := st.ListAudit(t.Context(), store.ListAuditOptions{Action: "token.", Limit: 10})
		if len(entries) != 3 {
			t.Fatalf("%d token audit entries, want 3", len(entries))
		}
	})
}
