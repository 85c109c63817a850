package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// portalRoutes adds the tenant portal. Every page but sign-in is for
// signed-in tenant users only (requireTenantUser), and every handler works
// on portalTenantID(c) alone: a portal URL never names a tenant.
func (w *web) portalRoutes(e *echo.Echo) {
	e.GET(portalLogin, w.portalLoginForm)
	e.POST(portalLogin, w.portalLoginSubmit)
	e.POST("/portal/logout", w.portalLogout)

	portal := func(method, path string, h echo.HandlerFunc) { e.Add(method, path, h, w.requireTenantUser) }
	portal(http.MethodGet, "/portal", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, portalHome) })
	portal(http.MethodGet, "/portal/status", w.portalStatus)
	portal(http.MethodGet, "/portal/events", w.portalEvents)
	portal(http.MethodGet, "/portal/link", w.portalLink)
	portal(http.MethodPost, "/portal/link/pair", w.portalLinkPair)
	portal(http.MethodPost, "/portal/link/relink", w.portalLinkRelink)
	portal(http.MethodPost, "/portal/link/sim-scan", w.portalLinkSimScan)
	portal(http.MethodGet, "/portal/try", w.portalTry)
	portal(http.MethodPost, "/portal/try", w.portalTrySend)
	// Conversations and settings: portal_chat*.go, portal_settings*.go.
	portal(http.MethodGet, "/portal/conversations", w.portalConversations)
	portal(http.MethodGet, "/portal/conversations/events", w.portalConversationsEvents)
	portal(http.MethodGet, "/portal/conversations/:chat", w.portalChat)
	portal(http.MethodGet, "/portal/conversations/:chat/events", w.portalChatEvents)
	portal(http.MethodPost, "/portal/conversations/:chat/pause", w.portalChatPause)
	portal(http.MethodPost, "/portal/conversations/:chat/resume", w.portalChatResume)
	portal(http.MethodGet, "/portal/settings", w.portalSettings)
	portal(http.MethodPost, "/portal/settings", w.portalSettingsUpdate)
	portal(http.MethodPost, "/portal/settings/preview", w.portalSettingsPreview)
	// API tokens of the tenant: portal_tokens.go.
	portal(http.MethodGet, portalTokensPath, w.portalTokens)
	portal(http.MethodPost, portalTokensPath, w.portalTokenCreate)
	portal(http.MethodPost, portalTokensPath+"/:tid/revoke", w.portalTokenRevoke)
}
