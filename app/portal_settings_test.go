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
	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// Every preview sample is understood as its intent, in its language,
// whatever the template: the preview shows the reply a customer asking
// that would get.
func TestPreviewSamplesClassify(t *testing.T) {
	for _, tm := range templates.Templates() {
		for _, intent := range templates.Intents() {
			for _, rl := range templates.Languages() {
				s := previewSample(intent, rl)
				r := templates.Reply(s, templates.Config{Template: tm, Language: templates.Auto})
				if r.Intent != intent || r.Language != rl {
					t.Errorf("%s: %q is %s/%s, want %s/%s", tm, s, r.Intent, r.Language, intent, rl)
				}
			}
		}
	}
}

// settingsForm is a valid settings form.
func settingsForm(business, tmpl, lang string, overrides map[string]string) url.Values {
	v := url.Values{"business": {business}, "template": {tmpl}, "language": {lang}}
	for k, text := range overrides {
		v.Set("override."+k, text)
	}
	return v
}

// The settings form: current values, the operator's rate limit read-only,
// validation with a message per field (nothing saved), saving (the rate
// limit kept, the running worker reloaded, the change audited) and the
// live preview.
func TestPortalSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seven := 7
		p := newPortalEnv(t, st, store.TenantConfig{TemplateType: "booking", BusinessName: "Salon Neema", Language: "auto", RateLimitPerMinute: &seven,
			ReplyOverrides: store.ReplyOverrides{"thanks": {"en": "Asante, {business}!"}}})
		c := p.c
		ctx := context.Background()

		r := c.get("/portal/settings")
		for _, want := range []string{`value="Salon Neema"`, `<option value="booking" selected`, `<option value="auto" selected`,
			`id="rate-limit"><strong>at most 7</strong>`, `>Asante, {business}!</textarea>`, `id="preview-thanks-en"`, "Asante, Salon Neema!",
			`name="override.hours.sw"`, `maxlength="1000"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("settings page lacks %s", want)
			}
		}
		if strings.Contains(r.body, `name="rate_limit"`) {
			t.Error("the rate limit is editable")
		}

		// Invalid: a message per field, nothing saved.
		bad := settingsForm("Bad {name}", "florist", "fr", map[string]string{
			"hours.en": "We open at {time}", "price.sw": strings.Repeat("a", 1001), "location.en": "ok {business}",
		})
		r = c.post("/portal/settings", bad)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "<html") {
			t.Fatalf("invalid form: %d", r.status)
		}
		for _, id := range []string{"err-business", "err-template", "err-language", "err-override.hours.en", "err-override.price.sw"} {
			if !strings.Contains(r.body, `id="`+id+`"`) {
				t.Errorf("no %s", id)
			}
		}
		if strings.Contains(r.body, `id="err-override.location.en"`) || !strings.Contains(r.body, `>ok {business}</textarea>`) {
			t.Error("a valid override is refused or lost")
		}
		if r := c.post("/portal/settings", bad, "HX-Request", "true"); r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="portal-settings"`) {
			t.Fatalf("invalid form (htmx): %d", r.status)
		}
		if cfg, _ := st.GetTenantConfig(ctx, p.tn.ID); cfg.BusinessName != "Salon Neema" || cfg.TemplateType != "booking" {
			t.Fatalf("an invalid form changed the config: %+v", cfg)
		}

		// Valid, with a rate limit field that must be ignored and a
		// tenant id that must not matter.
		good := settingsForm("Duka la Neema", "ecommerce", "sw", map[string]string{
			"hours.en": "We open at 8am, {business}.\r\n", "hours.sw": "Tunafungua saa mbili asubuhi.", "thanks.en": "  ",
		})
		good.Set("rate_limit", "0")
		good.Set("tenant_id", "someone-else")
		r = c.post("/portal/settings", good)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/portal/settings?saved=1" {
			t.Fatalf("save: %d %q %s", r.status, r.header.Get("Location"), r.body)
		}
		cfg, err := st.GetTenantConfig(ctx, p.tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.BusinessName != "Duka la Neema" || cfg.TemplateType != "ecommerce" || cfg.Language != "sw" || cfg.RateLimitPerMinute == nil || *cfg.RateLimitPerMinute != 7 {
			t.Fatalf("saved config: %+v", cfg)
		}
		if got := cfg.ReplyOverrides; len(got) != 1 || got["hours"]["en"] != "We open at 8am, {business}." || got["hours"]["sw"] != "Tunafungua saa mbili asubuhi." {
			t.Fatalf("saved overrides: %+v", got)
		}
		// Saved in Swahili: the portal now speaks it.
		r = c.get("/portal/settings?saved=1")
		if !strings.Contains(r.body, views.T("sw", "settings.saved")) || !strings.Contains(r.body, `lang="sw"`) ||
			!strings.Contains(r.body, `href="/portal/settings/tokens"`) || !strings.Contains(r.body, `href="/portal/webhooks"`) {
			t.Fatal("no Swahili confirmation")
		}
		entries, err := st.ListAudit(ctx, store.ListAuditOptions{TenantID: p.tn.ID, Action: "settings."})
		if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "template booking → ecommerce") ||
			!strings.Contains(entries[0].Detail, "hours/en") || !strings.Contains(entries[0].Detail, "thanks/en") {
			t.Fatalf("audit: %+v %v", entries, err)
		}

		// Preview: one box as typed, or all of them.
		prev := settingsForm("Duka la Neema", "ecommerce", "sw", map[string]string{"price.en": "Prices at {business} start at 100."})
		prev.Set("preview", "price.en")
		r = c.post("/portal/settings/preview", prev, "HX-Request", "true")
		if r.status != http.StatusOK || strings.Count(r.body, `class="preview"`) != 1 || !strings.Contains(r.body, `id="preview-price-en" aria-live="polite" hx-swap-oob="true"`) ||
			!strings.Contains(r.body, "Prices at Duka la Neema start at 100.") || !strings.Contains(r.body, "How much does it cost?") {
			t.Fatalf("preview: %d %s", r.status, r.body)
		}
		prev.Set("override.price.en", "Prices at {price}")
		if r := c.post("/portal/settings/preview", prev, "HX-Request", "true"); !strings.Contains(r.body, views.T("sw", "settings.err.placeholder")) {
			t.Fatalf("invalid preview: %s", r.body)
		}
		prev.Del("preview")
		if r := c.post("/portal/settings/preview", prev, "HX-Request", "true"); strings.Count(r.body, `class="preview"`) != 2*len(templates.Intents()) {
			t.Fatalf("all previews: %d", strings.Count(r.body, `class="preview"`))
		}
		prev.Set("preview", "nonsense.xx")
		if r := c.post("/portal/settings/preview", prev, "HX-Request", "true"); r.status != http.StatusBadRequest {
			t.Fatalf("unknown preview: %d", r.status)
		}
		if cfg2, _ := st.GetTenantConfig(ctx, p.tn.ID); cfg2.ReplyOverrides["price"] != nil {
			t.Fatal("a preview saved something")
		}
	})
}

