package app

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func TestNormalizeLocalPhone(t *testing.T) {
	for _, tc := range []struct {
		in, country, want string
		ok                bool
	}{
		{"0712345678", "TZ", "+255712345678", true},
		{"0712345678", "KE", "+254712345678", true},
		{"0712 345 678", "KE", "+254712345678", true},
		{"0712-345-678", "TZ", "+255712345678", true},
		{"(0712) 345.678", "TZ", "+255712345678", true},
		{"712345678", "TZ", "+255712345678", true},
		{"+255712345678", "", "+255712345678", true},
		{"+255 712 345 678", "KE", "+255712345678", true}, // an international number wins over the country
		{"255712345678", "", "+255712345678", true},
		{"254712345678", "TZ", "+254712345678", true},
		{"00254712345678", "", "+254712345678", true},
		{"+14155550123", "", "+14155550123", true},
		{"0712345678", "", "", false},         // local without a country
		{"071234567", "TZ", "", false},        // too short
		{"07123456789", "TZ", "", false},      // too long
		{"+2550712345678", "", "", false},     // 0 after the country code
		{"+25571234567", "", "", false},       // TZ with 8 digits
		{"0712abc678", "TZ", "", false},       // letters
		{"", "TZ", "", false},                 // empty
		{"+0712345678", "", "", false},        // not E.164
		{"12345", "", "", false},              // nonsense
		{"0712345678+", "TZ", "", false},      // plus in the middle
		{"２５５712345678", "", "", false},       // full-width digits
		{"+255 712 345 678 9", "", "", false}, // TZ too long
	} {
		got, msg := normalizeLocalPhone(tc.in, tc.country)
		if (msg == "") != tc.ok || got != tc.want {
			t.Errorf("normalizeLocalPhone(%q, %q) = %q, %q; want %q ok=%v", tc.in, tc.country, got, msg, tc.want, tc.ok)
		}
	}
}

