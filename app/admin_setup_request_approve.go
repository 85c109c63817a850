package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// adminSetupRequestApprove approves a pending request
// (POST /admin/setup-requests/:id/approve) and shows the invite link once.
// A failure comes back on the list, on the request's card.
func (w *web) adminSetupRequestApprove(c echo.Context) error {
	by := authOf(c).User
	// Not the request's context: an approval that has begun finishes even
	// if the browser goes away.
	ctx, cancel := context.WithTimeout(withClientIP(context.WithoutCancel(c.Request().Context()), c.RealIP()), workerCtx)
	defer cancel()
	a, err := w.approveSetupRequest(ctx, c.Param("id"), by)
	if err != nil {
		return w.setupActionFailed(c, c.Param("id"), err)
	}
	p := approvedView(a, false)
	return w.page(c, http.StatusOK, views.SetupApprovedPage(w.layout(c, "Setup request approved", "setup"), p), views.SetupApprovedPanel(p))
}

// adminSetupRequestInvite issues a new invite link for the account of an
// approved request (POST /admin/setup-requests/:id/invite).
func (w *web) adminSetupRequestInvite(c echo.Context) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	a, err := w.reissueInvite(withClientIP(ctx, c.RealIP()), c.Param("id"), authOf(c).User)
	if err != nil {
		return w.setupActionFailed(c, c.Param("id"), err)
	}
	p := approvedView(a, true)
	return w.page(c, http.StatusOK, views.SetupApprovedPage(w.layout(c, "New invite link", "setup"), p), views.SetupApprovedPanel(p))
}

func approvedView(a setupApproval, reissued bool) views.SetupApproved {
	return views.SetupApproved{Request: a.Request, TenantID: a.Tenant.ID, TenantName: nameOrID(a.Tenant),
		InviteURL: a.InviteURL, InviteExpires: a.InviteExpires, WorkerError: a.WorkerError, Reissued: reissued}
}

// setupActionFailed shows the list again with what went wrong: a 404 for
// a request that does not exist, 409 for one that cannot be acted on, 422
// for a bad reason.
func (w *web) setupActionFailed(c echo.Context, id string, err error) error {
	var ve *validationError
	status, msg := 0, ""
	switch {
	case errors.As(err, &ve):
		status, msg = http.StatusUnprocessableEntity, ve.Fields["reason"]
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("setup request")
	case errors.Is(err, errAlreadyDecided):
		status, msg = http.StatusConflict, "This request was already decided (perhaps by another admin)."
	case errors.Is(err, errEmailTaken):
		status, msg = http.StatusConflict, "An account with this email exists already. Reject the request, or ask the business for another email."
	case errors.Is(err, errPhoneTaken):
		status, msg = http.StatusConflict, "Another tenant already uses this phone number."
	case errors.Is(err, store.ErrConflict):
		status, msg = http.StatusConflict, "That is not possible for this request any more."
	default:
		return err
	}
	p, lerr := w.setupList(c)
	if lerr != nil {
		return lerr
	}
	p.Errors[id] = msg
	p.Reasons[id] = c.FormValue("reason")
	p.Notice, p.NoticeBad = msg, true
	return w.renderSetupList(c, status, p)
}
