package app

// webhookAPIRoutes are the webhook endpoints of the JSON API (see the
// comment at the top of api_routes.go for how to add them). Placeholder:
// the webhooks feature fills it in.
func (w *web) webhookAPIRoutes() []apiRoute { return nil }