// setupForm is a valid request form.
func setupForm(phone string) url.Values {
	return url.Values{
		"business_name": {"Salon Zuri"}, "contact_name": {"Amina Juma"}, "phone": {phone}, "country": {"TZ"},
		"email": {"amina@salon.example"}, "template": {"booking"}, "language": {"sw"}, "note": {"Karibu!"},
	}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func pendingCount(t *testing.T, st *store.Store) int64 {
	t.Helper()
	n, err := st.CountSetupRequests(context.Background(), store.SetupPending)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSetupRequestForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st, func(o *webOptions) { o.SetupPerHour = 100 })
		c := e.client()
		r := c.get("/")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Request setup") || !strings.Contains(r.body, "Omba kuunganishwa") &&
			!strings.Contains(r.body, "wateja wako") {
			t.Fatalf("landing: %d %s", r.status, r.body)
		}
		if r := c.get("/setup-request?lang=sw"); r.status != http.StatusOK || !strings.Contains(r.body, "Jina la biashara") {
			t.Fatalf("swahili form: %d", r.status)
		}
		if r := c.post("/setup-request", with(setupForm("12"), "lang", "sw")); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "Weka namba ya simu") || !strings.Contains(r.body, `lang="sw"`) {
			t.Fatalf("swahili messages: %d", r.status)
		}
		r = c.get("/setup-request")
		if r.status != http.StatusOK || !strings.Contains(r.body, `name="website"`) {
			t.Fatalf("form: %d", r.status)
		}

		// Each field's validation, one at a time.
		good := setupForm("0712 345 678")
		for _, tc := range []struct{ field, value, want string }{
			{"business_name", "", "Enter the name of the business"},
			{"business_name", strings.Repeat("x", 81), "At most 80"},
			{"business_name", "Shop {x}", "may not contain {"},
			{"contact_name", "", "Enter your name"},
			{"contact_name", strings.Repeat("y", 121), "Too long"},
			{"phone", "", "Enter the business"},
			{"phone", "12ab", "only digits"},
			{"phone", "071234567", "mobile number"},
			{"country", "UG", "Choose Kenya or Tanzania"},
			{"email", "", "The email is required"},
			{"email", "amina@", "not an email"},
			{"template", "restaurant", "booking, ecommerce or support"},
			{"language", "fr", "automatic, English or Swahili"},
			{"note", strings.Repeat("z", 1001), "Too long"},
			{"note", "bell\x07", "control characters"},
		} {
			r := c.post("/setup-request", with(good, tc.field, tc.value))
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="err-`+tc.field+`"`) || !strings.Contains(r.body, tc.want) {
				t.Errorf("%s=%q: status %d, message %q missing", tc.field, tc.value, r.status, tc.want)
			}
		}
		if n := pendingCount(t, st); n != 0 {
			t.Fatalf("invalid forms stored %d requests", n)
		}
		// Typed values come back.
		r = c.post("/setup-request", with(good, "email", "nope"))
		if !strings.Contains(r.body, `value="Salon Zuri"`) || !strings.Contains(r.body, `value="nope"`) {
			t.Fatal("the form lost what was typed")
		}

		// A good request: stored normalised, then the thank-you page.
		r = c.post("/setup-request", good)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/setup-request/sent?ref=") {
			t.Fatalf("submit: %d %q %s", r.status, r.header.Get("Location"), r.body)
		}
		if r := c.get(r.header.Get("Location")); r.status != http.StatusOK || !strings.Contains(r.body, "Thank you") {
			t.Fatalf("thanks: %d", r.status)
		}
		rows, err := st.ListSetupRequests(context.Background(), store.SetupPending, 10, "")
		if err != nil || len(rows) != 1 {
			t.Fatalf("stored: %v, %v", rows, err)
		}
		got := rows[0]
		if got.Phone != "+255712345678" || got.Language != "sw" || got.Template != "booking" || got.Email != "amina@salon.example" ||
			got.Note != "Karibu!" || got.IP == "" {
			t.Fatalf("stored %+v", got)
		}

		// The same phone again, in another spelling: refused while pending.
		r = c.post("/setup-request", with(good, "phone", "+255 712-345-678", "email", "other@salon.example"))
		if r.status != http.StatusConflict || !strings.Contains(r.body, "already waiting") {
			t.Fatalf("duplicate: %d", r.status)
		}
		// With htmx: the panel, not a redirect.
		r = c.post("/setup-request", with(good, "phone", "+254711111111"), "HX-Request", "true")
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="setup-thanks"`) || strings.Contains(r.body, "<html") {
			t.Fatalf("htmx submit: %d %s", r.status, r.body)
		}
		r = c.post("/setup-request", with(good, "phone", ""), "HX-Request", "true")
		if r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="setup-panel"`) {
			t.Fatalf("htmx invalid: %d", r.status)
		}
		// Without a CSRF token: refused.
		if r := c.post("/setup-request", with(good, "csrf_token", "", "phone", "+254722222222")); r.status != http.StatusForbidden {
			t.Fatalf("no csrf: %d", r.status)
		}
		if n := pendingCount(t, st); n != 2 {
			t.Fatalf("pending = %d, want 2", n)
		}
	})
}

func TestSetupRequestHoneypot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		c := e.client()
		c.get("/setup-request")
		r := c.post("/setup-request", with(setupForm("0712345678"), "website", "http://spam.example"))
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/setup-request/sent?ref=") {
			t.Fatalf("honeypot: %d %q", r.status, r.header.Get("Location"))
		}
		if n, _ := st.CountSetupRequests(context.Background(), ""); n != 0 {
			t.Fatalf("honeypot stored %d", n)
		}
		// Even an invalid form looks accepted to a bot.
		if r := c.post("/setup-request", url.Values{"website": {"x"}}); r.status != http.StatusSeeOther {
			t.Fatalf("honeypot with bad fields: %d", r.status)
		}
	})
}

func TestSetupRequestRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st) // the default: 5 per hour per address
		if e.w.opts.SetupPerHour != 5 {
			t.Fatalf("default limit %d", e.w.opts.SetupPerHour)
		}
		c := e.client()
		c.get("/setup-request")
		phones := []string{"0711000001", "0711000002", "0711000003", "0711000004", "0711000005", "0711000006"}
		for i, p := range phones {
			r := c.post("/setup-request", with(setupForm(p), "email", "o"+p+"@example.com"))
			if i < 5 && r.status != http.StatusSeeOther {
				t.Fatalf("request %d: %d", i+1, r.status)
			}
			if i == 5 && (r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many requests")) {
				t.Fatalf("request 6: %d %q", r.status, r.header.Get("Retry-After"))
			}
		}
		if n := pendingCount(t, st); n != 5 {
			t.Fatalf("stored %d", n)
		}
		// The service reports it as errTooManyRequests (the API's 429).
		_, err := e.w.submitSetupRequest(context.Background(), setupRequestInput{BusinessName: "B", ContactName: "C",
			Phone: "+255700000099", Email: "b@example.com", Template: "support", Language: "auto"}, "127.0.0.1")
		if !errors.Is(err, errTooManyRequests) {
			t.Fatalf("service: %v", err)
		}
		// Another address still gets through.
		if _, err := e.w.submitSetupRequest(context.Background(), setupRequestInput{BusinessName: "B", ContactName: "C",
			Phone: "+255700000099", Email: "b@example.com", Template: "support"}, "192.0.2.1"); err != nil {
			t.Fatalf("other address: %v", err)
		}
	})
}

var inviteLink = regexp.MustCompile(`value="(http://[^"]+/invite/([A-Za-z0-9_-]{43}))"`)

