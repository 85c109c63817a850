package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// TestAPIEndToEnd drives a tenant through the API on the simulated
// network: create, start, scan, a customer writes, read the log, send,
// pause, resume, stop, delete.
func TestAPIEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		admin, _ := e.mintToken("ops", "")
		ctx := context.Background()

		// Create.
		res := e.apiDo("POST", apiPrefix+"/tenants", admin, map[string]any{
			"name": "Salon Neema", "phone_number": "+255 712-345 678", "template": "booking",
			"business_name": "Salon Neema", "language": "auto", "rate_limit_per_minute": 0,
		}).want(t, "create", http.StatusCreated)
		id := res.str("id")
		if id == "" || res.str("phone_number") != "+255712345678" || res.header.Get("Location") != apiPrefix+"/tenants/"+id {
			t.Fatalf("created %s", res.raw)
		}
		cfg, _ := res.json["config"].(map[string]any)
		if cfg["template"] != "booking" || cfg["rate_limit_per_minute"] != float64(0) {
			t.Fatalf("config %v", cfg)
		}
		tok, _ := e.mintToken("salon", id)
		base := apiPrefix + "/tenants/" + id

		// The tenant's own token reads it; the list is admin-only.
		e.apiDo("GET", base, tok, nil).want(t, "get own", http.StatusOK)
		list := e.apiDo("GET", apiPrefix+"/tenants?status=PENDING", admin, nil).want(t, "list", http.StatusOK)
		if len(list.data()) != 1 || list.data()[0]["id"] != id || list.json["next_cursor"] != nil {
			t.Fatalf("list %s", list.raw)
		}

		// Start, wait for a QR code.
		res = e.apiDo("POST", base+"/worker/start", tok, nil).want(t, "start", http.StatusOK)
		if tn, _ := res.json["tenant"].(map[string]any); tn["status"] != store.TenantActive || res.json["worker"].(map[string]any)["status"] == store.WorkerStopped {
			t.Fatalf("after start: %s", res.raw)
		}
		var qr apiResp
		waitFor(t, "a QR code", 10*time.Second, func() bool {
			qr = e.apiDo("GET", base+"/qr", tok, nil).want(t, "qr", http.StatusOK)
			return qr.str("state") == store.SessionQRReady && qr.json["qr"] != nil
		})
		if !strings.HasPrefix(qr.str("qr"), "data:image/png;base64,") || qr.json["expires_at"] == nil {
			t.Fatalf("qr %.200s", qr.raw)
		}

		// Scan: connected.
		res = e.apiDo("POST", apiPrefix+"/sim/tenants/"+id+"/scan", tok, nil).want(t, "scan", http.StatusOK)
		if res.str("state") != store.SessionConnected || res.str("jid") == "" {
			t.Fatalf("scan %s", res.raw)
		}
		e.apiDo("POST", apiPrefix+"/sim/tenants/"+id+"/scan", tok, nil).wantErr(t, "scan twice", http.StatusConflict, "no_qr")
		status := e.apiDo("GET", base+"/status", tok, nil).want(t, "status", http.StatusOK)
		if s, _ := status.json["session"].(map[string]any); s["state"] != store.SessionConnected {
			t.Fatalf("status %s", status.raw)
		}
		if qr := e.apiDo("GET", base+"/qr", tok, nil); qr.json["qr"] != nil {
			t.Fatalf("QR after linking: %.200s", qr.raw)
		}

		// A customer writes; the bot answers.
		res = e.apiDo("POST", apiPrefix+"/sim/tenants/"+id+"/inbound", tok,
			map[string]any{"from": "+254700000001", "text": "Habari, nataka kuweka miadi kesho saa nne asubuhi", "id": "SIM-1"}).
			want(t, "inbound", http.StatusAccepted)
		chat := res.str("chat")
		if chat != "254700000001@s.whatsapp.net" || res.str("id") != "SIM-1" || res.json["queued"] != false {
			t.Fatalf("inbound %s", res.raw)
		}
		var msgs apiResp
		waitFor(t, "the bot's reply", 10*time.Second, func() bool {
			msgs = e.apiDo("GET", base+"/messages", tok, nil).want(t, "messages", http.StatusOK)
			d := msgs.data()
			return len(d) == 2 && d[0]["direction"] == store.DirOut && d[0]["status"] == store.StatusSent
		})
		d := msgs.data()
		if d[1]["direction"] != store.DirIn || d[1]["text"] != "Habari, nataka kuweka miadi kesho saa nne asubuhi" ||
			d[0]["intent"] != "book" || d[0]["reply_to"] != d[1]["id"] || d[0]["source"] != store.SourceBot {
			t.Fatalf("log %s", msgs.raw)
		}
		// The same message delivered twice is one message.
		e.apiDo("POST", apiPrefix+"/sim/tenants/"+id+"/inbound", tok,
			map[string]any{"from": "+254700000001", "text": "Habari, nataka kuweka miadi kesho saa nne asubuhi", "id": "SIM-1"}).
			want(t, "duplicate inbound", http.StatusAccepted)

		// Filters and paging.
		in := e.apiDo("GET", base+"/messages?direction=IN&chat="+url.QueryEscape("+254700000001"), tok, nil).want(t, "IN", http.StatusOK)
		if len(in.data()) != 1 || in.data()[0]["id"] != d[1]["id"] {
			t.Fatalf("IN filter %s", in.raw)
		}
		if n := len(e.apiDo("GET", base+"/messages?text=HABARI", tok, nil).data()); n != 1 {
			t.Fatalf("text filter: %d rows", n)
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		past := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		if n := len(e.apiDo("GET", base+"/messages?since="+future, tok, nil).data()); n != 0 {
			t.Fatalf("since the future: %d rows", n)
		}
		if n := len(e.apiDo("GET", base+"/messages?since="+past+"&until="+future, tok, nil).data()); n != 2 {
			t.Fatalf("since/until: %d rows", n)
		}
		p1 := e.apiDo("GET", base+"/messages?limit=1", tok, nil).want(t, "page 1", http.StatusOK)
		cur, _ := p1.json["next_cursor"].(string)
		if len(p1.data()) != 1 || cur == "" {
			t.Fatalf("page 1 %s", p1.raw)
		}
		p2 := e.apiDo("GET", base+"/messages?limit=1&cursor="+cur, tok, nil).want(t, "page 2", http.StatusOK)
		if len(p2.data()) != 1 || p2.data()[0]["id"] != d[1]["id"] || p2.json["next_cursor"] != nil {
			t.Fatalf("page 2 (the last) %s", p2.raw)
		}

		// Send to the chat that wrote; refused for one that never did.
		res = e.apiDo("POST", base+"/messages", tok, map[string]any{"chat": "+254700000001", "text": "Karibu! Tutakuona kesho."}).
			want(t, "send", http.StatusAccepted)
		if res.str("status") != store.StatusPending || res.str("source") != store.SourceAPI || res.str("chat") != chat {
			t.Fatalf("sent %s", res.raw)
		}
		sentID := res.str("id")
		waitFor(t, "the API message to be sent", 10*time.Second, func() bool {
			for _, m := range e.apiDo("GET", base+"/messages?direction=OUT", tok, nil).data() {
				if m["id"] == sentID {
					return m["status"] == store.StatusSent
				}
			}
			return false
		})
		found := false
		for _, m := range e.rt.sim.Sent(id) {
			found = found || m.Text == "Karibu! Tutakuona kesho."
		}
		if !found {
			t.Fatal("the simulated phone did not receive the API message")
		}
		e.apiDo("POST", base+"/messages", tok, map[string]any{"chat": "+254799999999", "text": "Hello"}).
			wantErr(t, "send to a closed chat", http.StatusUnprocessableEntity, "chat_closed")

		// Chats; pause: the bot stays silent; resume.
		chats := e.apiDo("GET", base+"/chats", tok, nil).want(t, "chats", http.StatusOK)
		if len(chats.data()) != 1 || chats.data()[0]["chat"] != chat || chats.data()[0]["can_send"] != true || chats.data()[0]["paused"] != false {
			t.Fatalf("chats %s", chats.raw)
		}
		res = e.apiDo("POST", base+"/chats/"+url.PathEscape("+254700000001")+"/pause", tok, nil).want(t, "pause", http.StatusOK)
		if res.json["paused"] != true || res.str("chat") != chat {
			t.Fatalf("pause %s", res.raw)
		}
		if c := e.apiDo("GET", base+"/chats", tok, nil).data(); c[0]["paused"] != true {
			t.Fatalf("paused chat reads %v", c[0]["paused"])
		}
		e.apiDo("POST", apiPrefix+"/sim/tenants/"+id+"/inbound", tok, map[string]any{"from": "+254700000001", "text": "Bei gani?"}).
			want(t, "inbound while paused", http.StatusAccepted)
		waitFor(t, "the paused chat's message", 10*time.Second, func() bool {
			return len(e.apiDo("GET", base+"/messages?direction=IN", tok, nil).data()) == 2
		})
		time.Sleep(300 * time.Millisecond) // a reply would have been written by now
		outs := e.apiDo("GET", base+"/messages?direction=OUT", tok, nil).data()
		if len(outs) != 2 {
			t.Fatalf("the bot answered in a paused chat: %d OUT rows", len(outs))
		}
		e.apiDo("POST", base+"/chats/%2B254700000001/resume", tok, nil).want(t, "resume", http.StatusOK)
		e.apiDo("POST", apiPrefix+"/sim/tenants/"+id+"/inbound", tok, map[string]any{"from": "+254700000001", "text": "Asante"}).
			want(t, "inbound after resume", http.StatusAccepted)
		waitFor(t, "a reply after resume", 10*time.Second, func() bool {
			return len(e.apiDo("GET", base+"/messages?direction=OUT", tok, nil).data()) == 3
		})

		// Update the settings.
		res = e.apiDo("PATCH", base, tok, map[string]any{"language": "sw",
			"reply_overrides": map[string]any{"hours": map[string]string{"en": "{business} opens at 8am."}}}).want(t, "patch", http.StatusOK)
		cfg, _ = res.json["config"].(map[string]any)
		if cfg["language"] != "sw" || cfg["template"] != "booking" || res.str("name") != "Salon Neema" {
			t.Fatalf("patched %s", res.raw)
		}

		// Stop: sending is refused; the pairing code needs a running worker.
		e.apiDo("POST", base+"/worker/stop", tok, nil).want(t, "stop", http.StatusOK)
		e.apiDo("POST", base+"/messages", tok, map[string]any{"chat": chat, "text": "Hello"}).
			wantErr(t, "send while stopped", http.StatusConflict, "not_running")
		e.apiDo("POST", base+"/pair-code", tok, map[string]any{"phone": "+255712345678"}).
			wantErr(t, "pair while stopped", http.StatusConflict, "not_running")
		if tn, _ := st.GetTenant(ctx, id); tn.Status != store.TenantPaused {
			t.Fatalf("after stop the tenant is %s", tn.Status)
		}

		// Every change was audited under the token's name.
		entries, err := st.ListAudit(ctx, store.ListAuditOptions{TenantID: id, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]string{}
		for _, a := range entries {
			actions[a.Action] = a.ActorEmail
		}
		for _, want := range []string{"tenant.create", "worker.start", "sim.scan", "sim.message", "message.send", "chat.pause", "chat.resume", "tenant.update", "worker.stop"} {
			if !strings.HasPrefix(actions[want], "API token") {
				t.Errorf("audit %s: actor %q", want, actions[want])
			}
		}

		// Delete, keeping no logs; the tenant's token dies with it.
		e.apiDo("DELETE", base+"?keep_logs=false", admin, nil).want(t, "delete", http.StatusNoContent)
		e.apiDo("GET", base, admin, nil).wantErr(t, "get deleted", http.StatusNotFound, "not_found")
		e.apiDo("GET", base, tok, nil).wantErr(t, "deleted tenant's token", http.StatusUnauthorized, "unauthorized")
		if n, _ := st.CountLogs(ctx, id); n != 0 {
			t.Fatalf("%d logs left", n)
		}
	})
}

