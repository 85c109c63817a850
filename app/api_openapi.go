package app

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// The OpenAPI 3 document, generated from the route table (api_routes.go).

func (w *web) docAPIRoutes() []apiRoute {
	return []apiRoute{{
		Method: http.MethodGet, Path: "/openapi.json", Tag: "meta", Scope: scopePublic,
		Summary:     "This API's OpenAPI 3 document",
		Description: "Generated from the server's route table, so it lists exactly the endpoints this server has (the sim endpoints only with FLOWHQ_WHATSAPP=sim).",
		Handler:     w.apiOpenAPI,
		Response:    map[string]any{},
	}}
}

// apiOpenAPI serves the document (GET /api/v1/openapi.json).
func (w *web) apiOpenAPI(c echo.Context) error {
	return c.JSON(http.StatusOK, openAPIDocument(w.apiRouteTable()))
}

// pathParamDocs describes the path parameters routes use.
var pathParamDocs = map[string]string{
	"id":      "Tenant id.",
	"chat":    "Chat: the customer's number in international format (+255712345678) or WhatsApp JID (255712345678@s.whatsapp.net); URL-encode it.",
	"request": "Setup request id.",
	"webhook": "Webhook id.",
	"event":   "Event id.",
}

var echoParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// openAPIPath turns an echo path into an OpenAPI one (:id → {id}).
func openAPIPath(p string) string { return echoParam.ReplaceAllString(p, "{$1}") }

// errorStatuses are the error answers documented for a route.
func errorStatuses(r apiRoute) []int {
	var out []int
	if r.Request != nil {
		out = append(out, 400, 413, 415, 422)
	}
	switch r.Scope {
	case scopeAdmin:
		out = append(out, 401, 403)
	case scopeTenant, scopeSim:
		out = append(out, 401, 404)
	}
	if strings.Contains(r.Path, ":") && r.Scope != scopeTenant && r.Scope != scopeSim {
		out = append(out, 404)
	}
	if r.Query != nil && r.Request == nil {
		out = append(out, 400)
	}
	if r.Method != http.MethodGet {
		out = append(out, 409)
	}
	sort.Ints(out)
	return compactInts(out)
}

func compactInts(s []int) []int {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// openAPIDocument builds the document for routes.
func openAPIDocument(routes []apiRoute) map[string]any {
	g := &schemaGen{comps: map[string]any{}}
	g.comps["Error"] = map[string]any{
		"type": "object",
		"properties": map[string]any{"error": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"code":    map[string]any{"type": "string", "description": "Machine-readable: unauthorized, forbidden, not_found, malformed_json, wrong_type, unknown_field, payload_too_large, bad_cursor, invalid_parameter, validation_failed, conflict, not_running, chat_closed, rate_limited, …"},
				"message": map[string]any{"type": "string", "description": "For people."},
				"fields":  map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}, "description": "Per-field messages (validation_failed only)."},
			},
			"required": []string{"code", "message"},
		}},
		"required": []string{"error"},
	}
	paths := map[string]any{}
	for _, r := range routes {
		p := openAPIPath(r.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{
			"summary":     r.Summary,
			"operationId": operationID(r),
			"tags":        []string{r.Tag},
			"x-scope":     string(r.Scope),
		}
		if r.Description != "" {
			op["description"] = r.Description
		}
		if r.Scope == scopePublic {
			op["security"] = []any{}
		}
		var params []any
		for _, m := range echoParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{
				"name": m[1], "in": "path", "required": true,
				"description": pathParamDocs[m[1]], "schema": map[string]any{"type": "string"},
			})
		}
		for _, q := range r.Query {
			s := map[string]any{"type": "string"}
			if q.Type != "" {
				s["type"] = q.Type
			}
			if q.Format != "" {
				s["format"] = q.Format
			}
			if len(q.Enum) > 0 {
				s["enum"] = q.Enum
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": s})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Request != nil {
			op["requestBody"] = map[string]any{
				"required": true,
				"content":  map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Request))}},
			}
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if r.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Response))}}
		}
		responses := map[string]any{strconv.Itoa(status): ok}
		for _, s := range errorStatuses(r) {
			responses[strconv.Itoa(s)] = map[string]any{
				"description": http.StatusText(s),
				"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
			}
		}
		op["responses"] = responses
		item[strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "Flow HQ API",
			"version": "1",
			"description": "The JSON API of Flow HQ. Authenticate with Authorization: Bearer <token> (create tokens in the admin dashboard, " +
				"the tenant portal or with flowhq token create). Admin tokens reach everything; tenant tokens only their own tenant " +
				"(another tenant's id answers 404) and no admin-only endpoint (403). Lists are newest first and paged with opaque " +
				"cursors: pass next_cursor as ?cursor= until it is null. Errors are {\"error\":{\"code\":…,\"message\":…}}.",
		},
		"servers":  []any{map[string]any{"url": apiPrefix}},
		"security": []any{map[string]any{"bearer": []string{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "fhq_…"}},
			"schemas":         g.comps,
		},
	}
}

// operationID is a stable name for a route, e.g. post_tenants_id_worker_start.
func operationID(r apiRoute) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, part := range strings.Split(r.Path, "/") {
		part = strings.TrimPrefix(part, ":")
		if part == "" {
			continue
		}
		b.WriteByte('_')
		b.WriteString(strings.NewReplacer("-", "_", ".", "_").Replace(part))
	}
	return b.String()
}

// schemaGen derives JSON schemas from Go types, collecting named structs
// as components.
type schemaGen struct{ comps map[string]any }

var (
	timeType        = reflect.TypeOf(time.Time{})
	optionalIntType = reflect.TypeOf(optionalInt{})
	rawJSONType     = reflect.TypeOf(json.RawMessage(nil))
)

// schemaName is a struct's component name: apiTenant → Tenant. Generic
// and unnamed types are inlined ("").
func schemaName(t reflect.Type) string {
	n := t.Name()
	if n == "" || strings.Contains(n, "[") {
		return ""
	}
	n = strings.TrimPrefix(n, "api")
	return strings.ToUpper(n[:1]) + n[1:]
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case optionalIntType:
		return map[string]any{"type": "integer", "nullable": true}
	case rawJSONType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem())
		if _, ref := s["$ref"]; ref {
			return map[string]any{"allOf": []any{s}, "nullable": true}
		}
		out := map[string]any{"nullable": true}
		for k, v := range s {
			out[k] = v
		}
		return out
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if name == "" {
			return g.structSchema(t)
		}
		if _, done := g.comps[name]; !done {
			g.comps[name] = map[string]any{} // placeholder: recursive types
			g.comps[name] = g.structSchema(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s
}

// fields adds t's JSON fields (flattening embedded structs) to props.
// Fields without omitempty are listed as required (responses always carry
// them) unless tagged `optional:"true"` (request fields that may be left
// out).
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var s map[string]any
		if strings.Contains(opts, "string") {
			s = map[string]any{"type": "string"}
		} else {
			s = g.schema(f.Type)
		}
		if d := f.Tag.Get("doc"); d != "" {
			if _, ref := s["$ref"]; ref {
				s = map[string]any{"allOf": []any{s}}
			}
			s["description"] = d
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && f.Tag.Get("optional") == "" {
			*required = append(*required, name)
		}
	}
}