// Saved settings reach the running worker at once: the next customer
// message is answered with the new override.
func TestPortalSettingsReachTheBot(t *testing.T) {
	p := newPortalEnv(t, storetest.SQLite(t), store.TenantConfig{TemplateType: "booking", BusinessName: "Salon Neema", Language: "en"})
	ctx := context.Background()
	if err := p.rt.sup.Start(ctx, p.tn.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a QR code", 10*time.Second, func() bool { return p.session(t, p.tn.ID).State == store.SessionQRReady })
	if _, err := p.rt.sim.Scan(p.tn.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "connected", 10*time.Second, func() bool { return p.session(t, p.tn.ID).State == store.SessionConnected })
	c := p.c
	c.get("/portal/settings")
	form := settingsForm("Salon Neema", "booking", "en", map[string]string{"hours.en": "{business} is open 8am to 6pm."})
	if r := c.post("/portal/settings", form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	ch := jid(1)
	p.rt.sim.Deliver(p.tn.ID, tenant.Inbound{Chat: ch, Sender: ch, Text: "What time do you open?"})
	reply := waitReply(t, p.st, p.tn.ID, ch, 1)
	if reply.MessageText != "Salon Neema is open 8am to 6pm." {
		t.Fatalf("reply: %q", reply.MessageText)
	}
}
