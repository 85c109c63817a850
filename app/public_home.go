package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// publicHome is the landing page (GET /): what Flow HQ does, in English
// and Swahili, and the way to request a setup.
func (w *web) publicHome(c echo.Context) error {
	l := w.signedOutLayout(c, "public.title") // no account menu, even when signed in
	return w.render(c, http.StatusOK, views.PublicPage(l, views.Public{Lang: l.Lang}))
}
