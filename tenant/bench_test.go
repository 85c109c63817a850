package tenant_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
)

// BenchmarkHealthyBesideBroken measures the reply rate of 50 healthy
// tenants alone and beside one tenant whose link panics on every connect
// and send: the two figures should match.
func BenchmarkHealthyBesideBroken(b *testing.B) {
	for _, withBroken := range []bool{false, true} {
		b.Run(fmt.Sprintf("broken=%v", withBroken), func(b *testing.B) {
			st := storetest.SQLite(b)
			net := sim.NewNetwork(sim.Options{RedeliverAfter: 20 * time.Millisecond})
			opts := fastOptions(st, net.Factory())
			opts.MaxRestarts = 1 << 30 // the broken tenant keeps flapping
			sup, err := tenant.NewSupervisor(opts)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go sup.Run(ctx)
			defer sup.Shutdown(context.Background())
			if withBroken {
				id := benchTenant(b, st)
				net.SetFaults(id, sim.Faults{PanicConnect: true, PanicSend: true})
				if err := sup.Start(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			var healthy []string
			for range 50 {
				id := benchTenant(b, st)
				healthy = append(healthy, id)
				if err := sup.Start(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			for _, id := range healthy {
				for !net.Connected(id) {
					time.Sleep(time.Millisecond)
				}
			}
			const perTenant = 40
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				var wg sync.WaitGroup
				want := make(map[string]int, len(healthy))
				for _, id := range healthy {
					want[id] = len(net.Sent(id)) + perTenant
					wg.Go(func() {
						for i := range perTenant {
							chat := fmt.Sprintf("2547200000%02d@s.whatsapp.net", i%10)
							net.Deliver(id, tenant.Inbound{Chat: chat, Sender: chat, Text: "Hello"})
						}
					})
				}
				wg.Wait()
				for _, id := range healthy {
					for len(net.Sent(id)) < want[id] {
						time.Sleep(time.Millisecond)
					}
				}
			}
			b.ReportMetric(float64(b.N*perTenant*len(healthy))/time.Since(start).Seconds(), "replies/s")
		})
	}
}

func benchTenant(b *testing.B, st *store.Store) string {
	b.Helper()
	tn := &store.Tenant{Name: "bench", Status: store.TenantPending}
	if err := st.CreateTenant(context.Background(), tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		b.Fatal(err)
	}
	err := st.SaveSession(context.Background(), store.WhatsAppSession{TenantID: tn.ID, State: store.SessionDisconnected, JID: "255700" + tn.ID[:8] + ":1@s.whatsapp.net"})
	if err != nil {
		b.Fatal(err)
	}
	return tn.ID
}
