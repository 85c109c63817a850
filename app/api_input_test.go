package app

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// TestAPIBadInput: malformed JSON, wrong types, unknown fields, oversized
// bodies, bad cursors and parameters, invalid values, another tenant's
// ids and unknown paths all get a 4xx with a code, and change nothing.
func TestAPIBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		admin, _ := e.mintToken("ops", "")
		a := e.tenant("A")
		b := e.tenant("B")
		aTok, _ := e.mintToken("a", a.ID)
		tenants := apiPrefix + "/tenants"

		for name, c := range map[string]struct {
			body   string
			status int
			code   string
		}{
			"malformed":       {`{"name":`, 400, "malformed_json"},
			"not json":        {`name=x`, 400, "malformed_json"},
			"empty":           {``, 400, "malformed_json"},
			"trailing data":   {`{"name":"A"} {"name":"B"}`, 400, "malformed_json"},
			"array":           {`[1,2]`, 400, "wrong_type"},
			"wrong type":      {`{"name": 5}`, 400, "wrong_type"},
			"nested type":     {`{"name":"X","reply_overrides":{"hours":"no"}}`, 400, "wrong_type"},
			"rate as string":  {`{"name":"X","rate_limit_per_minute":"10"}`, 400, "wrong_type"},
			"unknown field":   {`{"name":"X","colour":"red"}`, 400, "unknown_field"},
			"invalid values":  {`{"name":"","phone_number":"0712","template":"bakery","language":"fr","business_name":"{x}","rate_limit_per_minute":-1}`, 422, "validation_failed"},
			"bad override":    {`{"name":"X","reply_overrides":{"nosuch":{"en":"hi"}}}`, 422, "validation_failed"},
			"NUL in name":     {`{"name":"a\u0000b"}`, 422, "validation_failed"},
			"markup too long": {`{"name":"` + strings.Repeat("<b>", 100) + `"}`, 422, "validation_failed"},
		} {
			e.apiDo("POST", tenants, admin, c.body).wantErr(t, name, c.status, c.code)
		}
		res := e.apiDo("POST", tenants, admin, `{"name":"","phone_number":"0712","template":"bakery","language":"fr","business_name":"{x}","rate_limit_per_minute":-1}`)
		fields, _ := res.json["error"].(map[string]any)["fields"].(map[string]any)
		for _, f := range []string{"name", "phone_number", "template", "language", "business_name", "rate_limit_per_minute"} {
			if fields[f] == nil {
				t.Errorf("validation error lacks field %s: %s", f, res.raw)
			}
		}
		e.apiDo("POST", tenants, admin, `{"name":"X"}`, "Content-Type", "text/plain").wantErr(t, "text/plain", 415, "unsupported_media_type")

		// Oversized bodies: declared, and streamed without a length.
		big := `{"name":"` + strings.Repeat("x", maxBody) + `"}`
		e.apiDo("POST", tenants, admin, big).wantErr(t, "oversized", 413, "payload_too_large")
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte(big))
			_ = pw.Close()
		}()
		e.apiDo("POST", tenants, admin, pr).wantErr(t, "oversized, chunked", 413, "payload_too_large")

		// A taken number is a field error; nothing was created meanwhile.
		e.apiDo("POST", tenants, admin, `{"name":"C","phone_number":"+255712345678"}`).want(t, "create C", http.StatusCreated)
		e.apiDo("POST", tenants, admin, `{"name":"D","phone_number":"+255 712 345 678"}`).wantErr(t, "taken number", 422, "validation_failed")
		if l := e.apiDo("GET", tenants, admin, nil).data(); len(l) != 3 {
			t.Fatalf("%d tenants after bad input, want 3", len(l))
		}
		e.apiDo("PATCH", apiPrefix+"/tenants/"+a.ID, admin, `{"phone_number":"+255712345678"}`).wantErr(t, "patch to a taken number", 422, "validation_failed")
		// The tenant's own token tunes the bot but not what the operator
		// decides: name, number, rate limit.
		for _, body := range []string{`{"rate_limit_per_minute":0}`, `{"rate_limit_per_minute":null}`, `{"name":"Mine"}`, `{"phone_number":""}`} {
			e.apiDo("PATCH", apiPrefix+"/tenants/"+a.ID, aTok, body).wantErr(t, "tenant token patch "+body, 403, "forbidden")
		}
		e.apiDo("PATCH", apiPrefix+"/tenants/"+a.ID, aTok, `{"language":"sw"}`).want(t, "tenant token patch language", http.StatusOK)
		e.apiDo("PATCH", apiPrefix+"/tenants/"+a.ID, aTok, `{"status":"ACTIVE"}`).wantErr(t, "patch status", 400, "unknown_field")

		// Parameters and cursors.
		for name, c := range map[string]struct {
			path, code string
		}{
			"garbage cursor":        {tenants + "?cursor=!!!", "bad_cursor"},
			"base64 non-json":       {tenants + "?cursor=bm9wZQ", "bad_cursor"},
			"another list's cursor": {tenants + "?cursor=" + encodeCursor(apiCursor{K: "messages", N: 5}), "bad_cursor"},
			"cursor without time":   {tenants + "?cursor=" + encodeCursor(apiCursor{K: "tenants", ID: "x"}), "bad_cursor"},
			"messages cursor":       {apiPrefix + "/tenants/" + a.ID + "/messages?cursor=" + encodeCursor(apiCursor{K: "tenants", ID: "x"}), "bad_cursor"},
			"negative position":     {apiPrefix + "/tenants/" + a.ID + "/messages?cursor=" + encodeCursor(apiCursor{K: "messages", N: -3}), "bad_cursor"},
			"chats cursor":          {apiPrefix + "/tenants/" + a.ID + "/chats?cursor=xyz", "bad_cursor"},
			"limit 0":               {tenants + "?limit=0", "invalid_parameter"},
			"limit huge":            {tenants + "?limit=100000", "invalid_parameter"},
			"limit word":            {tenants + "?limit=ten", "invalid_parameter"},
			"status":                {tenants + "?status=SLEEPING", "invalid_parameter"},
			"direction":             {apiPrefix + "/tenants/" + a.ID + "/messages?direction=UP", "invalid_parameter"},
			"since":                 {apiPrefix + "/tenants/" + a.ID + "/messages?since=yesterday", "invalid_parameter"},
			"chat":                  {apiPrefix + "/tenants/" + a.ID + "/messages?chat=abc", "invalid_parameter"},
			"keep_logs":             {apiPrefix + "/tenants/" + b.ID + "?keep_logs=maybe", "invalid_parameter"},
		} {
			method := "GET"
			if strings.Contains(c.path, "keep_logs") {
				method = "DELETE"
			}
			e.apiDo(method, c.path, admin, nil).wantErr(t, name, 400, c.code)
		}

		// Another tenant's ids, unknown ids and paths.
		for _, p := range []string{"", "/status", "/qr", "/messages", "/chats"} {
			e.apiDo("GET", apiPrefix+"/tenants/"+b.ID+p, aTok, nil).wantErr(t, "other tenant "+p, 404, "not_found")
			e.apiDo("GET", apiPrefix+"/tenants/no-such-tenant"+p, admin, nil).wantErr(t, "unknown tenant "+p, 404, "not_found")
		}
		e.apiDo("POST", apiPrefix+"/tenants/"+b.ID+"/messages", aTok, `{"chat":"+254700000001","text":"hi"}`).
			wantErr(t, "send as another tenant", 404, "not_found")
		e.apiDo("GET", apiPrefix+"/nope", admin, nil).wantErr(t, "unknown path", 404, "not_found")
		e.apiDo("GET", "/api/v2/tenants", admin, nil).wantErr(t, "unknown version", 404, "not_found")
		res = e.apiDo("PUT", tenants, admin, `{}`)
		res.wantErr(t, "wrong method", 405, "method_not_allowed")
		if allow := res.header.Get("Allow"); allow != "GET, POST" {
			t.Errorf("Allow: %q", allow)
		}
		e.apiDo("DELETE", apiPrefix+"/tenants/"+a.ID+"/messages", admin, nil).wantErr(t, "wrong method on a tenant path", 405, "method_not_allowed")
		e.apiDo("POST", apiPrefix+"/tenants/"+a.ID+"/chats/"+"abc"+"/pause", admin, nil).wantErr(t, "bad chat", 400, "invalid_parameter")
		e.apiDo("POST", apiPrefix+"/tenants/"+a.ID+"/messages", admin, `{"chat":"","text":""}`).wantErr(t, "empty send", 422, "validation_failed")
		e.apiDo("POST", apiPrefix+"/tenants/"+a.ID+"/messages", admin, map[string]string{"chat": "+254700000001", "text": strings.Repeat("x", 5000)}).
			wantErr(t, "long send", 422, "validation_failed")
		e.apiDo("POST", apiPrefix+"/tenants/"+a.ID+"/pair-code", admin, `{"phone":"12"}`).wantErr(t, "bad pairing phone", 422, "validation_failed")
		e.apiDo("POST", apiPrefix+"/sim/tenants/"+a.ID+"/inbound", admin, `{"from":"x","text":""}`).wantErr(t, "bad inbound", 422, "validation_failed")

		// Tokens: scheme and shape.
		for name, h := range map[string]string{
			"basic":      "Basic " + admin,
			"no scheme":  admin,
			"short":      "Bearer fhq_abc",
			"other kind": "Bearer ghp_" + strings.Repeat("a", 43),
		} {
			e.apiDo("GET", tenants, "", nil, "Authorization", h).wantErr(t, name, 401, "unauthorized")
		}
		e.apiDo("GET", tenants, "", nil, "Authorization", "bearer "+admin).want(t, "lower-case scheme", http.StatusOK)

		// The API ignores session cookies and CSRF: a token is all it takes, and
		// a signed-in browser without a token gets nothing.
		c := adminClient(t, e)
		r := c.get(tenants)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"unauthorized"`) {
			t.Fatalf("session cookie on the API: %d %s", r.status, r.body)
		}
	})
}
