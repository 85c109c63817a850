package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// apiAuthChat is the chat the authorization test uses in paths.
const apiAuthChat = "+254700000001"

// apiAuthPath fills a route's path parameters: :id with the tenant, and
// the others with values that exist for it. A route with a new parameter
// adds it here.
func apiAuthPath(path, tenantID string, extra map[string]string) string {
	out := []string{}
	for _, part := range strings.Split(path, "/") {
		if !strings.HasPrefix(part, ":") {
			out = append(out, part)
			continue
		}
		name := part[1:]
		switch name {
		case "id":
			out = append(out, url.PathEscape(tenantID))
		case "chat":
			out = append(out, url.PathEscape(apiAuthChat))
		default:
			v, ok := extra[name]
			if !ok {
				v = "unknown-" + name
			}
			out = append(out, url.PathEscape(v))
		}
	}
	return apiPrefix + strings.Join(out, "/")
}

// TestAPIAuthorization runs every route of the table (so new routes are
// covered by themselves) as five callers: no token, a revoked token, an
// admin token, the token of the tenant in the path, and another tenant's
// token.
func TestAPIAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		ctx := context.Background()
		admin, _ := e.mintToken("admin", "")
		revoked, rrow := e.mintToken("revoked", "")
		if _, err := st.RevokeAPIToken(ctx, store.AnyTenant, rrow.ID, rrow.CreatedAt); err != nil {
			t.Fatal(err)
		}
		other := e.tenant("Other")
		otherToken, _ := e.mintToken("other", other.ID)

		routes := e.w.apiRouteTable()
		if len(routes) < 20 {
			t.Fatalf("only %d routes in the table", len(routes))
		}
		for _, r := range routes {
			name := r.Method + " " + r.Path
			t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
				own := e.tenant("Own")
				ownToken, _ := e.mintToken("own", own.ID)
				extra := e.apiAuthFixtures(t, own.ID)
				path := apiAuthPath(r.Path, own.ID, extra)
				var body any
				if r.Request != nil {
					body = "{}"
				}
				call := func(token string) apiResp { return e.apiDo(r.Method, path, token, body) }
				authorized := func(who string, res apiResp) {
					t.Helper()
					if res.status == http.StatusUnauthorized || res.status == http.StatusForbidden ||
						(res.status == http.StatusNotFound && res.message() == "There is no such tenant.") {
						t.Errorf("%s: %s refused: %d %s", name, who, res.status, res.raw)
					}
				}

				// No token and a revoked token: 401, except public routes.
				for who, token := range map[string]string{"no token": "", "revoked token": revoked, "malformed token": "fhq_nope"} {
					res := call(token)
					if r.Scope == scopePublic {
						authorized(who, res)
						continue
					}
					res.wantErr(t, name+" "+who, http.StatusUnauthorized, "unauthorized")
					if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("%s %s: no WWW-Authenticate", name, who)
					}
				}
				// Another tenant's token: 404 on tenant routes, 403 on admin ones.
				res := call(otherToken)
				switch r.Scope {
				case scopePublic:
					authorized("other tenant", res)
				case scopeAdmin:
					res.wantErr(t, name+" other tenant", http.StatusForbidden, "forbidden")
				default:
					res.wantErr(t, name+" other tenant", http.StatusNotFound, "not_found")
				}
				// The tenant's own token: allowed, except admin routes.
				res = call(ownToken)
				if r.Scope == scopeAdmin {
					res.wantErr(t, name+" own tenant", http.StatusForbidden, "forbidden")
				} else {
					authorized("own tenant", res)
				}
				// Nothing above may have removed the tenant.
				if _, err := st.GetTenant(ctx, own.ID); err != nil {
					t.Fatalf("%s: tenant gone before the admin's call: %v", name, err)
				}
				// An admin token: allowed everywhere.
				authorized("admin", call(admin))
			})
		}
		// Tokens were used: last use recorded.
		tok, err := st.GetAPITokenByHash(ctx, hashAPIToken(admin))
		if err != nil || tok.LastUsedAt == nil {
			t.Fatalf("admin token last use = %+v, %v", tok.LastUsedAt, err)
		}
	})
}

// apiAuthFixtures creates what a route's other path parameters name, for
// the tenant (see apiAuthPath).
func (e *webEnv) apiAuthFixtures(t *testing.T, tenantID string) map[string]string {
	t.Helper()
	apiAuthSeq++
	r := store.SetupRequest{BusinessName: "Shop", ContactName: "Amina", Phone: fmt.Sprintf("+2557%08d", apiAuthSeq),
		Email: fmt.Sprintf("amina%d@example.com", apiAuthSeq), Template: "ecommerce", Language: "sw"}
	if err := e.st.CreateSetupRequest(context.Background(), &r, 0, time.Hour); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"request": r.ID}
}

var apiAuthSeq int
