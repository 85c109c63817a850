package app

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// JSON API plumbing: errors with a machine-readable code, strict request
// binding, query parameters and opaque cursors.
//
// Every API error reaches the client as
//
//	{"error":{"code":"unknown_field","message":"…","fields":{…}}}
//
// (fields only on validation errors). Handlers return an *apiError for
// anything the client did wrong; other errors go through the one error
// handler (errors.go), which maps store and supervisor sentinels to codes
// too and never shows internals.

// apiError is an API error with its status and code. The error handler
// always renders it as JSON, also outside /api (the metrics endpoint's
// bearer check).
type apiError struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string // per-field messages of a validation error
	Err     error             // the cause, for the server log
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("app: api %d %s: %s: %v", e.Status, e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("app: api %d %s: %s", e.Status, e.Code, e.Message)
}

func (e *apiError) Unwrap() error { return e.Err }

// apiErr builds an apiError.
func apiErr(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// apiInvalid is a 422 with a message per field.
func apiInvalid(fields map[string]string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
		Message: "Some fields are not valid: see fields.", Fields: fields}
}

// apiErrBody is the JSON of an API error.
func apiErrBody(code, msg string, fields map[string]string) map[string]any {
	e := map[string]any{"code": code, "message": msg}
	if len(fields) > 0 {
		e["fields"] = fields
	}
	return map[string]any{"error": e}
}

// apiNotFound is the 404 of a missing (or not visible) item.
func apiNotFound(what string) *apiError {
	return apiErr(http.StatusNotFound, "not_found", "There is no such %s.", what)
}

// apiStoreError maps store and supervisor errors to API errors; others
// pass through wrapped (a 500).
func apiStoreError(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, tenant.ErrUnknownTenant):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "There is no such " + what + ".", Err: err}
	case errors.Is(err, store.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: "That conflicts with an existing " + what + ".", Err: err}
	case errors.Is(err, store.ErrInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: "The " + what + " cannot be stored: it contains invalid text.", Err: err}
	case errors.Is(err, errors.ErrUnsupported):
		return &apiError{Status: http.StatusNotImplemented, Code: "not_implemented", Message: "This server cannot do that yet.", Err: err}
	}
	return fmt.Errorf("app: api %s: %w", what, err)
}

// bindJSON decodes the request body into dst strictly: the body must be
// one JSON value of dst's shape, with no unknown fields and nothing after
// it, at most maxBody bytes, sent as application/json (or without a
// content type).
func bindJSON(c echo.Context, dst any) error {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return apiErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apiErr(http.StatusRequestEntityTooLarge, "payload_too_large", "The body is too large: at most %d bytes.", maxBody)
		}
		return &apiError{Status: http.StatusBadRequest, Code: "malformed_json", Message: "The body could not be read.", Err: err}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return apiErr(http.StatusBadRequest, "malformed_json", "The body is empty: send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apiErr(http.StatusBadRequest, "malformed_json", "The body has more than one JSON value.")
	}
	return nil
}

// jsonError explains a decoding error.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return apiErr(http.StatusBadRequest, "malformed_json", "The body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apiErr(http.StatusBadRequest, "malformed_json", "The body is not valid JSON (it ends too early).")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apiErr(http.StatusBadRequest, "wrong_type", "The body must be a JSON %s, not %s.", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return apiErr(http.StatusBadRequest, "wrong_type", "Field %q must be %s, not %s.", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apiErr(http.StatusBadRequest, "unknown_field", "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return &apiError{Status: http.StatusBadRequest, Code: "malformed_json", Message: "The body could not be decoded.", Err: err}
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return "a " + k
}

// optionalInt is a JSON field that may be absent (Set false), null
// (Value nil) or a whole number.
type optionalInt struct {
	Set   bool
	Value *int
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *optionalInt) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return apiErr(http.StatusBadRequest, "wrong_type", "Expected a whole number or null, not %s.", truncateForMessage(string(b)))
	}
	o.Value = &n
	return nil
}

func truncateForMessage(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Page sizes of list endpoints.
const (
	apiDefaultLimit = 50
	apiMaxLimit     = 200
)

// queryLimit reads ?limit= (1..apiMaxLimit, default apiDefaultLimit).
func queryLimit(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return apiDefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > apiMaxLimit {
		return 0, apiErr(http.StatusBadRequest, "invalid_parameter", "limit must be a whole number from 1 to %d.", apiMaxLimit)
	}
	return n, nil
}

// queryTime reads an RFC 3339 time parameter; zero when absent.
func queryTime(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, apiErr(http.StatusBadRequest, "invalid_parameter", "%s must be an RFC 3339 time such as 2026-01-31T09:00:00Z.", name)
	}
	return t, nil
}

// Cursors are opaque to clients: base64url of a small JSON object naming
// the list they belong to (K) and the keyset position of the last item
// returned. A cursor of another list, or one that does not decode, is a
// 400 bad_cursor.
type apiCursor struct {
	K  string `json:"k"`
	ID string `json:"id,omitempty"` // string key (tenant id)
	N  int64  `json:"n,omitempty"`  // numeric key (message or chat id)
	T  string `json:"t,omitempty"`  // time key, RFC 3339 with nanoseconds
}

func encodeCursor(cur apiCursor) string {
	b, _ := json.Marshal(cur) // a plain struct of strings and numbers: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// queryCursor reads ?cursor= for the list kind; ok is false without one.
func queryCursor(c echo.Context, kind string) (cur apiCursor, ok bool, err error) {
	v := c.QueryParam("cursor")
	if v == "" {
		return apiCursor{}, false, nil
	}
	bad := errBadCursor()
	if len(v) > 512 {
		return apiCursor{}, false, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return apiCursor{}, false, bad
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cur); err != nil || cur.K != kind {
		return apiCursor{}, false, bad
	}
	return cur, true, nil
}

// errBadCursor is the answer to a cursor that does not belong to the list.
func errBadCursor() *apiError {
	return apiErr(http.StatusBadRequest, "bad_cursor", "The cursor is not valid for this list: pass next_cursor from the previous page unchanged.")
}

// queryIDCursor reads ?cursor= of a list keyed by a positive numeric id;
// 0 without one.
func queryIDCursor(c echo.Context, kind string) (int64, error) {
	cur, ok, err := queryCursor(c, kind)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return 0, nil
	case cur.N <= 0:
		return 0, errBadCursor()
	}
	return cur.N, nil
}

// querySearch reads a free-text search parameter: valid text of at most
// maxSearchLen characters, trimmed.
func querySearch(c echo.Context, name string) (string, error) {
	v := c.QueryParam(name)
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || utf8.RuneCountInString(v) > maxSearchLen {
		return "", apiErr(http.StatusBadRequest, "invalid_parameter", "%s must be valid text of at most %d characters.", name, maxSearchLen)
	}
	return strings.TrimSpace(v), nil
}

// cutPage trims rows, fetched with limit+1, to one page and returns the
// cursor of the next page ("" on the last), made from the page's last row.
func cutPage[T any](rows []T, limit int, cursor func(last T) apiCursor) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, encodeCursor(cursor(rows[limit-1]))
}

// apiPage is one page of a list.
type apiPage[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"` // null on the last page
}

func newPage[T any](data []T, next string) apiPage[T] {
	if data == nil {
		data = []T{}
	}
	p := apiPage[T]{Data: data}
	if next != "" {
		p.NextCursor = &next
	}
	return p
}
