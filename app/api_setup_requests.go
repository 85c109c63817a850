package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
)

// Setup requests through the API: anyone may submit one (same rules and
// per-address limit as the public form); admins list, approve and reject
// them. All of it goes through the onboarding service
// (setup_request_service.go), so the API and the dashboard behave alike.

// apiSetupRequestInput is the body of POST /setup-requests.
type apiSetupRequestInput struct {
	BusinessName string `json:"business_name"`
	ContactName  string `json:"contact_name"`
	Phone        string `json:"phone" doc:"International format, or a local Kenyan or Tanzanian number with country."`
	Country      string `json:"country" optional:"true" doc:"KE or TZ: how to read a local number such as 0712345678."`
	Email        string `json:"email"`
	Template     string `json:"template" doc:"booking, ecommerce or support"`
	Language     string `json:"language" doc:"en, sw or auto"`
	Note         string `json:"note" optional:"true"`
}

// apiRejectInput is the body of POST /setup-requests/:request/reject.
type apiRejectInput struct {
	Reason string `json:"reason" doc:"Required; kept with the request."`
}

// apiApproval answers POST /setup-requests/:request/approve.
type apiApproval struct {
	Request         store.SetupRequest `json:"request"`
	Tenant          apiTenant          `json:"tenant"`
	InviteURL       string             `json:"invite_url" doc:"One-time link for the business to set its portal password; shown only here."`
	InviteExpiresAt time.Time          `json:"invite_expires_at"`
	WorkerError     string             `json:"worker_error" doc:"Why the worker did not start; empty when it did."`
}

func (w *web) setupRequestAPIRoutes() []apiRoute {
	return []apiRoute{
		{
			Method: http.MethodGet, Path: "/setup-requests", Tag: "setup requests", Scope: scopeAdmin,
			Summary: "List setup requests, newest first", Handler: w.apiSetupRequestList,
			Query: []apiParam{
				{Name: "status", Description: "Only requests in this status.", Enum: []string{store.SetupPending, store.SetupApproved, store.SetupRejected}},
				{Name: "limit", Type: "integer", Description: "Page size, 1 to 200 (default 50)."},
				{Name: "cursor", Description: "next_cursor of the previous page."},
			},
			Response: apiPage[store.SetupRequest]{},
		},
		{
			Method: http.MethodPost, Path: "/setup-requests", Tag: "setup requests", Scope: scopePublic,
			Summary:     "Ask for Flow HQ for a business (no token needed)",
			Description: "Same rules as the public form, including its per-address hourly limit (429) and one pending request per number (409).",
			Handler:     w.apiSetupRequestCreate, Request: apiSetupRequestInput{}, Response: store.SetupRequest{}, Status: http.StatusCreated,
		},
		{
			Method: http.MethodPost, Path: "/setup-requests/:request/approve", Tag: "setup requests", Scope: scopeAdmin,
			Summary:     "Approve a pending request: creates the tenant, its portal account and an invite link, and starts the worker",
			Handler:     w.apiSetupRequestApprove,
			Response:    apiApproval{},
			Description: "409 when the request was decided already, or its email or number is taken.",
		},
		{
			Method: http.MethodPost, Path: "/setup-requests/:request/reject", Tag: "setup requests", Scope: scopeAdmin,
			Summary: "Reject a pending request with a reason", Handler: w.apiSetupRequestReject,
			Request: apiRejectInput{}, Response: store.SetupRequest{},
		},
	}
}

