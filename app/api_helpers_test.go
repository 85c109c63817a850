package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
)

// mintToken creates a token directly in the store and returns it; tenantID
// "" makes an admin token.
func (e *webEnv) mintToken(name, tenantID string) (token string, row store.APIToken) {
	e.t.Helper()
	token, hash, prefix := newAPIToken()
	row = store.APIToken{Name: name, Prefix: prefix, TokenHash: hash, Scope: store.TokenScopeAdmin}
	if tenantID != "" {
		row.Scope, row.TenantID = store.TokenScopeTenant, &tenantID
	}
	if err := e.st.CreateAPIToken(context.Background(), &row); err != nil {
		e.t.Fatal(err)
	}
	return token, row
}

// apiResp is an API answer: status, decoded JSON (if any) and raw body.
type apiResp struct {
	status int
	header http.Header
	json   map[string]any
	raw    string
}

// code is the error code of an error answer.
func (r apiResp) code() string {
	e, _ := r.json["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r apiResp) message() string {
	e, _ := r.json["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// data is the data array of a page.
func (r apiResp) data() []map[string]any {
	var out []map[string]any
	arr, _ := r.json["data"].([]any)
	for _, v := range arr {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (r apiResp) str(key string) string {
	s, _ := r.json[key].(string)
	return s
}

// apiDo sends one API request. body is nil, a string (sent as is) or a
// value marshalled to JSON. headers are name, value pairs.
func (e *webEnv) apiDo(method, path, token string, body any, headers ...string) apiResp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	hc := &http.Client{Timeout: 60 * time.Second}
	res, err := hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	r := apiResp{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.json); err != nil {
			e.t.Fatalf("%s %s: answer is not a JSON object: %v: %.200s", method, path, err, raw)
		}
	}
	return r
}

// apiWant fails unless the answer has the status.
func (r apiResp) want(t *testing.T, what string, status int) apiResp {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %.500s", what, r.status, status, r.raw)
	}
	return r
}

// wantErr fails unless the answer is an error with status and code.
func (r apiResp) wantErr(t *testing.T, what string, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code || r.message() == "" {
		t.Errorf("%s: %d %q, want %d %q: %.300s", what, r.status, r.code(), status, code, r.raw)
	}
}
