package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// TestPortalTokens: a business creates a token of its own tenant in the
// portal (shown once), uses it, cannot see or revoke another tenant's
// tokens, and revokes its own.
func TestPortalTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		mine := e.tenant("Mine")
		other := e.tenant("Other")
		_, otherRow := e.mintToken("other's token", other.ID)
		e.user(store.RoleTenant, "owner@example.com", "owner-password-1", mine.ID)
		c := e.client()
		c.portalLogin("owner@example.com", "owner-password-1")

		r := c.get(portalTokensPath)
		if r.status != http.StatusOK || !strings.Contains(r.body, "No tokens yet") || strings.Contains(r.body, otherRow.Prefix) {
			t.Fatalf("empty portal list: %d", r.status)
		}
		if r := c.post(portalTokensPath, url.Values{"name": {""}}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("no name: %d", r.status)
		}
		// A scope or tenant in the form is ignored: portal tokens are the tenant's.
		r = c.post(portalTokensPath, url.Values{"name": {"shop sync"}, "scope": {"admin"}, "tenant_id": {other.ID}})
		m := shownToken.FindStringSubmatch(r.body)
		if r.status != http.StatusCreated || m == nil {
			t.Fatalf("create: %d", r.status)
		}
		token := m[1]
		row, err := st.GetAPITokenByHash(t.Context(), hashAPIToken(token))
		if err != nil || row.Scope != store.TokenScopeTenant || row.Tenant() != mine.ID || row.CreatedBy != "owner@example.com" {
			t.Fatalf("stored %+v %v", row, err)
		}
		e.apiDo("GET", apiPrefix+"/tenants/"+mine.ID, token, nil).want(t, "own tenant", http.StatusOK)
		e.apiDo("GET", apiPrefix+"/tenants/"+other.ID, token, nil).wantErr(t, "other tenant", http.StatusNotFound, "not_found")
		e.apiDo("GET", apiPrefix+"/tenants", token, nil).wantErr(t, "tenant list", http.StatusForbidden, "forbidden")

		// Another tenant's token cannot be revoked from here.
		if r := c.post(portalTokensPath+"/"+otherRow.ID+"/revoke", nil); r.status != http.StatusNotFound {
			t.Fatalf("revoke another tenant's token: %d", r.status)
		}
		if got, _ := st.GetAPIToken(t.Context(), store.AnyTenant, otherRow.ID); got.Revoked() {
			t.Fatal("another tenant's token was revoked")
		}
		if r := c.post(portalTokensPath+"/"+row.ID+"/revoke", nil); r.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.status)
		}
		e.apiDo("GET", apiPrefix+"/tenants/"+mine.ID, token, nil).wantErr(t, "revoked", http.StatusUnauthorized, "unauthorized")
		if r := c.get(portalTokensPath + "?revoked=1"); !strings.Contains(r.body, ">revoked<") {
			t.Fatal("list after revoking")
		}
		// Admins have the dashboard, not this page.
		a := adminClient(t, e)
		if r := a.get(portalTokensPath); r.status != http.StatusForbidden {
			t.Fatalf("admin on the portal tokens page: %d", r.status)
		}
	})
}
