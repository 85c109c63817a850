package wa_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/wa"
	"github.com/flowhq/flowhq/tenant/watest"
)

// benchInt reads a positive whole number from the environment.
func benchInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q is not a positive number", name, v)
	}
	return n
}

// BenchmarkTenants runs N tenants (FLOWHQ_WA_BENCH_TENANTS, default 50 so
// that CI's -benchtime 1x stays short; the target figures are for 1000) in
// one Flow HQ process against the local WhatsApp server, on SQLite (or on
// PostgreSQL with FLOWHQ_WA_BENCH_POSTGRES=1 and FLOWHQ_TEST_DATABASE_URL):
//
//  1. link: every tenant shows a QR code, a phone scans it, until all are
//     CONNECTED (at most FLOWHQ_WA_BENCH_LINKING tenants pair at once,
//     default 16);
//  2. restart: a new supervisor and manager on the same database log every
//     stored device in, until all are CONNECTED;
//  3. idle memory: heap and RSS per connected tenant (the growth from the
//     linked-but-offline process to the connected, idle one; the test
//     server's side of each connection is included);
//  4. messages: FLOWHQ_WA_BENCH_MESSAGES customer messages (default 10 per
//     tenant) spread over the tenants, from FLOWHQ_WA_BENCH_CONCURRENCY
//     customers at a time (default 32), each waiting for its reply; reply
//     latency from the customer's send to the decrypted reply.
//
// Run the full measurement with
//
//	FLOWHQ_WA_BENCH_TENANTS=1000 FLOWHQ_WA_BENCH_MESSAGES=10000 \
//	    go test -run '^$' -bench Tenants -benchtime 1x -timeout 30m ./tenant/wa/
func BenchmarkTenants(b *testing.B) {
	n := benchInt(b, "FLOWHQ_WA_BENCH_TENANTS", 50)
	msgs := benchInt(b, "FLOWHQ_WA_BENCH_MESSAGES", 10*n)
	linking := benchInt(b, "FLOWHQ_WA_BENCH_LINKING", 16)
	width := benchInt(b, "FLOWHQ_WA_BENCH_CONCURRENCY", 32)
	var cfg store.Config
	cfg.Logger = slog.New(slog.DiscardHandler)
	if os.Getenv("FLOWHQ_WA_BENCH_POSTGRES") != "" {
		cfg.DatabaseURL = storetest.PostgresURL(b)
	} else {
		cfg.DataDir = b.TempDir()
	}
	srv := watest.Start(b, watest.WithInitialPreKeyCount(50))
	st := storetest.Open(b, cfg)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = addTenant(b, st, []string{"booking", "ecommerce", "support"}[i%3], "")
	}

	for b.Loop() {
		// 1. Link every tenant by QR code.
		start := time.Now()
		p := startBenchProcess(b, st, srv, linking)
		accounts := p.linkAll(ids)
		linkTime := time.Since(start)
		p.stop()
		heapOffline, rssOffline := memNow()

		// 2. Restart: stored devices log straight in.
		start = time.Now()
		p = startBenchProcess(b, st, srv, linking)
		p.waitConnected(n)
		connectTime := time.Since(start)
		p.waitSessionsStored(n)
		time.Sleep(2 * time.Second) // post-login work settles into idle
		heapIdle, rssIdle := memNow()
		goroutines := runtime.NumGoroutine()

		// 3. Messages.
		start = time.Now()
		lat := p.converse(ids, accounts, msgs, width)
		msgTime := time.Since(start)
		p.stop()

		perHeap := float64(int64(heapIdle)-int64(heapOffline)) / float64(n) / 1024
		perRSS := float64(int64(rssIdle)-int64(rssOffline)) / float64(n) / 1024
		p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
		b.ReportMetric(linkTime.Seconds(), "s/link-all")
		b.ReportMetric(connectTime.Seconds(), "s/connect-all")
		b.ReportMetric(perRSS, "KiB-RSS/tenant")
		b.ReportMetric(perHeap, "KiB-heap/tenant")
		b.ReportMetric(float64(p50.Microseconds())/1000, "ms-p50")
		b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99")
		b.Logf("%d tenants on %s: linked by QR in %v (%d at a time); after a restart all CONNECTED in %v; "+
			"idle connected tenant: %.1f KiB RSS, %.1f KiB heap (process: %.1f MiB RSS, %.1f MiB heap, %d goroutines); "+
			"%d messages in %v (%.0f/s), reply latency p50 %v, p99 %v",
			n, st.Dialect(), linkTime.Round(time.Millisecond), linking, connectTime.Round(time.Millisecond),
			perRSS, perHeap, float64(rssIdle)/(1<<20), float64(heapIdle)/(1<<20), goroutines,
			len(lat), msgTime.Round(time.Millisecond), float64(len(lat))/msgTime.Seconds(),
			p50.Round(time.Microsecond), p99.Round(time.Microsecond))
	}
}

type benchProcess struct {
	b        *testing.B
	st       *store.Store
	srv      *watest.Server
	m        *wa.Manager
	sup      *tenant.Supervisor
	cancel   context.CancelFunc
	ran      chan struct{}
	stopOnce sync.Once
}

