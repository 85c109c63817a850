package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// TestAPISeedForWrk prepares a database for measuring the API under wrk
// (see README, "JSON API and tokens"): a tenant with
// FLOWHQ_API_SEED_ROWS (default 100,000) logged messages written through
// the group-commit writer, and an admin token. It runs only with
// FLOWHQ_API_SEED=1, on the database the environment names (DATABASE_URL
// or FLOWHQ_DATA_DIR, as flowhq serve reads them), and prints the tenant
// id and the token.
func TestAPISeedForWrk(t *testing.T) {
	if os.Getenv("FLOWHQ_API_SEED") != "1" {
		t.Skip("set FLOWHQ_API_SEED=1 (and DATABASE_URL or FLOWHQ_DATA_DIR) to seed a database for wrk")
	}
	rows := 100_000
	if v := os.Getenv("FLOWHQ_API_SEED_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("FLOWHQ_API_SEED_ROWS=%q", v)
		}
		rows = n
	}
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	st, err := openStore(ctx, cfg, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tn := store.Tenant{Name: "wrk"}
	if err := st.CreateTenant(ctx, &tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const batch = 1000
	for i := 0; i < rows; i += batch {
		ops := make([]store.Op, 0, batch)
		for j := i; j < min(i+batch, rows); j++ {
			chat := fmt.Sprintf("2547%08d@s.whatsapp.net", j%500)
			m := &store.MessageLog{TenantID: tn.ID, Direction: store.DirIn, Chat: chat, FromNumber: chat,
				WAMessageID: fmt.Sprintf("SEED%08d", j), MessageText: fmt.Sprintf("Habari, nataka kuweka miadi kesho %d", j),
				Status: store.StatusReceived, Source: store.SourceCustomer}
			if j%2 == 1 {
				m.Direction, m.Source, m.Status, m.MessageText = store.DirOut, store.SourceBot, store.StatusSent, "Asante! Tumepokea ombi lako."
			}
			ops = append(ops, store.Op{Insert: m})
		}
		if err := st.Commit(ctx, ops...); err != nil {
			t.Fatal(err)
		}
	}
	token, hash, prefix := newAPIToken()
	if err := st.CreateAPIToken(ctx, &store.APIToken{Name: "wrk", Prefix: prefix, TokenHash: hash, Scope: store.TokenScopeAdmin}); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("seeded %d rows in %s\nTENANT=%s\nTOKEN=%s\n", rows, time.Since(start).Round(time.Millisecond), tn.ID, token)
}

// BenchmarkAPIMessages requests the newest page of a tenant's message log
// through the whole HTTP stack (token check, tenant, page, JSON) on a
// tenant with 10,000 rows, in parallel.
func BenchmarkAPIMessages(b *testing.B) {
	st := storetest.SQLite(b)
	e := newWebEnv(b, st)
	tn := e.tenant("bench")
	ctx := context.Background()
	for i := 0; i < 10_000; i += 1000 {
		ops := make([]store.Op, 0, 1000)
		for j := i; j < i+1000; j++ {
			chat := fmt.Sprintf("2547%08d@s.whatsapp.net", j%50)
			ops = append(ops, store.Op{Insert: &store.MessageLog{TenantID: tn.ID, Direction: store.DirIn, Chat: chat,
				FromNumber: chat, WAMessageID: fmt.Sprintf("B%08d", j), MessageText: "Habari", Status: store.StatusReceived}})
		}
		if err := st.Commit(ctx, ops...); err != nil {
			b.Fatal(err)
		}
	}
	token, _ := e.mintToken("bench", "")
	path := apiPrefix + "/tenants/" + tn.ID + "/messages"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := e.apiDo("GET", path, token, nil); r.status != 200 {
				b.Errorf("status %d", r.status)
			}
		}
	})
}
