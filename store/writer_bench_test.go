package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// eachBench runs fn on SQLite and, when configured, on PostgreSQL.
func eachBench(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

func benchTenants(b *testing.B, s *store.Store, n int) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range ids {
		t := store.Tenant{Name: fmt.Sprintf("bench %d", i), Status: store.TenantActive}
		if err := s.CreateTenant(context.Background(), &t, store.TenantConfig{TemplateType: "booking"}); err != nil {
			b.Fatal(err)
		}
		ids[i] = t.ID
	}
	return ids
}

// BenchmarkCommit drives the writer the way the message path does: 1,000
// concurrent callers, each message three Commit calls (IN row, pending OUT
// row, OUT row marked sent). One b.N is one message.
func BenchmarkCommit(b *testing.B) {
	eachBench(b, benchCommit)
}

// BenchmarkCommitWriters compares writer counts on PostgreSQL (the default
// is 2).
func BenchmarkCommitWriters(b *testing.B) {
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("postgres/writers=%d", n), func(b *testing.B) {
			cfg := storetest.Config(b)
			cfg.DatabaseURL = storetest.PostgresURL(b)
			cfg.Writers = n
			benchCommit(b, storetest.Open(b, cfg))
		})
	}
}

func benchCommit(b *testing.B, s *store.Store) {
	const callers = 1000
	tenants := benchTenants(b, s, 50)
	ctx := context.Background()
	text := "Habari, I would like to book an appointment for Saturday morning please"
	reply := "Thanks! Reply with a day and time and we will confirm your booking."
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range min(callers, b.N) {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				tenant := tenants[n%int64(len(tenants))]
				chat := fmt.Sprintf("2557%08d@s.whatsapp.net", n%20000)
				in := &store.MessageLog{TenantID: tenant, Direction: store.DirIn, Chat: chat,
					FromNumber: chat[:12], MessageText: text, WAMessageID: fmt.Sprintf("3EB0IN%012d", n)}
				if err := s.Commit(ctx, store.Op{Insert: in}); err != nil {
					b.Error(err)
					return
				}
				out := &store.MessageLog{TenantID: tenant, Direction: store.DirOut, Chat: chat,
					ToNumber: chat[:12], MessageText: reply, WAMessageID: fmt.Sprintf("3EB0OUT%012d", n),
					Intent: "booking", Source: store.SourceBot, ReplyTo: &in.ID}
				if err := s.Commit(ctx, store.Op{Insert: out}); err != nil {
					b.Error(err)
					return
				}
				if err := s.Commit(ctx, store.Op{Update: &store.StatusUpdate{
					TenantID: tenant, ID: out.ID, Status: store.StatusSent}}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(3*b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// BenchmarkRawInsert is the ceiling Commit is measured against: one
// goroutine writing plain multi-row INSERTs (no conflict handling, no
// RETURNING) straight into message_logs, 1,000 rows a transaction: one
// statement on PostgreSQL, 20 statements of 50 rows on SQLite (its driver
// binds parameters in quadratic time, so bigger statements are slower).
// One b.N is one transaction.
func BenchmarkRawInsert(b *testing.B) {
	eachBench(b, func(b *testing.B, s *store.Store) {
		const batch = 1000
		per := batch
		if s.Dialect() == store.DialectSQLite {
			per = 50
		}
		ctx := context.Background()
		db := s.SQLDB()
		cols := "id, tenant_id, direction, chat, from_number, to_number, message_text, wa_message_id, intent, status, source, error, reply_to, created_at, updated_at"
		var q strings.Builder
		q.WriteString("INSERT INTO message_logs (" + cols + ") VALUES ")
		p := 0
		for i := range per {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for c := range 15 {
				if c > 0 {
					q.WriteString(", ")
				}
				p++
				if s.Dialect() == store.DialectPostgres {
					fmt.Fprintf(&q, "$%d", p)
				} else {
					q.WriteString("?")
				}
			}
			q.WriteString(")")
		}
		sqlText := q.String()
		id := time.Now().UnixMilli() << 20
		args := make([]any, 0, 15*batch)
		b.ResetTimer()
		start := time.Now()
		for n := range b.N {
			args = args[:0]
			now := time.Now().UTC()
			for i := range batch {
				id++
				chat := fmt.Sprintf("2557%08d@s.whatsapp.net", i)
				args = append(args, id, "tenant-1", store.DirIn, chat, chat[:12], "", "Habari, I would like to book",
					fmt.Sprintf("3EB0%d-%d", n, i), "", store.StatusReceived, store.SourceCustomer, "", nil, now, now)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for off := 0; off < batch; off += per {
				if _, err := tx.ExecContext(ctx, sqlText, args[15*off:15*(off+per)]...); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(batch*b.N)/elapsed.Seconds(), "rows/s")
	})
}
