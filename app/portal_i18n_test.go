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

// TestPortalTokensWebhooksSwahili: a tenant whose language is Swahili
// sees the portal's tokens and webhooks pages (and their messages) in
// Swahili, while the admin's tokens and webhooks pages stay English.
func TestPortalTokensWebhooksSwahili(t *testing.T) {
	st := storetest.SQLite(t)
	e := newWebEnv(t, st)
	tn := store.Tenant{Name: "Duka"}
	if err := st.CreateTenant(t.Context(), &tn, store.TenantConfig{TemplateType: "booking", Language: "sw", BusinessName: "Duka la Mama"}); err != nil {
		t.Fatal(err)
	}
	e.user(store.RoleTenant, "owner@example.com", "owner-password-1", tn.ID)
	c := e.client()
	c.portalLogin("owner@example.com", "owner-password-1")

	has := func(what string, r response, want, notWant []string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(r.body, s) {
				t.Errorf("%s: no %q", what, s)
			}
		}
		for _, s := range notWant {
			if strings.Contains(r.body, s) {
				t.Errorf("%s: has %q", what, s)
			}
		}
	}

	r := c.get(portalTokensPath)
	if r.status != http.StatusOK {
		t.Fatalf("portal tokens: %d", r.status)
	}
	has("portal tokens", r, []string{"<h1>Tokeni za API</h1>", "Bado hakuna tokeni.", "Unda tokeni"},
		[]string{"<h1>API tokens</h1>", "No tokens yet", "Create token"})
	r = c.post(portalTokensPath, url.Values{"name": {""}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("portal token without a name: %d", r.status)
	}
	has("portal token without a name", r, []string{views.T("sw", "tokens.err.name")}, []string{"Enter a name."})

	r = c.get(portalWebhooksPath)
	if r.status != http.StatusOK {
		t.Fatalf("portal webhooks: %d", r.status)
	}
	has("portal webhooks", r, []string{"Bado hakuna webhook.", "Ongeza webhook", "Matukio"},
		[]string{"Add a webhook", "No webhooks yet", "Flow HQ POSTs signed JSON"})
	r = c.post(portalWebhooksPath, url.Values{"url": {"ftp://x"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("portal webhook with a bad form: %d", r.status)
	}
	has("portal webhook with a bad form", r, []string{views.T("sw", "webhooks.err.url"), views.T("sw", "webhooks.err.events")},
		[]string{"Choose at least one event."})

	h := store.Webhook{TenantID: tn.ID, URL: "https://example.com/hook", Enabled: true}
	h.SetEvents([]string{store.EventMessageIn})
	if err := st.CreateWebhook(t.Context(), &h); err != nil {
		t.Fatal(err)
	}
	r = c.get(portalWebhooksPath + "/" + h.ID + "?done=saved")
	if r.status != http.StatusOK {
		t.Fatalf("portal webhook: %d", r.status)
	}
	has("portal webhook", r, []string{"Imehifadhiwa.", "Futa webhook", "Kumbukumbu ya utumaji", "imewashwa"},
		[]string{"Saved.", "Delete webhook", "Delivery log", "Each POST carries"})

	// The admin pages stay English.
	a := adminClient(t, e)
	r = a.get("/admin/tokens")
	if r.status != http.StatusOK {
		t.Fatalf("admin tokens: %d", r.status)
	}
	has("admin tokens", r, []string{"<h1>API tokens</h1>", "Create token"}, []string{"Tokeni za API", "Unda tokeni"})
	r = a.get(views.TenantURL(tn.ID, "webhooks", h.ID) + "?done=saved")
	if r.status != http.StatusOK {
		t.Fatalf("admin webhook: %d", r.status)
	}
	has("admin webhook", r, []string{"Saved.", "Delete webhook", "Delivery log"}, []string{"Imehifadhiwa", "Futa webhook"})
	r = a.get(views.TenantURL(tn.ID, "webhooks"))
	has("admin webhooks", r, []string{"Add a webhook"}, []string{"Ongeza webhook"})
}
