package app

// setupRequestAPIRoutes are the setup request endpoints: list, approve and
// reject for admins, create for anyone. (Placeholder until the onboarding
// service lands.)
func (w *web) setupRequestAPIRoutes() []apiRoute { return nil }