// TestAPISetupRequests: anyone submits, admins list, reject and approve
// (through the onboarding service, so the dashboard's rules hold).
func TestAPISetupRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		admin, _ := e.mintToken("ops", "")
		body := func(phone, email string) map[string]any {
			return map[string]any{"business_name": "Duka la Mama", "contact_name": "Mama Amina", "phone": phone, "country": "KE",
				"email": email, "template": "ecommerce", "language": "sw", "note": "Tunauza vitenge"}
		}
		r1 := e.apiDo("POST", apiPrefix+"/setup-requests", "", body("0712 345 678", "amina@example.com")).want(t, "submit", http.StatusCreated)
		if r1.str("status") != store.SetupPending || r1.str("phone") != "+254712345678" || r1.json["ip"] != nil {
			t.Fatalf("submitted %s", r1.raw)
		}
		e.apiDo("POST", apiPrefix+"/setup-requests", "", body("+254712345678", "other@example.com")).
			wantErr(t, "same number pending", http.StatusConflict, "pending_request")
		res := e.apiDo("POST", apiPrefix+"/setup-requests", "", map[string]any{"business_name": "", "phone": "12", "email": "x",
			"contact_name": "", "template": "x", "language": "x"})
		res.wantErr(t, "invalid request", http.StatusUnprocessableEntity, "validation_failed")
		r2 := e.apiDo("POST", apiPrefix+"/setup-requests", "", body("+255 712 000 111", "juma@example.com")).want(t, "submit 2", http.StatusCreated)

		list := e.apiDo("GET", apiPrefix+"/setup-requests?status=PENDING&limit=1", admin, nil).want(t, "list", http.StatusOK)
		cur, _ := list.json["next_cursor"].(string)
		if len(list.data()) != 1 || list.data()[0]["id"] != r2.str("id") || cur == "" {
			t.Fatalf("list %s", list.raw)
		}
		if l := e.apiDo("GET", apiPrefix+"/setup-requests?status=PENDING&limit=1&cursor="+cur, admin, nil).data(); len(l) != 1 || l[0]["id"] != r1.str("id") {
			t.Fatalf("page 2 %v", l)
		}

		e.apiDo("POST", apiPrefix+"/setup-requests/"+r2.str("id")+"/reject", admin, map[string]any{"reason": ""}).
			wantErr(t, "reject without reason", http.StatusUnprocessableEntity, "validation_failed")
		rej := e.apiDo("POST", apiPrefix+"/setup-requests/"+r2.str("id")+"/reject", admin, map[string]any{"reason": "Not in our area yet"}).
			want(t, "reject", http.StatusOK)
		if rej.str("status") != store.SetupRejected || rej.str("reason") != "Not in our area yet" {
			t.Fatalf("rejected %s", rej.raw)
		}
		e.apiDo("POST", apiPrefix+"/setup-requests/"+r2.str("id")+"/approve", admin, nil).
			wantErr(t, "approve a rejected request", http.StatusConflict, "already_decided")

		ok := e.apiDo("POST", apiPrefix+"/setup-requests/"+r1.str("id")+"/approve", admin, nil).want(t, "approve", http.StatusOK)
		tn, _ := ok.json["tenant"].(map[string]any)
		if !strings.Contains(ok.str("invite_url"), "/") || tn["phone_number"] != "+254712345678" || ok.str("worker_error") != "" {
			t.Fatalf("approved %s", ok.raw)
		}
		got := e.apiDo("GET", apiPrefix+"/tenants/"+tn["id"].(string), admin, nil).want(t, "approved tenant", http.StatusOK)
		if cfg, _ := got.json["config"].(map[string]any); cfg["template"] != "ecommerce" || cfg["language"] != "sw" {
			t.Fatalf("approved tenant %s", got.raw)
		}
		e.apiDo("POST", apiPrefix+"/setup-requests/no-such-id/approve", admin, nil).wantErr(t, "unknown request", http.StatusNotFound, "not_found")
		entries, _ := st.ListAudit(context.Background(), store.ListAuditOptions{Limit: 50})
		seen := map[string]bool{}
		for _, a := range entries {
			if strings.HasPrefix(a.ActorEmail, "API token") {
				seen[a.Action] = true
			}
		}
		if !seen["setup.approve"] || !seen["setup.reject"] {
			t.Fatalf("audit by token: %v", seen)
		}
	})
}
