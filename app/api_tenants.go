package app

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
)

// The tenants resource: types, routes, list and get. Create, update and
// delete are in their own files.

// apiTenant is a tenant as the API shows it.
type apiTenant struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	PhoneNumber string           `json:"phone_number" doc:"E.164, or empty"`
	Status      string           `json:"status" doc:"PENDING, ACTIVE, PAUSED or ERROR"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	Config      *apiTenantConfig `json:"config,omitempty" doc:"The bot's settings (not in lists)."`
}

// apiTenantConfig is how a tenant's bot answers.
type apiTenantConfig struct {
	Template           string                       `json:"template" doc:"booking, ecommerce or support"`
	BusinessName       string                       `json:"business_name"`
	Language           string                       `json:"language" doc:"en, sw or auto"`
	RateLimitPerMinute *int                         `json:"rate_limit_per_minute" doc:"Bot replies per minute; null = the server default, 0 = no limit."`
	ReplyOverrides     map[string]map[string]string `json:"reply_overrides" doc:"intent → language (en, sw) → reply text; {business} is the only placeholder."`
}

func toAPITenant(t store.Tenant) apiTenant {
	return apiTenant{ID: t.ID, Name: t.Name, PhoneNumber: t.PhoneNumber, Status: t.Status,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func toAPIConfig(cfg store.TenantConfig) *apiTenantConfig {
	o := map[string]map[string]string(cfg.ReplyOverrides)
	if o == nil {
		o = map[string]map[string]string{}
	}
	return &apiTenantConfig{Template: cfg.TemplateType, BusinessName: cfg.BusinessName, Language: cfg.Language,
		RateLimitPerMinute: cfg.RateLimitPerMinute, ReplyOverrides: o}
}

func (w *web) tenantAPIRoutes() []apiRoute {
	return []apiRoute{
		{
			Method: http.MethodGet, Path: "/tenants", Tag: "tenants", Scope: scopeAdmin,
			Summary: "List tenants, newest first", Handler: w.apiTenantList,
			Query: []apiParam{
				{Name: "status", Description: "Only tenants in this status.", Enum: []string{store.TenantPending, store.TenantActive, store.TenantPaused, store.TenantError}},
				{Name: "limit", Type: "integer", Description: "Page size, 1 to 200 (default 50)."},
				{Name: "cursor", Description: "next_cursor of the previous page."},
			},
			Response: apiPage[apiTenant]{},
		},
		{
			Method: http.MethodPost, Path: "/tenants", Tag: "tenants", Scope: scopeAdmin,
			Summary: "Create a tenant", Handler: w.apiTenantCreate,
			Description: "Same rules as the dashboard's form. The worker is not started: POST …/worker/start.",
			Request:     apiTenantInput{}, Response: apiTenant{}, Status: http.StatusCreated,
		},
		{
			Method: http.MethodGet, Path: "/tenants/:id", Tag: "tenants", Scope: scopeTenant,
			Summary: "Get a tenant and its settings", Handler: w.apiTenantGet, Response: apiTenant{},
		},
		{
			Method: http.MethodPatch, Path: "/tenants/:id", Tag: "tenants", Scope: scopeTenant,
			Summary: "Update a tenant's name, number and settings", Handler: w.apiTenantUpdate,
			Description: "Only the fields sent change. A running worker uses the new settings at once.",
			Request:     apiTenantPatch{}, Response: apiTenant{},
		},
		{
			Method: http.MethodDelete, Path: "/tenants/:id", Tag: "tenants", Scope: scopeAdmin,
			Summary: "Delete a tenant", Handler: w.apiTenantDelete, Status: http.StatusNoContent,
			Description: "Stops the worker and removes the tenant, its settings, session, portal accounts and tokens.",
			Query:       []apiParam{{Name: "keep_logs", Type: "boolean", Description: "Keep the logged messages as history (default true)."}},
		},
	}
}

// apiTenantList lists tenants (GET /api/v1/tenants).
func (w *web) apiTenantList(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	status := strings.ToUpper(c.QueryParam("status"))
	if status != "" && !store.ValidTenantStatus(status) {
		return apiErr(http.StatusBadRequest, "invalid_parameter", "status must be PENDING, ACTIVE, PAUSED or ERROR.")
	}
	opts := store.TenantPageOptions{Status: status, Limit: limit + 1}
	cur, ok, err := queryCursor(c, "tenants")
	if err != nil {
		return err
	}
	if ok {
		at, perr := time.Parse(time.RFC3339Nano, cur.T)
		if perr != nil || cur.ID == "" {
			return apiErr(http.StatusBadRequest, "bad_cursor", "The cursor is not valid for this list: pass next_cursor from the previous page unchanged.")
		}
		opts.After = &store.TenantKey{CreatedAt: at, ID: cur.ID}
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	rows, err := w.st.ListTenantsPage(ctx, opts)
	if err != nil {
		return fmt.Errorf("app: api list tenants: %w", err)
	}
	rows, next := cutPage(rows, limit, func(last store.Tenant) apiCursor {
		return apiCursor{K: "tenants", ID: last.ID, T: last.CreatedAt.UTC().Format(time.RFC3339Nano)}
	})
	out := make([]apiTenant, len(rows))
	for i, t := range rows {
		out[i] = toAPITenant(t)
	}
	return c.JSON(http.StatusOK, newPage(out, next))
}

// apiLoadTenant loads the tenant of :id (the guard has checked the caller
// may see it).
func (w *web) apiLoadTenant(c echo.Context) (store.Tenant, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	t, err := w.st.GetTenant(ctx, c.Param("id"))
	if err != nil {
		return store.Tenant{}, apiStoreError(err, "tenant")
	}
	return t, nil
}

// apiTenantWithConfig is the tenant with its settings.
func (w *web) apiTenantWithConfig(c echo.Context, t store.Tenant) (apiTenant, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	cfg, err := w.st.GetTenantConfig(ctx, t.ID)
	if err != nil {
		return apiTenant{}, apiStoreError(err, "tenant")
	}
	out := toAPITenant(t)
	out.Config = toAPIConfig(cfg)
	return out, nil
}

// apiTenantGet returns one tenant (GET /api/v1/tenants/:id).
func (w *web) apiTenantGet(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	out, err := w.apiTenantWithConfig(c, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
