package app

import (
	"fmt"
	"strings"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// The webhook forms' messages in the portal's language. The checks
// (webhookFieldErrors, the store's validation) speak English, which the
// admin pages and the API keep; a Swahili portal gets the same advice in
// Swahili, per field.

// localWebhookErrors translates the field errors of the webhook form.
func localWebhookErrors(lang string, fields map[string]string) map[string]string {
	if lang != views.LangSwahili {
		return fields
	}
	out := make(map[string]string, len(fields))
	for k, msg := range fields {
		switch k {
		case "url":
			out[k] = views.T(lang, "webhooks.err.url")
		case "events":
			if strings.HasPrefix(msg, "Choose") {
				out[k] = views.T(lang, "webhooks.err.events")
			} else {
				out[k] = views.T(lang, "webhooks.err.event")
			}
		case "secret":
			out[k] = fmt.Sprintf(views.T(lang, "webhooks.err.secret"), store.MaxWebhookSecret)
		default:
			out[k] = msg
		}
	}
	return out
}

// localWebhookFormErr is the message of a store validation error err on
// the webhook form.
func localWebhookFormErr(lang string, err error) string {
	if lang != views.LangSwahili {
		return webhookErrText(err)
	}
	if strings.Contains(err.Error(), "at most") {
		return fmt.Sprintf(views.T(lang, "webhooks.limit"), store.MaxWebhooksPerTenant)
	}
	return views.T(lang, "webhooks.err.form")
}