func startBenchProcess(b *testing.B, st *store.Store, srv *watest.Server, linking int) *benchProcess {
	b.Helper()
	log := slog.New(slog.DiscardHandler)
	m, err := wa.New(context.Background(), wa.Options{
		Store: st, Logger: log, Typing: -1, MaxConcurrentLinking: linking, Configure: srv.Configure,
	})
	if err != nil {
		b.Fatal(err)
	}
	sup, err := tenant.NewSupervisor(tenant.Options{Store: st, Links: m.Factory(), Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &benchProcess{b: b, st: st, srv: srv, m: m, sup: sup, cancel: cancel, ran: make(chan struct{})}
	go func() {
		defer close(p.ran)
		sup.Run(ctx)
	}()
	b.Cleanup(p.stop)
	return p
}

func (p *benchProcess) stop() {
	p.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		for _, d := range p.srv.Devices() {
			if d.Online() {
				_ = d.WaitSettled(ctx)
			}
		}
		if err := p.sup.Shutdown(ctx); err != nil {
			p.b.Errorf("shutdown: %v", err)
		}
		p.cancel()
		<-p.ran
		_ = p.m.Close()
		waitAllOffline(p.b, p.srv)
	})
}

// linkAll scans every tenant's QR code as it appears and waits until all
// are connected. It returns each tenant's account.
func (p *benchProcess) linkAll(ids []string) map[string]*watest.Account {
	accounts := make(map[string]*watest.Account, len(ids))
	var mu sync.Mutex
	scanned := make(map[string]bool)
	deadline := time.Now().Add(20 * time.Minute)
	var wg sync.WaitGroup
	for p.m.Stats().Connected < len(ids) {
		if time.Now().After(deadline) {
			p.b.Fatalf("linking: %+v after 20 minutes", p.m.Stats())
		}
		for _, id := range ids {
			mu.Lock()
			done := accounts[id] != nil
			mu.Unlock()
			if done {
				continue
			}
			l := p.m.Link(id)
			if l == nil {
				continue
			}
			code, _ := l.QR()
			mu.Lock()
			busy := code == "" || scanned[code]
			if !busy {
				scanned[code] = true
			}
			mu.Unlock()
			if busy {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				acct := p.srv.NewAccount()
				if _, err := acct.Scan(code); err != nil {
					return // expired or raced: the next code is scanned
				}
				mu.Lock()
				accounts[id] = acct
				mu.Unlock()
			}()
		}
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	return accounts
}

func (p *benchProcess) waitConnected(n int) {
	deadline := time.Now().Add(10 * time.Minute)
	for p.m.Stats().Connected < n {
		if time.Now().After(deadline) {
			p.b.Fatalf("connect: %+v after 10 minutes", p.m.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitSessionsStored waits until the database shows every session CONNECTED.
func (p *benchProcess) waitSessionsStored(n int) {
	deadline := time.Now().Add(time.Minute)
	for {
		var c int
		err := p.st.SQLDB().QueryRow("SELECT COUNT(*) FROM whatsapp_sessions WHERE state = 'CONNECTED'").Scan(&c)
		if err == nil && c == n {
			return
		}
		if time.Now().After(deadline) {
			p.b.Fatalf("%d of %d sessions CONNECTED in the database (%v)", c, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// converse sends msgs customer messages spread over the tenants, from
// width customers at a time, each waiting for its reply, and returns the
// reply latencies.
func (p *benchProcess) converse(ids []string, accounts map[string]*watest.Account, msgs, width int) []time.Duration {
	type job struct {
		cust *watest.Customer
		n    int
	}
	width = min(width, msgs)
	perCust := (msgs + width - 1) / width
	var jobs []job
	left := msgs
	for i := 0; left > 0; i++ {
		id := ids[i%len(ids)]
		k := min(perCust, left)
		jobs = append(jobs, job{accounts[id].Customer(fmt.Sprintf("+2557%08d", i)), k})
		left -= k
	}
	lat := make([]time.Duration, 0, msgs)
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	texts := []string{"Habari, nataka kuweka miadi kesho", "How much is delivery?", "My internet is not working", "Asante sana"}
	for ji, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < j.n; k++ {
				t0 := time.Now()
				_, err := j.cust.SendMessage(ctx, &waE2E.Message{Conversation: proto.String(texts[(ji+k)%len(texts)])})
				if err != nil {
					p.b.Errorf("send: %v", err)
					return
				}
				if _, err := j.cust.WaitReply(ctx); err != nil {
					p.b.Errorf("reply: %v", err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat
}

func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func waitAllOffline(b *testing.B, srv *watest.Server) {
	deadline := time.Now().Add(time.Minute)
	for {
		online := 0
		for _, d := range srv.Devices() {
			if d.Online() {
				online++
			}
		}
		if online == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d devices still online", online)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memNow returns the live heap after GC and the process RSS once freed
// memory has been returned to the OS.
func memNow() (heap, rss uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, readRSS()
}

func readRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			if fields := strings.Fields(rest); len(fields) > 0 {
				kb, _ := strconv.ParseUint(fields[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
