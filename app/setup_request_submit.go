package app

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// setupRequestForm shows the public setup request form
// (GET /setup-request).
func (w *web) setupRequestForm(c echo.Context) error {
	l := w.signedOutLayout(c, "setup.title")
	p := views.SetupForm{Lang: l.Lang, CSRF: l.CSRF, Country: "TZ", Template: "booking", Language: "auto"}
	if c.QueryParam("country") == "KE" {
		p.Country = "KE"
	}
	return w.page(c, http.StatusOK, views.SetupRequestPage(l, p), views.SetupRequestPanel(p))
}

// setupRequestSubmit stores a setup request (POST /setup-request). Bad
// fields come back with their messages (422); a second pending request
// for the phone is refused (409), as is an address over its hourly
// allowance (429). Without htmx a received request redirects to its
// thank-you page, so reloading does not send it again.
func (w *web) setupRequestSubmit(c echo.Context) error {
	l := w.signedOutLayout(c, "setup.title")
	in := setupRequestInput{
		BusinessName: c.FormValue("business_name"),
		ContactName:  c.FormValue("contact_name"),
		Phone:        c.FormValue("phone"),
		Country:      c.FormValue("country"),
		Email:        c.FormValue("email"),
		Template:     c.FormValue("template"),
		Language:     c.FormValue("language"),
		Note:         c.FormValue("note"),
		Honeypot:     c.FormValue("website"),
	}
	p := views.SetupForm{Lang: l.Lang, CSRF: l.CSRF, BusinessName: in.BusinessName, ContactName: in.ContactName,
		Phone: in.Phone, Country: in.Country, Email: in.Email, Template: in.Template, Language: in.Language, Note: in.Note}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	ip := c.RealIP()
	r, err := w.submitSetupRequest(withClientIP(ctx, ip), in, ip)
	status := http.StatusOK
	var ve *validationError
	switch {
	case errors.As(err, &ve):
		p.Errors, status = ve.Fields, http.StatusUnprocessableEntity
		if l.Lang == views.LangSwahili {
			p.Errors = make(map[string]string, len(ve.Fields))
			for f := range ve.Fields {
				p.Errors[f] = views.T(l.Lang, "setup.err."+f)
			}
		}
	case errors.Is(err, errTooManyRequests):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(setupWindow.Seconds())))
		p.Error, status = views.T(l.Lang, "setup.toomany"), http.StatusTooManyRequests
	case errors.Is(err, errPendingPhone):
		p.Error, status = views.T(l.Lang, "setup.duplicate"), http.StatusConflict
		p.Errors = map[string]string{"phone": views.T(l.Lang, "setup.duplicate")}
	case err != nil:
		return err
	}
	if status != http.StatusOK {
		return w.page(c, status, views.SetupRequestPage(l, p), views.SetupRequestPanel(p))
	}
	thanks := views.SetupThanks{Lang: l.Lang, ID: r.ID}
	if isHTMX(c) {
		return w.render(c, http.StatusOK, views.SetupThanksPanel(thanks))
	}
	q := url.Values{"ref": {r.ID}}
	if l.Lang == views.LangSwahili {
		q.Set("lang", views.LangSwahili)
	}
	return c.Redirect(http.StatusSeeOther, "/setup-request/sent?"+q.Encode())
}

// setupRequestSent thanks for a request (GET /setup-request/sent).
func (w *web) setupRequestSent(c echo.Context) error {
	l := w.signedOutLayout(c, "setup.title")
	ref := c.QueryParam("ref")
	if len(ref) > 64 {
		ref = ""
	}
	return w.render(c, http.StatusOK, views.SetupThanksPage(l, views.SetupThanks{Lang: l.Lang, ID: ref}))
}