// setupServiceError maps the onboarding service's errors.
func setupServiceError(err error) error {
	var ve *validationError
	switch {
	case errors.As(err, &ve):
		return apiInvalid(ve.Fields)
	case errors.Is(err, errTooManyRequests):
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Too many setup requests from this address; try again in an hour.", Err: err}
	case errors.Is(err, errPendingPhone):
		return &apiError{Status: http.StatusConflict, Code: "pending_request", Message: "A setup request for this phone number is already waiting for a decision.", Err: err}
	case errors.Is(err, errAlreadyDecided):
		return &apiError{Status: http.StatusConflict, Code: "already_decided", Message: "This setup request was already decided.", Err: err}
	case errors.Is(err, errEmailTaken):
		return &apiError{Status: http.StatusConflict, Code: "email_taken", Message: "An account with this email exists already.", Err: err}
	case errors.Is(err, errPhoneTaken):
		return &apiError{Status: http.StatusConflict, Code: "phone_taken", Message: "Another tenant already uses this phone number.", Err: err}
	}
	return apiStoreError(err, "setup request")
}

// tokenActor is the account an admin token acts as in the onboarding
// service's audit entries.
func tokenActor(c echo.Context) store.User {
	p, _ := principalOf(c)
	return store.User{ID: "token:" + p.TokenID, Email: fmt.Sprintf("API token %q (%s…)", p.Name, p.Prefix)}
}

// apiSetupRequestList is GET /api/v1/setup-requests.
func (w *web) apiSetupRequestList(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	status := strings.ToUpper(c.QueryParam("status"))
	switch status {
	case "", store.SetupPending, store.SetupApproved, store.SetupRejected:
	default:
		return apiErr(http.StatusBadRequest, "invalid_parameter", "status must be PENDING, APPROVED or REJECTED.")
	}
	cur, ok, err := queryCursor(c, "setup-requests")
	if err != nil {
		return err
	}
	before := ""
	if ok {
		if cur.ID == "" {
			return apiErr(http.StatusBadRequest, "bad_cursor", "The cursor is not valid for this list: pass next_cursor from the previous page unchanged.")
		}
		before = cur.ID
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	rows, err := w.st.ListSetupRequests(ctx, status, limit+1, before)
	if err != nil {
		return fmt.Errorf("app: api list setup requests: %w", err)
	}
	rows, next := cutPage(rows, limit, func(last store.SetupRequest) apiCursor { return apiCursor{K: "setup-requests", ID: last.ID} })
	return c.JSON(http.StatusOK, newPage(rows, next))
}

// apiSetupRequestCreate is POST /api/v1/setup-requests.
func (w *web) apiSetupRequestCreate(c echo.Context) error {
	var in apiSetupRequestInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	ctx = withClientIP(ctx, c.RealIP())
	r, err := w.submitSetupRequest(ctx, setupRequestInput{BusinessName: in.BusinessName, ContactName: in.ContactName,
		Phone: in.Phone, Country: in.Country, Email: in.Email, Template: in.Template, Language: in.Language, Note: in.Note}, c.RealIP())
	if err != nil {
		return setupServiceError(err)
	}
	return c.JSON(http.StatusCreated, r)
}

// apiSetupRequestApprove is POST /api/v1/setup-requests/:request/approve.
func (w *web) apiSetupRequestApprove(c echo.Context) error {
	ctx, cancel := reqCtx(c, workerCtx)
	defer cancel()
	ctx = withClientIP(ctx, c.RealIP())
	a, err := w.approveSetupRequest(ctx, c.Param("request"), tokenActor(c))
	if err != nil {
		return setupServiceError(err)
	}
	return c.JSON(http.StatusOK, apiApproval{Request: a.Request, Tenant: toAPITenant(a.Tenant), InviteURL: a.InviteURL,
		InviteExpiresAt: a.InviteExpires.UTC(), WorkerError: a.WorkerError})
}

// apiSetupRequestReject is POST /api/v1/setup-requests/:request/reject.
func (w *web) apiSetupRequestReject(c echo.Context) error {
	var in apiRejectInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	ctx = withClientIP(ctx, c.RealIP())
	r, err := w.rejectSetupRequest(ctx, c.Param("request"), in.Reason, tokenActor(c))
	if err != nil {
		return setupServiceError(err)
	}
	return c.JSON(http.StatusOK, r)
}
