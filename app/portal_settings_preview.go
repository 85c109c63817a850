package app

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/views"
)

// previewSamples are customer messages of each intent, in English and
// Swahili, that the reply engine classifies as that intent under every
// template (TestPreviewSamplesClassify checks it). The settings preview
// runs them through the engine with the form as typed.
var previewSamples = map[templates.Intent][2]string{
	templates.Greeting:    {"Hello", "Habari"},
	templates.Thanks:      {"Thank you", "Asante sana"},
	templates.Hours:       {"What time do you open?", "Mnafungua saa ngapi?"},
	templates.Location:    {"Where are you located?", "Mko wapi?"},
	templates.Human:       {"Can I talk to a person?", "Nataka kuongea na mtu"},
	templates.Price:       {"How much does it cost?", "Bei gani?"},
	templates.Book:        {"I want to book an appointment tomorrow at 10am", "Nataka kuweka miadi kesho saa nne asubuhi"},
	templates.Reschedule:  {"Can I move my appointment to Friday?", "Naomba kubadilisha miadi yangu iwe Ijumaa"},
	templates.Cancel:      {"Please cancel my appointment", "Nataka kufuta miadi yangu"},
	templates.Order:       {"I want to order two bags", "Nataka kuagiza mikoba miwili"},
	templates.OrderStatus: {"Where is my order?", "Oda yangu iko wapi?"},
	templates.Delivery:    {"Do you deliver?", "Mnaleta nyumbani?"},
	templates.Payment:     {"Can I pay with M-Pesa?", "Naweza kulipa kwa M-Pesa?"},
	templates.Refund:      {"I want my money back", "Nataka kurudishiwa pesa yangu"},
	templates.Problem:     {"It is not working", "Haifanyi kazi"},
	templates.Unknown:     {"Blue elephants", "Tembo wa bluu"},
}

// previewSample is the sample message of intent in the reply language rl.
func previewSample(intent templates.Intent, rl templates.Language) string {
	s := previewSamples[intent]
	if rl == templates.Swahili {
		return s[1]
	}
	return s[0]
}

// overridePreview runs the sample of intent through the engine with cfg,
// answering in rl. problem is what is wrong with the override as typed;
// the preview then shows it instead of a reply.
func overridePreview(lang string, cfg templates.Config, intent templates.Intent, rl templates.Language, problem string) views.OverridePreview {
	p := views.OverridePreview{
		ID: views.OverridePreviewID(string(intent), string(rl)), Lang: lang,
		Sample: previewSample(intent, rl), Error: problem,
	}
	if problem != "" {
		return p
	}
	cfg.Language = rl
	r := templates.Reply(p.Sample, cfg)
	p.Reply = r.Text
	_, p.Custom = cfg.Overrides.Lookup(intent, rl)
	return p
}

// portalSettingsPreview answers the settings form as it is typed
// (POST /portal/settings/preview, htmx): with preview=INTENT.LANG the
// preview of that override box, otherwise every preview (the business
// name or the template changed). Nothing is saved.
func (w *web) portalSettingsPreview(c echo.Context) error {
	if !isHTMX(c) {
		// Browsers without JavaScript never call this; send them to the form.
		return c.Redirect(http.StatusSeeOther, "/portal/settings")
	}
	l, err := w.portalLayout(c, "", "settings")
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	stored, err := w.st.GetTenantConfig(ctx, portalTenantID(c))
	if err != nil {
		return fmt.Errorf("app: settings preview: %w", err)
	}
	in := w.bindPortalSettings(c, l.Lang, l.CSRF, stored)
	cfg := in.replyConfig()
	var out []views.OverridePreview
	add := func(intent templates.Intent, rl templates.Language) {
		name := views.OverrideFieldName(string(intent), string(rl))
		p := overridePreview(l.Lang, cfg, intent, rl, in.form.Errors[name])
		p.OOB = true
		out = append(out, p)
	}
	if which := c.FormValue("preview"); which != "" {
		intentName, langName, ok := strings.Cut(which, ".")
		intent, rl := templates.Intent(intentName), templates.Language(langName)
		if !ok || !intent.Valid() || !rl.Valid() {
			return errBadRequest("Unknown reply to preview.")
		}
		add(intent, rl)
	} else {
		for _, intent := range templates.Intents() {
			for _, rl := range templates.Languages() {
				add(intent, rl)
			}
		}
	}
	return w.render(c, http.StatusOK, views.OverridePreviews(out))
}
