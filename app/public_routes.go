package app

import (
	"github.com/labstack/echo/v4"
)

// publicRoutes adds the pages anyone may open: the landing page, the
// setup request form and the invite links; and the admin's side of the
// setup requests (admin_setup_request.go), which belongs to onboarding.
func (w *web) publicRoutes(e *echo.Echo) {
	e.GET("/", w.publicHome)
	e.GET("/setup-request", w.setupRequestForm)
	e.POST("/setup-request", w.setupRequestSubmit)
	e.GET("/setup-request/sent", w.setupRequestSent)
	e.GET("/invite/:token", w.inviteForm)
	e.POST("/invite/:token", w.inviteAccept)
	w.adminSetupRequestRoutes(e)
}
