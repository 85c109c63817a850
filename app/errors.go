package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// One error handler for the whole server. It picks the form from the
// request: JSON for /api/ paths ({"error":{"code":…,"message":…}}), a
// fragment retargeted to the page's #flash area for htmx, and a full error
// page otherwise. A signed-out page request is sent to the sign-in page
// instead. Messages are written for people; internal errors are logged
// and never shown.

func errSignedOut() error {
	return echo.NewHTTPError(http.StatusUnauthorized, "Please sign in.")
}

func errNotAdmin() error {
	return echo.NewHTTPError(http.StatusForbidden, "This account cannot use the admin dashboard.")
}

// errNotFound is the 404 of a missing (or not visible) item.
func errNotFound(what string) error {
	return echo.NewHTTPError(http.StatusNotFound, "There is no such "+what+".")
}

// errBadRequest is a 400 with a message for the user.
func errBadRequest(msg string) error {
	return echo.NewHTTPError(http.StatusBadRequest, msg)
}

// problemFor turns an error into what the user sees.
func (w *web) problemFor(c echo.Context, err error) (views.Problem, string) {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		msg, _ := he.Message.(string)
		if he.Internal != nil {
			w.log.Warn("request failed", "path", c.Request().URL.Path, "status", he.Code, "err", he.Internal)
		}
		if he.Code >= 500 {
			w.log.Error("request failed", "path", c.Request().URL.Path, "status", he.Code, "err", err)
			msg = ""
		}
		return problem(he.Code, msg)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, tenant.ErrUnknownTenant):
		return problem(http.StatusNotFound, "")
	case errors.Is(err, store.ErrConflict):
		return problem(http.StatusConflict, "")
	case errors.Is(err, context.DeadlineExceeded):
		w.log.Error("request timed out", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return problem(http.StatusServiceUnavailable, "The server is busy or the database is slow to answer. Try again in a moment.")
	}
	w.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	return problem(http.StatusInternalServerError, "")
}

// problem builds the user-facing problem and the API error code of status.
func problem(status int, msg string) (views.Problem, string) {
	title, code, def := "Error", "error", "Something went wrong."
	switch status {
	case http.StatusBadRequest:
		title, code, def = "Bad request", "bad_request", "The request could not be understood."
	case http.StatusUnauthorized:
		title, code, def = "Signed out", "unauthorized", "Please sign in."
	case http.StatusForbidden:
		title, code, def = "Forbidden", "forbidden", "You may not do that."
	case http.StatusNotFound:
		title, code, def = "Not found", "not_found", "That page or item does not exist."
	case http.StatusMethodNotAllowed:
		title, code, def = "Not allowed", "method_not_allowed", "That action is not available here."
	case http.StatusConflict:
		title, code, def = "Conflict", "conflict", "That conflicts with something that already exists."
	case http.StatusRequestEntityTooLarge:
		title, code, def = "Too large", "payload_too_large", "The request is too large (at most 1 MiB)."
	case http.StatusUnprocessableEntity:
		title, code, def = "Invalid", "invalid", "Some values are not valid."
	case http.StatusTooManyRequests:
		title, code, def = "Too many requests", "too_many_requests", "Too many attempts. Wait a little and try again."
	case http.StatusServiceUnavailable:
		title, code, def = "Unavailable", "unavailable", "The service is unavailable. Try again in a moment."
	default:
		if status >= 500 {
			title, code, def = "Server error", "internal", "Something went wrong on our side. The error has been logged."
		}
	}
	if msg == "" {
		msg = def
	}
	return views.Problem{Status: status, Title: title, Message: msg}, code
}

// wantsJSON reports an API request: an /api/ path, or a client that asks
// for JSON rather than HTML.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.HasPrefix(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// handleError is echo's HTTPErrorHandler.
func (w *web) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		return // the client went away
	}
	r := c.Request()
	var ae *apiError // api_json.go: always JSON, with its own code
	if errors.As(err, &ae) {
		if ae.Status >= 500 {
			w.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", ae.Status, "err", err)
		}
		if werr := c.JSON(ae.Status, apiErrBody(ae.Code, ae.Message, ae.Fields)); werr != nil {
			w.log.Warn("write error response", "path", r.URL.Path, "err", fmt.Errorf("app: %w", werr))
		}
		return
	}
	p, code := w.problemFor(c, err)
	var werr error
	switch {
	case wantsJSON(r):
		werr = c.JSON(p.Status, map[string]any{"error": map[string]any{"code": code, "message": p.Message}})
	case isHTMX(c):
		h := c.Response().Header()
		if p.Status == http.StatusUnauthorized {
			h.Set("HX-Redirect", "/admin/login")
		}
		h.Set("HX-Retarget", "#flash")
		h.Set("HX-Reswap", "innerHTML")
		werr = w.render(c, p.Status, views.ErrorFlash(p))
	case strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
		werr = c.String(p.Status, p.Message)
	case p.Status == http.StatusUnauthorized:
		target := "/admin/login"
		if r.Method == http.MethodGet && r.URL.Path != "/admin" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		werr = c.Redirect(http.StatusSeeOther, target)
	case r.Method == http.MethodHead:
		werr = c.NoContent(p.Status)
	default:
		werr = w.render(c, p.Status, views.ErrorPage(w.layout(c, p.Title, ""), p))
	}
	if werr != nil {
		w.log.Warn("write error response", "path", r.URL.Path, "err", fmt.Errorf("app: %w", werr))
	}
}
