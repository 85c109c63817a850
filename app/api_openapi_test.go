package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store/storetest"
)

// documentedOps reads the operations of the server's OpenAPI document as
// "METHOD /api/v1/path/{param}".
func documentedOps(t *testing.T, h http.Handler) (map[string]bool, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, apiPrefix+"/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi.json: %d %s", rec.Code, rec.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		for m := range item.(map[string]any) {
			ops[strings.ToUpper(m)+" "+apiPrefix+p] = true
		}
	}
	return ops, doc
}

// registeredOps walks echo's routes under /api/v1.
func registeredOps(e *echo.Echo) map[string]bool {
	ops := map[string]bool{}
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, apiPrefix+"/") || r.Method == echo.RouteNotFound {
			continue
		}
		ops[r.Method+" "+openAPIPath(r.Path)] = true
	}
	return ops
}

// TestAPIOpenAPIComplete fails when an /api/v1 route is missing from the
// OpenAPI document or a documented one does not exist, with the simulated
// network on and off; and checks the document hangs together.
func TestAPIOpenAPIComplete(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	noSim := *e.w
	noSim.sim = nil
	for name, w := range map[string]*web{"sim": e.w, "whatsmeow": &noSim} {
		h := w.routes().(*echo.Echo)
		doc, raw := documentedOps(t, h)
		reg := registeredOps(h)
		var missing, absent []string
		for op := range reg {
			if !doc[op] {
				missing = append(missing, op)
			}
		}
		for op := range doc {
			if !reg[op] {
				absent = append(absent, op)
			}
		}
		sort.Strings(missing)
		sort.Strings(absent)
		if len(missing) > 0 {
			t.Errorf("%s: routes missing from openapi.json: %v", name, missing)
		}
		if len(absent) > 0 {
			t.Errorf("%s: documented but not routed: %v", name, absent)
		}
		hasSim := doc["POST "+apiPrefix+"/sim/tenants/{id}/scan"]
		if hasSim != (w.sim != nil) {
			t.Errorf("%s: sim endpoints documented = %v", name, hasSim)
		}
		checkOpenAPIDoc(t, name, raw)
	}
}

// checkOpenAPIDoc checks every $ref resolves, every path parameter is
// declared, and every operation has a summary and a success response.
func checkOpenAPIDoc(t *testing.T, name string, doc map[string]any) {
	t.Helper()
	if doc["openapi"] != "3.0.3" {
		t.Errorf("%s: openapi = %v", name, doc["openapi"])
	}
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if _, ok := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok {
					t.Errorf("%s: dangling $ref %s", name, ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	ids := map[string]bool{}
	for p, item := range doc["paths"].(map[string]any) {
		for m, o := range item.(map[string]any) {
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s: %s %s: operationId %q missing or repeated", name, m, p, id)
			}
			ids[id] = true
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s: %s %s has no summary", name, m, p)
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, pa := range params {
				pm := pa.(map[string]any)
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, seg := range strings.Split(p, "/") {
				if strings.HasPrefix(seg, "{") && !declared[strings.Trim(seg, "{}")] {
					t.Errorf("%s: %s %s: path parameter %s undeclared", name, m, p, seg)
				}
			}
			ok := false
			for code := range op["responses"].(map[string]any) {
				ok = ok || strings.HasPrefix(code, "2")
			}
			if !ok {
				t.Errorf("%s: %s %s has no success response", name, m, p)
			}
		}
	}
	// A sample schema: the tenant has its fields and the message id is a string.
	tn, _ := schemas["Tenant"].(map[string]any)["properties"].(map[string]any)
	if tn["phone_number"] == nil || tn["config"] == nil {
		t.Errorf("%s: Tenant schema %v", name, tn)
	}
	msg, _ := schemas["Message"].(map[string]any)["properties"].(map[string]any)
	if id, _ := msg["id"].(map[string]any); id["type"] != "string" {
		t.Errorf("%s: Message.id schema %v", name, msg["id"])
	}
}
