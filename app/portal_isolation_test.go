package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// Strict isolation of the tenant portal. Tenant A's owner tries to reach
// tenant B through every portal route: B's ids and chats in the URL, in
// the query string, in form fields and in htmx requests. Routes that name
// something in their path answer 404; the others show only A's data and
// change only A. The route list is read from the router, so a portal
// route added without an entry in isolationRoutes fails the test.

// isoKind is what a portal route is expected to do with another tenant's
// ids.
type isoKind int

const (
	// isoPublic: not tenant-scoped (sign-in, sign-out).
	isoPublic isoKind = iota
	// isoOwn: shows or changes only the signed-in tenant, whatever ids the
	// request carries.
	isoOwn
	// isoNotFound: names an item in its path; another tenant's is a 404.
	isoNotFound
)

// isolationRoutes is every portal route ("METHOD path" as registered).
var isolationRoutes = map[string]isoKind{
	"GET /portal/login":   isoPublic,
	"POST /portal/login":  isoPublic,
	"POST /portal/logout": isoPublic,

	"GET /portal":        isoOwn,
	"GET /portal/status": isoOwn,
	"GET /portal/events": isoOwn,

	// Link phone and Try it: always the signed-in tenant's own worker.
	"GET /portal/link":           isoOwn,
	"POST /portal/link/pair":     isoOwn,
	"POST /portal/link/relink":   isoOwn,
	"POST /portal/link/sim-scan": isoOwn,
	"GET /portal/try":            isoOwn,
	"POST /portal/try":           isoOwn,

	"GET /portal/conversations":               isoOwn,
	"GET /portal/conversations/events":        isoOwn,
	"GET /portal/conversations/:chat":         isoNotFound,
	"GET /portal/conversations/:chat/events":  isoNotFound,
	"POST /portal/conversations/:chat/pause":  isoNotFound,
	"POST /portal/conversations/:chat/resume": isoNotFound,
	"GET /portal/settings":                    isoOwn,
	"POST /portal/settings":                   isoOwn,
	"POST /portal/settings/preview":           isoOwn,

	// API tokens (portal_tokens.go): always the signed-in tenant's.
	"GET /portal/settings/tokens":              isoOwn,
	"POST /portal/settings/tokens":             isoOwn,
	"POST /portal/settings/tokens/:tid/revoke": isoNotFound,

	// Webhooks (portal_webhooks.go): the signed-in tenant's own; another
	// tenant's webhook is a 404.
	"GET /portal/webhooks":                  isoOwn,
	"POST /portal/webhooks":                 isoOwn,
	"GET /portal/webhooks/:webhook":         isoNotFound,
	"POST /portal/webhooks/:webhook":        isoNotFound,
	"POST /portal/webhooks/:webhook/delete": isoNotFound,
	"POST /portal/webhooks/:webhook/replay": isoNotFound,
	"POST /portal/webhooks/:webhook/retry":  isoNotFound,
}

// isoTenant is one tenant of the isolation test with its recognisable
// data.
type isoTenant struct {
	tn       store.Tenant
	chat     string
	business string
	secret   string // a customer's message text
	number   string // the chat as the portal shows it
}

// markers are strings that only a page showing this tenant's data has.
func (x isoTenant) markers() []string { return []string{x.business, x.tn.Name, x.secret, x.number} }

// isoSnapshot is everything of a tenant a request might change.
type isoSnapshot struct {
	Config   store.TenantConfig
	Chats    []store.Chat
	Logs     int64
	Tenant   store.Tenant
	Worker   string
	Session  string
	Tokens   []store.APIToken
	Users    []store.User
	Webhooks []store.Webhook
}

