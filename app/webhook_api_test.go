package app

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// The webhook endpoints: validation, secrets shown where they belong,
// dead letters listed and replayed, the delivery log, update and delete,
// and tenant tokens kept to their own tenant.
func TestWebhookAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		tn := e.tenant("Hooks")
		other := e.tenant("Other")
		admin, _ := e.mintToken("admin", "")
		own, _ := e.mintToken("own", tn.ID)
		foreign, _ := e.mintToken("foreign", other.ID)
		opts := fastRetries()
		opts.MaxAge = 100 * time.Millisecond
		startDispatcher(t, st, opts)

		var mu sync.Mutex
		down := true
		rc := newReceiver(t, "whsec_api_secret_0123456789", func(int, string) string {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return "500"
			}
			return ""
		})
		base := apiPrefix + "/tenants/" + tn.ID + "/webhooks"

		res := e.apiDo("POST", base, own, map[string]any{"url": "ftp://x", "events": []string{"message.in", "nope"}})
		res.wantErr(t, "bad url and events", http.StatusUnprocessableEntity, "validation_failed")
		if f, _ := res.json["error"].(map[string]any)["fields"].(map[string]any); f["url"] == nil || f["events"] == nil {
			t.Fatalf("fields: %s", res.raw)
		}
		e.apiDo("POST", base, own, map[string]any{"url": rc.srv.URL, "events": []string{"message.in"}, "colour": "red"}).
			wantErr(t, "unknown field", http.StatusBadRequest, "unknown_field")
		e.apiDo("POST", base, own, map[string]any{"url": rc.srv.URL, "events": []string{"message.in"}, "secret": "short"}).
			wantErr(t, "short secret", http.StatusUnprocessableEntity, "validation_failed")

		res = e.apiDo("POST", base, own, map[string]any{"url": rc.srv.URL, "events": []string{"message.in", "message.out"}, "secret": rc.secret}).
			want(t, "create", http.StatusCreated)
		id := res.str("id")
		if res.str("secret") != rc.secret || !strings.HasPrefix(id, "wh_") {
			t.Fatalf("create: %s", res.raw)
		}
		gen := e.apiDo("POST", base, admin, map[string]any{"url": "https://example.com/x", "events": []string{"session.state"}, "enabled": false}).
			want(t, "create with a generated secret", http.StatusCreated)
		if !strings.HasPrefix(gen.str("secret"), "whsec_") || gen.json["enabled"] != false {
			t.Fatalf("generated: %s", gen.raw)
		}
		list := e.apiDo("GET", base, own, nil).want(t, "list", http.StatusOK)
		if len(list.data()) != 2 || strings.Contains(list.raw, rc.secret) {
			t.Fatalf("list shows %d webhooks or a secret: %s", len(list.data()), list.raw)
		}
		e.apiDo("GET", base+"/"+id, foreign, nil).wantErr(t, "another tenant's token", http.StatusNotFound, "not_found")
		e.apiDo("GET", apiPrefix+"/tenants/"+other.ID+"/webhooks/"+id, foreign, nil).wantErr(t, "another tenant's webhook id", http.StatusNotFound, "not_found")

		// Events fail until they are dead letters.
		want := inbound(t, st, tn.ID, 2)
		waitFor(t, "two dead letters", 30*time.Second, func() bool {
			return len(e.apiDo("GET", base+"/"+id+"/events?status=dead", own, nil).data()) == 2
		})
		got := e.apiDo("GET", base+"/"+id, own, nil).want(t, "get", http.StatusOK)
		if c, _ := got.json["counts"].(map[string]any); c["dead"] != float64(2) || got.str("secret") != rc.secret {
			t.Fatalf("get: %s", got.raw)
		}
		dead := e.apiDo("GET", base+"/"+id+"/events?status=dead&limit=1", own, nil).want(t, "dead page 1", http.StatusOK)
		cursor, _ := dead.json["next_cursor"].(string)
		if len(dead.data()) != 1 || cursor == "" || dead.data()[0]["id"] != want[1] || dead.data()[0]["data"] == nil {
			t.Fatalf("dead page: %s", dead.raw)
		}
		e.apiDo("GET", base+"/"+id+"/events?status=lost", own, nil).wantErr(t, "bad status", http.StatusBadRequest, "invalid_parameter")
		e.apiDo("GET", base+"/"+id+"/events?cursor=xyz", own, nil).wantErr(t, "bad cursor", http.StatusBadRequest, "bad_cursor")
		logs := e.apiDo("GET", base+"/"+id+"/deliveries", own, nil).want(t, "deliveries", http.StatusOK)
		if len(logs.data()) == 0 || logs.data()[0]["status_code"] != float64(500) {
			t.Fatalf("deliveries: %s", logs.raw)
		}

		mu.Lock()
		down = false
		mu.Unlock()
		e.apiDo("POST", base+"/"+id+"/events/"+want[0]+"/replay", own, nil).want(t, "replay one", http.StatusOK)
		waitFor(t, "the replayed event delivered", 30*time.Second, func() bool {
			acc, _, _, _ := rc.snapshot()
			return len(acc) == 1
		})
		waitFor(t, "the replay recorded", 10*time.Second, func() bool {
			return len(e.apiDo("GET", base+"/"+id+"/events?status=delivered", own, nil).data()) == 1
		})
		e.apiDo("POST", base+"/"+id+"/events/"+want[0]+"/replay", own, nil).wantErr(t, "replay a delivered event", http.StatusConflict, "not_dead")
		e.apiDo("POST", base+"/"+id+"/events/evt_nope/replay", own, nil).wantErr(t, "replay a missing event", http.StatusNotFound, "not_found")
		res = e.apiDo("POST", base+"/"+id+"/replay-dead", own, nil).want(t, "replay the rest", http.StatusOK)
		if res.json["replayed"] != float64(1) {
			t.Fatalf("replay-dead: %s", res.raw)
		}
		waitFor(t, "both delivered", 30*time.Second, func() bool {
			acc, _, _, _ := rc.snapshot()
			return len(acc) == 2
		})

		// Update and delete.
		upd := e.apiDo("PATCH", base+"/"+id, own, map[string]any{"enabled": false, "secret": "generate", "events": []string{"session.state"}}).
			want(t, "update", http.StatusOK)
		if upd.json["enabled"] != false || upd.str("secret") == rc.secret || !strings.HasPrefix(upd.str("secret"), "whsec_") {
			t.Fatalf("update: %s", upd.raw)
		}
		e.apiDo("PATCH", base+"/"+id, own, map[string]any{"url": "not a url"}).wantErr(t, "update bad url", http.StatusUnprocessableEntity, "validation_failed")
		e.apiDo("DELETE", base+"/"+id, foreign, nil).wantErr(t, "delete as another tenant", http.StatusNotFound, "not_found")
		e.apiDo("DELETE", base+"/"+id, own, nil).want(t, "delete", http.StatusNoContent)
		e.apiDo("GET", base+"/"+id, own, nil).wantErr(t, "deleted", http.StatusNotFound, "not_found")
	})
}
