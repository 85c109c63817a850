package app

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// The JSON API: /api/v1.
//
// One table describes every endpoint: its method and path, who may call
// it, its handler and the shapes of its request and response. The same
// table registers the routes (apiRoutes) and generates the OpenAPI 3
// document at /api/v1/openapi.json (api_openapi.go), so the two cannot
// drift; TestAPIOpenAPIComplete walks echo's routes and fails when an
// /api/v1 route is registered outside the table or documented but absent,
// and TestAPIAuthorization runs every route of the table through the five
// kinds of caller (no token, revoked, admin, own tenant, other tenant).
//
// How a feature adds endpoints (e.g. webhooks, in app/api_webhooks.go):
//
//  1. Write a method returning the area's routes,
//
//     func (w *web) webhookAPIRoutes() []apiRoute {
//     	return []apiRoute{{
//     		Method: http.MethodPost, Path: "/tenants/:id/webhooks",
//     		Summary: "Create a webhook", Tag: "webhooks",
//     		Scope:   scopeTenant, // admin | tenant | public | sim
//     		Handler: w.apiWebhookCreate,
//     		Request: apiWebhookInput{}, Response: apiWebhook{}, Status: http.StatusCreated,
//     		Query:   []apiParam{…}, // documented query parameters, if any
//     	}}
//     }
//
//     and add the call to the list in apiRouteTable below (webhooks is
//     already there). Paths are relative to /api/v1 in echo syntax
//     (":id"); a tenant's id is always the parameter :id, which the
//     guard checks for tenant and sim scopes.
//  2. Request and Response are values of the Go types the handler binds
//     (with bindJSON: strict) and returns; the OpenAPI schemas are derived
//     from them by reflection (json tags; a `doc:"…"` tag adds a
//     description). Use pointer fields for nullable values, apiPage[T] for
//     lists (with encodeCursor/queryCursor for next_cursor) and return
//     *apiError (apiErr, apiInvalid, apiNotFound, apiStoreError) for
//     client errors.
//  3. Handlers read the caller with principalOf(c), and record
//     state-changing calls with w.apiAudit.
//  4. Add the route's path parameters to apiAuthPath in
//     api_auth_test.go if it introduces a new one.

// apiPrefix is where the API lives.
const apiPrefix = "/api/v1"

// apiScope says who may call an endpoint.
type apiScope string

const (
	// scopeAdmin: admin tokens only (tenant tokens get 403).
	scopeAdmin apiScope = "admin"
	// scopeTenant: admin tokens, and the token of the tenant in :id
	// (other tenants' tokens get 404).
	scopeTenant apiScope = "tenant"
	// scopePublic: anyone, no token.
	scopePublic apiScope = "public"
	// scopeSim: like scopeTenant, and only when the server runs the
	// simulated phone network (FLOWHQ_WHATSAPP=sim); otherwise the route
	// does not exist.
	scopeSim apiScope = "sim"
)

// apiParam documents a query parameter.
type apiParam struct {
	Name, Description string
	Type              string // "string" (default), "integer" or "boolean"
	Format            string // e.g. "date-time"
	Enum              []string
}

// apiRoute is one endpoint of the API.
type apiRoute struct {
	Method      string
	Path        string // under /api/v1, echo syntax: /tenants/:id
	Summary     string
	Description string
	Tag         string // groups endpoints in the document
	Scope       apiScope
	Handler     echo.HandlerFunc
	Query       []apiParam
	Request     any // a value of the JSON body's type; nil: no body
	Response    any // a value of the success body's type; nil: no body
	Status      int // the success status; 0 means 200
}

// apiRouteTable is every endpoint, area by area. Sim routes are left out
// unless the simulated network runs.
func (w *web) apiRouteTable() []apiRoute {
	var out []apiRoute
	for _, area := range [][]apiRoute{
		w.docAPIRoutes(),          // api_openapi.go
		w.tenantAPIRoutes(),       // api_tenant_*.go
		w.workerAPIRoutes(),       // api_tenant_worker.go
		w.linkAPIRoutes(),         // api_tenant_link.go
		w.messageAPIRoutes(),      // api_messages.go
		w.chatAPIRoutes(),         // api_chats.go
		w.setupRequestAPIRoutes(), // api_setup_requests.go
		w.webhookAPIRoutes(),      // api_webhooks.go
		w.simAPIRoutes(),          // api_sim.go
	} {
		for _, r := range area {
			if r.Scope == scopeSim && w.sim == nil {
				continue
			}
			out = append(out, r)
		}
	}
	return out
}

// apiRoutes adds the JSON API: every route of the table behind its guard,
// and a JSON 404 for any other /api path.
func (w *web) apiRoutes(e *echo.Echo) {
	table := w.apiRouteTable()
	for _, r := range table {
		e.Add(r.Method, apiPrefix+r.Path, r.Handler, w.apiGuard(r.Scope))
	}
	w.tokenRoutes(e) // the admin pages of tokens: admin_tokens.go
	e.Any("/api/*", func(c echo.Context) error {
		r := c.Request()
		if allow := allowedMethods(table, r.URL.Path); len(allow) > 0 {
			c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
			return apiErr(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not available on %s; use %s.", r.Method, r.URL.Path, strings.Join(allow, " or "))
		}
		return apiErr(http.StatusNotFound, "not_found", "There is no API endpoint %s %s.", r.Method, r.URL.Path)
	})
}

// allowedMethods lists the methods the table has for path.
func allowedMethods(table []apiRoute, path string) []string {
	rest, ok := strings.CutPrefix(path, apiPrefix)
	if !ok {
		return nil
	}
	got := strings.Split(rest, "/")
	var out []string
	for _, r := range table {
		want := strings.Split(r.Path, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			if !strings.HasPrefix(want[i], ":") && want[i] != got[i] || strings.HasPrefix(want[i], ":") && got[i] == "" {
				match = false
				break
			}
		}
		if match && !slices.Contains(out, r.Method) {
			out = append(out, r.Method)
		}
	}
	return out
}