func snapshotTenant(t *testing.T, e *webEnv, id string) string {
	t.Helper()
	ctx := context.Background()
	var s isoSnapshot
	var err error
	if s.Config, err = e.st.GetTenantConfig(ctx, id); err != nil {
		t.Fatal(err)
	}
	s.Config.UpdatedAt = time.Time{}
	if s.Chats, err = e.st.ListChats(ctx, id, store.ListChatsOptions{Limit: store.MaxChatPage}); err != nil {
		t.Fatal(err)
	}
	if s.Logs, err = e.st.CountLogs(ctx, id); err != nil {
		t.Fatal(err)
	}
	if s.Tenant, err = e.st.GetTenant(ctx, id); err != nil {
		t.Fatal(err)
	}
	s.Tenant.UpdatedAt = time.Time{}
	st, err := e.rt.sup.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	s.Worker, s.Session = st.Worker.Status, st.Session.State
	if s.Tokens, err = e.st.ListAPITokens(ctx, store.ListAPITokensOptions{TenantID: id}); err != nil {
		t.Fatal(err)
	}
	if s.Users, err = e.st.ListUsers(ctx, store.RoleTenant, id); err != nil {
		t.Fatal(err)
	}
	if s.Webhooks, err = e.st.ListWebhooks(ctx, id); err != nil {
		t.Fatal(err)
	}
	for i := range s.Users {
		s.Users[i].LastLoginAt = nil // signing in is not a change of the tenant
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// probe sends one request with the client's cookies and returns the
// status and the body (event streams are read for a moment, then
// dropped).
func probe(t *testing.T, c *client, method, path string, form url.Values, headers ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var body io.Reader
	if method == http.MethodPost {
		if form == nil {
			form = url.Values{}
		}
		if _, ok := form["csrf_token"]; !ok {
			form.Set("csrf_token", c.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		// A stream never ends by itself: read what it says at once.
		stop := time.AfterFunc(1500*time.Millisecond, cancel)
		defer stop.Stop()
	}
	var buf bytes.Buffer
	_, err = io.Copy(&buf, io.LimitReader(res.Body, 4<<20))
	if err != nil && ctx.Err() == nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return res.StatusCode, buf.String()
}

var routeParam = regexp.MustCompile(`:[a-z_]+`)

func TestPortalIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		ctx := context.Background()
		mk := func(name, business, number, secret string) isoTenant {
			x := isoTenant{tn: store.Tenant{Name: name}, business: business, secret: secret,
				chat: strings.TrimPrefix(number, "+") + "@s.whatsapp.net", number: number}
			if err := st.CreateTenant(ctx, &x.tn, store.TenantConfig{TemplateType: "booking", BusinessName: business, Language: "en",
				ReplyOverrides: store.ReplyOverrides{"hours": {"en": secret + " hours"}}}); err != nil {
				t.Fatal(err)
			}
			m := store.MessageLog{TenantID: x.tn.ID, Direction: store.DirIn, Chat: x.chat, FromNumber: number, MessageText: secret,
				WAMessageID: "wa-" + name, Status: store.StatusReceived, Source: store.SourceCustomer}
			if err := st.Commit(ctx, store.Op{Insert: &m}); err != nil {
				t.Fatal(err)
			}
			return x
		}
		a := mk("Alpha Tenant", "Alpha Hair", "+254711111111", "alpha-private-words")
		b := mk("Bravo Tenant", "Bravo Barbers", "+254799999999", "bravo-private-words")
		e.user(store.RoleTenant, "alpha@example.com", "alpha-password-1", a.tn.ID)
		e.user(store.RoleTenant, "bravo@example.com", "bravo-password-1", b.tn.ID)
		ca := e.client()
		ca.portalLogin("alpha@example.com", "alpha-password-1")
		bToken := store.APIToken{Name: "bravo-token", Prefix: "fhq_bravo", TokenHash: strings.Repeat("b", 64), Scope: store.TokenScopeTenant, TenantID: &b.tn.ID}
		if err := st.CreateAPIToken(ctx, &bToken); err != nil {
			t.Fatal(err)
		}
		bHook := store.Webhook{TenantID: b.tn.ID, URL: "https://bravo.example/hook", EventList: "message.in", Enabled: true}
		if err := st.CreateWebhook(ctx, &bHook); err != nil {
			t.Fatal(err)
		}
		// What a path parameter becomes: B's chat, token or webhook, else
		// B's id.
		bParam := map[string]string{":chat": b.chat, ":tid": bToken.ID, ":webhook": bHook.ID}

		// Every portal route registered must be in the table, and every
		// table entry must still exist.
		router, ok := e.w.routes().(*echo.Echo)
		if !ok {
			t.Fatal("routes() is not an *echo.Echo")
		}
		var routes []string
		for _, r := range router.Routes() {
			if r.Path == "/portal" || strings.HasPrefix(r.Path, "/portal/") {
				key := r.Method + " " + r.Path
				if !slices.Contains(routes, key) {
					routes = append(routes, key)
				}
			}
		}
		slices.Sort(routes)
		for _, key := range routes {
			if _, ok := isolationRoutes[key]; !ok {
				t.Errorf("portal route %s is not in isolationRoutes: add it with its expected behaviour", key)
			}
		}
		for key := range isolationRoutes {
			if !slices.Contains(routes, key) {
				t.Errorf("isolationRoutes lists %s, which is not registered", key)
			}
		}
		if t.Failed() {
			return
		}

		// B's identifiers, wherever a request could carry them.
		bIDs := url.Values{"tenant": {b.tn.ID}, "tenant_id": {b.tn.ID}, "id": {b.tn.ID}, "chat": {b.chat}}
		withB := func(path string) string { return path + "?" + bIDs.Encode() }
		formWithB := func(extra url.Values) url.Values {
			f := url.Values{}
			for k, v := range bIDs {
				f[k] = v
			}
			for k, v := range extra {
				f[k] = v
			}
			return f
		}
		// Forms that make sense for a route (the rest get B's ids only).
		forms := map[string]url.Values{
			"POST /portal/settings":         settingsForm("Alpha Hair Studio", "booking", "en", map[string]string{"hours.en": "Open 9 to 5."}),
			"POST /portal/settings/preview": settingsForm("Alpha Hair", "booking", "en", map[string]string{"hours.en": "Open 9 to 5."}),
			"POST /portal/login":            {"email": {"bravo@example.com"}, "password": {"wrong-password-1"}},
			"POST /portal/try":              {"message": {"What time do you open?"}},
			"POST /portal/link/pair":        {"phone": {a.number}},
			"POST /portal/settings/tokens":  {"name": {"alpha token"}},
		}
		variants := [][]string{nil, {"HX-Request", "true"}, {"Accept", "application/json"}}

		bBefore := snapshotTenant(t, e, b.tn.ID)
		for _, key := range routes {
			method, path, _ := strings.Cut(key, " ")
			kind := isolationRoutes[key]
			t.Run(key, func(t *testing.T) {
				c := ca
				if key == "POST /portal/logout" || kind == isoPublic && method == http.MethodPost {
					// Signing out (or in) must not end the session the other
					// probes use.
					c = e.client()
					c.portalLogin("alpha@example.com", "alpha-password-1")
				}
				for _, hdr := range variants {
					switch kind {
					case isoNotFound:
						// B's chat (or B's id for any other parameter) in the
						// path: not found, however it is asked.
						p := routeParam.ReplaceAllStringFunc(path, func(param string) string {
							if v, ok := bParam[param]; ok {
								return url.PathEscape(v)
							}
							return url.PathEscape(b.tn.ID)
						})
						status, body := probe(t, c, method, withB(p), formWithB(forms[key]), hdr...)
						if status != http.StatusNotFound {
							t.Errorf("%s %s %v: %d, want 404", method, p, hdr, status)
						}
						for _, m := range b.markers() {
							if strings.Contains(body, m) {
								t.Errorf("%s %s %v shows %q of tenant B", method, p, hdr, m)
							}
						}
						if hdr == nil && method == http.MethodGet {
							if status, _ := probe(t, c, method, p, nil, "Accept", "text/event-stream"); status != http.StatusNotFound {
								t.Errorf("%s %s as an event stream: %d, want 404", method, p, status)
							}
						}
					default:
						status, body := probe(t, c, method, withB(path), formWithB(forms[key]), hdr...)
						if status >= 500 {
							t.Errorf("%s %s %v: %d", method, path, hdr, status)
						}
						for _, m := range b.markers() {
							if strings.Contains(body, m) {
								t.Errorf("%s %s %v shows %q of tenant B", method, path, hdr, m)
							}
						}
					}
				}
			})
		}
		if after := snapshotTenant(t, e, b.tn.ID); after != bBefore {
			t.Errorf("tenant B changed:\nbefore %s\nafter  %s", bBefore, after)
		}
		// A's own requests did reach A.
		if cfg, _ := st.GetTenantConfig(ctx, a.tn.ID); cfg.BusinessName != "Alpha Hair Studio" {
			t.Errorf("A's settings were not saved: %+v", cfg)
		}

		// Searching for B's number or text finds nothing of B.
		for _, q := range []string{b.number, "799999999", b.secret} {
			r := ca.get("/portal/conversations?q="+url.QueryEscape(q), "HX-Request", "true")
			if strings.Contains(r.body, `class="chat-item"`) {
				t.Errorf("search %q found a chat: %s", q, r.body)
			}
		}

		// A's live list never carries B's messages: the stream's first
		// event is the list as stored, after a message to each tenant.
		for _, x := range []isoTenant{b, a} {
			m := store.MessageLog{TenantID: x.tn.ID, Direction: store.DirIn, Chat: x.chat, MessageText: x.secret + " again",
				WAMessageID: "wa-again-" + x.tn.Name, Status: store.StatusReceived, Source: store.SourceCustomer}
			if err := st.Commit(ctx, store.Op{Insert: &m}); err != nil {
				t.Fatal(err)
			}
		}
		ev := await(t, ca.stream(t, "/portal/conversations/events"), "A's new message", func(ev sseEvent) bool {
			return ev.name == "chats" && strings.Contains(ev.data, a.secret+" again")
		})
		for _, m := range b.markers() {
			if strings.Contains(ev.data, m) {
				t.Errorf("A's live list shows %q of tenant B", m)
			}
		}
	})
}
