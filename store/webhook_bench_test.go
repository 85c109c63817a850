package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
)

// BenchmarkCommitWebhooks measures what the outbox costs the log writer:
// the message path's three commits per message (IN row, pending OUT row,
// OUT row sent) from 1,000 concurrent callers over 50 tenants, with no
// webhooks, and with every tenant having a webhook for message.in and
// message.out (two events per message, queued in the same transactions).
func BenchmarkCommitWebhooks(b *testing.B) {
	for _, withHooks := range []bool{false, true} {
		name := "none"
		if withHooks {
			name = "every-tenant"
		}
		b.Run(name, func(b *testing.B) {
			eachBench(b, func(b *testing.B, s *store.Store) {
				tenants := benchTenants(b, s, 50)
				if withHooks {
					for _, id := range tenants {
						h := store.Webhook{TenantID: id, URL: "https://example.com/hook", Enabled: true}
						h.SetEvents([]string{store.EventMessageIn, store.EventMessageOut})
						if err := s.CreateWebhook(context.Background(), &h); err != nil {
							b.Fatal(err)
						}
					}
				}
				ctx := context.Background()
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range min(1000, b.N) {
					wg.Go(func() {
						for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
							tenant := tenants[n%int64(len(tenants))]
							chat := fmt.Sprintf("2557%08d@s.whatsapp.net", n%20000)
							in := &store.MessageLog{TenantID: tenant, Direction: store.DirIn, Chat: chat, MessageText: "Nataka kuweka miadi kesho asubuhi",
								WAMessageID: fmt.Sprintf("IN%012d", n)}
							out := &store.MessageLog{TenantID: tenant, Direction: store.DirOut, Chat: chat, MessageText: "Asante! Tumepokea ombi lako.",
								WAMessageID: fmt.Sprintf("OUT%012d", n), Source: store.SourceBot}
							err := s.Commit(ctx, store.Op{Insert: in})
							if err == nil {
								out.ReplyTo = &in.ID
								err = s.Commit(ctx, store.Op{Insert: out})
							}
							if err == nil {
								err = s.Commit(ctx, store.Op{Update: &store.StatusUpdate{TenantID: tenant, ID: out.ID, Status: store.StatusSent}})
							}
							if err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
				if withHooks {
					if n, err := s.WebhookBacklog(ctx); err != nil || n != int64(2*b.N) {
						b.Fatalf("backlog %d (%v), want %d", n, err, 2*b.N)
					}
				}
			})
		})
	}
}