// approveFirstPending approves the newest pending request as the signed-in
// admin c and returns the invite path.
func approveFirstPending(t *testing.T, st *store.Store, admin *client) (store.SetupRequest, string) {
	t.Helper()
	rows, err := st.ListSetupRequests(context.Background(), store.SetupPending, 1, "")
	if err != nil || len(rows) == 0 {
		t.Fatalf("no pending request: %v", err)
	}
	admin.get("/admin/setup-requests")
	r := admin.post("/admin/setup-requests/"+rows[0].ID+"/approve", nil)
	m := inviteLink.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	return rows[0], "/invite/" + m[2]
}

func TestSetupRequestApproveReject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		ctx := context.Background()
		admin := e.user(store.RoleAdmin, "ops@example.com", "ops-password-1", "")
		ac := e.client()
		ac.login("ops@example.com", "ops-password-1")

		pub := e.client()
		pub.get("/setup-request")
		pub.post("/setup-request", setupForm("0712345678"))
		pub.post("/setup-request", with(setupForm("0713000000"), "email", "two@example.com", "business_name", "Duka Two"))

		r := ac.get("/admin/setup-requests")
		if r.status != http.StatusOK || !strings.Contains(r.body, "Salon Zuri") || !strings.Contains(r.body, "Duka Two") ||
			!strings.Contains(r.body, "2 waiting") {
			t.Fatalf("list: %d", r.status)
		}
		if r := ac.get("/admin/setup-requests/count", "HX-Request", "true"); !strings.Contains(r.body, ">2</span>") {
			t.Fatalf("badge: %s", r.body)
		}
		if r := ac.get("/admin"); !strings.Contains(r.body, `href="/admin/setup-requests"`) {
			t.Fatal("no nav entry on the overview")
		}
		// Tenant users and strangers cannot see the list.
		if r := pub.get("/admin/setup-requests"); r.status != http.StatusSeeOther {
			t.Fatalf("signed out: %d", r.status)
		}

		// Approve the first (Salon Zuri, the older one).
		rows, _ := st.ListSetupRequests(ctx, store.SetupPending, 10, "")
		salon := rows[1]
		r = ac.post("/admin/setup-requests/"+salon.ID+"/approve", nil)
		m := inviteLink.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil || !strings.HasPrefix(m[1], e.w.opts.BaseURL+"/invite/") {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		got, _ := st.GetSetupRequest(ctx, salon.ID)
		if got.Status != store.SetupApproved || got.TenantID == nil || got.DecidedBy != "ops@example.com" {
			t.Fatalf("request after approval: %+v", got)
		}
		tn, err := st.GetTenant(ctx, *got.TenantID)
		if err != nil || tn.Name != "Salon Zuri" || tn.PhoneNumber != "+255712345678" {
			t.Fatalf("tenant %+v, %v", tn, err)
		}
		cfg, _ := st.GetTenantConfig(ctx, tn.ID)
		if cfg.TemplateType != "booking" || cfg.Language != "sw" || cfg.BusinessName != "Salon Zuri" {
			t.Fatalf("config %+v", cfg)
		}
		users, _ := st.ListUsers(ctx, store.RoleTenant, tn.ID)
		if len(users) != 1 || users[0].Email != "amina@salon.example" {
			t.Fatalf("users %+v", users)
		}
		// Only the hash of the token is stored.
		inv, err := st.LatestInvite(ctx, users[0].ID)
		if err != nil || inv.TokenHash == m[2] || time.Until(inv.ExpiresAt) < 6*24*time.Hour || time.Until(inv.ExpiresAt) > 7*24*time.Hour {
			t.Fatalf("invite %+v, %v", inv, err)
		}
		waitFor(t, "worker running", 10*time.Second, func() bool {
			s, err := e.rt.sup.Status(ctx, tn.ID)
			return err == nil && s.Worker.Status == store.WorkerRunning
		})
		// Approving twice: 409, nothing new.
		r = ac.post("/admin/setup-requests/"+salon.ID+"/approve", nil)
		if r.status != http.StatusConflict || !strings.Contains(r.body, "already decided") {
			t.Fatalf("approve twice: %d", r.status)
		}
		if r := ac.post("/admin/setup-requests/nope/approve", nil); r.status != http.StatusNotFound {
			t.Fatalf("approve missing: %d", r.status)
		}

		// Reject the other: a reason is required.
		two := rows[0]
		r = ac.post("/admin/setup-requests/"+two.ID+"/reject", url.Values{"reason": {"  "}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Give a reason") {
			t.Fatalf("reject without reason: %d", r.status)
		}
		r = ac.post("/admin/setup-requests/"+two.ID+"/reject", url.Values{"reason": {"Duplicate of another shop"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("reject: %d", r.status)
		}
		got, _ = st.GetSetupRequest(ctx, two.ID)
		if got.Status != store.SetupRejected || got.Reason != "Duplicate of another shop" || got.TenantID != nil {
			t.Fatalf("rejected %+v", got)
		}
		if r := ac.post("/admin/setup-requests/"+two.ID+"/approve", nil); r.status != http.StatusConflict {
			t.Fatalf("approve a rejected one: %d", r.status)
		}
		if r := ac.get("/admin/setup-requests"); !strings.Contains(r.body, "0 waiting") || !strings.Contains(r.body, "Duplicate of another shop") {
			t.Fatal("list after decisions")
		}

		// Both decisions are audited as the admin.
		entries, _ := st.ListAudit(ctx, store.ListAuditOptions{Action: "setup."})
		actions := map[string]string{}
		for _, en := range entries {
			actions[en.Action] = en.ActorEmail
		}
		if actions["setup.approve"] != admin.Email || actions["setup.reject"] != admin.Email {
			t.Fatalf("audit %v", actions)
		}
		if _, ok := actions["setup.request"]; !ok {
			t.Fatalf("the request itself is not audited: %v", actions)
		}

		// An email that has an account already cannot be approved, and
		// nothing is left behind.
		pub.post("/setup-request", with(setupForm("0714000000"), "email", "ops@example.com"))
		_, before, _ := st.ListTenants(ctx, store.ListTenantsOptions{})
		rows, _ = st.ListSetupRequests(ctx, store.SetupPending, 1, "")
		r = ac.post("/admin/setup-requests/"+rows[0].ID+"/approve", nil)
		if r.status != http.StatusConflict || !strings.Contains(r.body, "email exists already") {
			t.Fatalf("taken email: %d", r.status)
		}
		if _, after, _ := st.ListTenants(ctx, store.ListTenantsOptions{}); after != before {
			t.Fatalf("tenants %d → %d", before, after)
		}
	})
}
