package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
)

// simulateFlags are the load generator's settings.
type simulateFlags struct {
	tenants, chats, messages, rateLimit int
	concurrency                         int
	duplicates, rate                    float64
	database, dataDir, journal, cpuProf string
	seed                                uint64
	timeout                             time.Duration
}

// simSummary is what simulate prints: one JSON object.
type simSummary struct {
	Database           string         `json:"database"`
	Tenants            int            `json:"tenants"`
	Chats              int            `json:"chats"`
	MessagesInjected   int            `json:"messages_injected"`
	DuplicatesInjected int64          `json:"duplicates_injected"`
	MessagesIn         int            `json:"messages_in"`
	RepliesSent        int            `json:"replies_sent"`
	Suppressed         int            `json:"suppressed"`
	DuplicatesDropped  int64          `json:"duplicates_dropped"`
	Lost               int            `json:"lost"`
	DoubleReplies      int            `json:"double_replies"`
	StartupS           float64        `json:"startup_s"`
	LoadS              float64        `json:"load_s"`
	Throughput         float64        `json:"throughput_msgs_per_s"`
	LatencyMs          map[string]int `json:"latency_ms"`
	RSSMB              float64        `json:"rss_mb"`
	RSSPeakMB          float64        `json:"rss_peak_mb"`
	HeapPerTenantKB    float64        `json:"heap_per_tenant_kb"`
	Goroutines         int            `json:"goroutines"`
	StackMB            float64        `json:"stack_mb"`
	HeapMB             float64        `json:"heap_mb"`
}

// sampleMessages are what simulated customers write.
var sampleMessages = [...]string{
	"Hello", "Habari yako", "I would like to book an appointment tomorrow at 10am",
	"Nataka kuweka miadi kesho saa nne asubuhi", "How much is delivery?", "Bei gani?",
	"Where is my order?", "Oda yangu iko wapi?", "What time do you open?", "Asante sana",
	"I want to talk to a person", "Nimelipa lakini sijapata risiti",
}

// runSimulate runs the real supervisor, actors, lanes and store against
// simulated phones, then checks the database against what it injected.
func runSimulate(ctx context.Context, args []string, env Env) error {
	var f simulateFlags
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.IntVar(&f.tenants, "tenants", 100, "number of tenants")
	fs.IntVar(&f.chats, "chats", 10, "customer chats per tenant")
	fs.IntVar(&f.messages, "messages", 20000, "customer messages in all (0: only start the tenants)")
	fs.IntVar(&f.rateLimit, "rate-limit", 0, "bot replies per minute per tenant (0 = off)")
	fs.IntVar(&f.concurrency, "concurrency", 0, "at most this many customer messages awaiting their reply at once (0: one per chat)")
	fs.Float64Var(&f.duplicates, "duplicates", 0, "percent of messages WhatsApp delivers twice")
	fs.Float64Var(&f.rate, "rate", 0, "customer messages per second offered in all (0: as fast as replies come back)")
	fs.StringVar(&f.database, "database", "", "database URL (postgres://...); empty: SQLite in --data-dir")
	fs.StringVar(&f.dataDir, "data-dir", "", "SQLite directory (default: a temporary one, removed afterwards)")
	fs.StringVar(&f.journal, "journal", "", "append every acknowledgement and send to this file (for crash tests)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed: the same seed injects the same messages")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "give up after this long")
	fs.StringVar(&f.cpuProf, "cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected arguments: %v", fs.Args())
	case f.tenants < 1:
		return usagef("--tenants must be at least 1")
	case f.chats < 1:
		return usagef("--chats must be at least 1")
	case f.messages < 0:
		return usagef("--messages must not be negative")
	case f.rate < 0:
		return usagef("--rate must not be negative")
	case f.concurrency < 0:
		return usagef("--concurrency must not be negative")
	case f.rateLimit < 0:
		return usagef("--rate-limit must not be negative")
	case f.duplicates < 0 || f.duplicates > 100:
		return usagef("--duplicates must be a percentage between 0 and 100")
	case f.database != "" && !isPostgresURL(f.database):
		return usagef("--database must be a postgres:// or postgresql:// URL")
	}
	cfg, err := LoadConfig(env.Getenv)
	if err != nil {
		return err
	}
	cfg.DatabaseURL, cfg.WhatsApp, cfg.RateLimit = f.database, "sim", f.rateLimit
	defer startGCTuner(uint64(cfg.GCHeadroomMB)<<20, env.Getenv("GOGC"), slog.New(slog.DiscardHandler))()
	if f.database == "" {
		if f.dataDir == "" {
			dir, err := os.MkdirTemp("", "flowhq-simulate-")
			if err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
			defer os.RemoveAll(dir)
			f.dataDir = dir
		}
		cfg.DataDir = f.dataDir
	}
	if f.cpuProf != "" {
		pf, err := os.Create(f.cpuProf)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	log := newLogger(env.Stderr, max(cfg.LogLevel, slog.LevelWarn))
	sum, err := simulate(ctx, cfg, f, log)
	if sum != nil {
		out, _ := json.Marshal(sum)
		fmt.Fprintln(env.Stdout, string(out))
	}
	if err != nil {
		return err
	}
	if sum.Lost > 0 || sum.DoubleReplies > 0 {
		return fmt.Errorf("simulate: %d lost, %d double replies", sum.Lost, sum.DoubleReplies)
	}
	return nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// load is the state of one simulation run shared with the sim callbacks.
type load struct {
	journal   *os.File
	journalMu sync.Mutex
	acks      sync.Map // tenant/id → chan struct{} awaiting the first ack
	replies   sync.Map // tenant/chat → chan time.Time
}

func (l *load) record(kind, tenantID, chat, id string) {
	if l.journal == nil {
		return
	}
	l.journalMu.Lock()
	defer l.journalMu.Unlock()
	// Unbuffered: every line reaches the kernel before the call returns, so
	// it survives a SIGKILL of this process.
	fmt.Fprintf(l.journal, "%s %s %s %s\n", kind, tenantID, chat, id)
}

func simulate(ctx context.Context, cfg Config, f simulateFlags, log *slog.Logger) (*simSummary, error) {
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ids, err := ensureSimTenants(ctx, st, f)
	if err != nil {
		return nil, err
	}
	known, err := knownMessages(ctx, st)
	if err != nil {
		return nil, err
	}

	l := &load{}
	if f.journal != "" {
		l.journal, err = os.OpenFile(f.journal, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("simulate: open journal: %w", err)
		}
		defer l.journal.Close()
	}
	simOpts := sim.Options{
		RedeliverAfter: 200 * time.Millisecond,
		OnAck: func(tenantID string, in tenant.Inbound) {
			l.record("ack", tenantID, in.Chat, in.ID)
			if ch, ok := l.acks.LoadAndDelete(tenantID + "/" + in.ID); ok {
				close(ch.(chan struct{}))
			}
		},
		OnSend: func(tenantID string, m sim.Message) {
			l.record("send", tenantID, m.Chat, m.ID)
			if ch, ok := l.replies.Load(tenantID + "/" + m.Chat); ok {
				select {
				case ch.(chan time.Time) <- time.Now():
				default:
				}
			}
		},
	}

	goruntime.GC()
	var before goruntime.MemStats
	goruntime.ReadMemStats(&before)
	start := time.Now()
	rt, err := startRuntime(ctx, cfg, st, log, simOpts)
	if err != nil {
		return nil, err
	}
	defer rt.sup.Shutdown(context.Background())
	if err := waitConnected(ctx, rt, ids); err != nil {
		return nil, err
	}
	sum := &simSummary{Database: st.Dialect(), Tenants: f.tenants, Chats: f.chats, StartupS: time.Since(start).Seconds()}
	// Steady state: return the start-up garbage to the OS, as the runtime's
	// scavenger does over time, before reading the resident size.
	debug.FreeOSMemory()
	var after goruntime.MemStats
	goruntime.ReadMemStats(&after)
	sum.HeapPerTenantKB = round1(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / 1024 / float64(f.tenants))
	sum.RSSMB = round1(procStatusMB("VmRSS:"))
	sum.Goroutines = goruntime.NumGoroutine()
	sum.StackMB = round1(float64(after.StackInuse) / (1 << 20))
	sum.HeapMB = round1(float64(after.HeapInuse) / (1 << 20))

	latencies, dups, loadStart, err := runCustomers(ctx, rt, l, f, ids, known)
	if err != nil {
		return sum, err
	}
	if err := settle(ctx, rt, ids); err != nil {
		return sum, err
	}
	loadTime := time.Since(loadStart)
	if err := rt.sup.Shutdown(ctx); err != nil {
		return sum, fmt.Errorf("simulate: stop workers: %w", err)
	}
	sum.MessagesInjected = f.messages
	sum.DuplicatesInjected = dups
	sum.DuplicatesDropped = rt.sup.Metrics().Duplicates
	sum.LoadS = round1(loadTime.Seconds())
	if f.messages > 0 {
		sum.Throughput = round1(float64(f.messages) / loadTime.Seconds())
	}
	sum.LatencyMs = percentiles(latencies)
	sum.RSSPeakMB = round1(procStatusMB("VmHWM:"))
	if err := audit(ctx, st, rt.sim, f, ids, sum); err != nil {
		return sum, err
	}
	return sum, nil
}

// ensureSimTenants creates the simulation's tenants (or finds them from an
// earlier run on the same database), each with a linked simulated phone.
func ensureSimTenants(ctx context.Context, st *store.Store, f simulateFlags) ([]string, error) {
	kinds := []string{"booking", "ecommerce", "support"}
	ids := make([]string, f.tenants)
	var sessions []store.WhatsAppSession
	for i := range ids {
		id := fmt.Sprintf("sim-%05d", i)
		ids[i] = id
		rate := f.rateLimit
		err := st.CreateTenant(ctx, &store.Tenant{ID: id, Name: fmt.Sprintf("Sim shop %d", i), Status: store.TenantActive},
			store.TenantConfig{TemplateType: kinds[i%len(kinds)], BusinessName: fmt.Sprintf("Sim Shop %d", i), Language: "auto", RateLimitPerMinute: &rate})
		switch {
		case errors.Is(err, store.ErrConflict):
			continue // from an earlier run
		case err != nil:
			return nil, fmt.Errorf("simulate: create tenant: %w", err)
		}
		sessions = append(sessions, store.WhatsAppSession{TenantID: id, State: store.SessionDisconnected, JID: fmt.Sprintf("2557%08d:1@s.whatsapp.net", i)})
	}
	if err := st.SaveSessions(ctx, sessions); err != nil {
		return nil, fmt.Errorf("simulate: link tenants: %w", err)
	}
	return ids, nil
}

// knownMessages returns the inbound messages already stored by an earlier
// run: their redelivery must not wait for a reply.
func knownMessages(ctx context.Context, st *store.Store) (map[string]bool, error) {
	known := make(map[string]bool)
	err := st.ScanLogs(ctx, "", func(m store.MessageLog) error {
		if m.Direction == store.DirIn {
			known[m.TenantID+"/"+m.WAMessageID] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: read earlier messages: %w", err)
	}
	return known, nil
}

func waitConnected(ctx context.Context, rt *runtime, ids []string) error {
	for {
		n := 0
		for _, id := range ids {
			if rt.sim.Connected(id) {
				n++
			}
		}
		counts := rt.sup.WorkerCounts()
		if n == len(ids) && counts[store.WorkerRunning] == len(ids) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("simulate: %d of %d tenants connected, workers %v: %w", n, len(ids), counts, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// runCustomers runs one goroutine per chat. Each customer writes its
// messages in order, waiting for WhatsApp's acknowledgement and then for the
// reply (closed loop, like a person), and sometimes gets a message delivered
// twice. It returns reply latencies and the number of duplicates injected.
//
// The load generator keeps its own timers few, so that they do not crowd
// the runtime's: with --rate one pacer goroutine hands each customer its
// messages when they are due (instead of 10,000 sleeping customers), and
// a customer waiting for a reply counts the ticks of one shared clock
// (instead of a timer per message) until it gives up on it.
func runCustomers(ctx context.Context, rt *runtime, l *load, f simulateFlags, ids []string, known map[string]bool) (latencies []time.Duration, dups int64, began time.Time, err error) {
	customers := f.tenants * f.chats
	replyWait := 30 * time.Second
	if f.rateLimit > 0 {
		replyWait = 300 * time.Millisecond // suppressed replies never come
	}
	ctx, stop := context.WithCancel(ctx) // ends the pacer and the clock
	defer stop()
	clock := newTickClock(ctx, time.Second)
	latencies = make([]time.Duration, 0, f.messages)
	var (
		mu       sync.Mutex
		injected atomic.Int64
		wg       sync.WaitGroup
		failed   atomic.Value
	)
	// sem bounds the messages awaiting a reply (--concurrency): each
	// customer takes a place before writing and gives it back once
	// answered.
	var sem chan struct{}
	if f.concurrency > 0 {
		sem = make(chan struct{}, f.concurrency)
	}
	var due []chan int // with --rate: each customer's messages, as they fall due
	if f.rate > 0 {
		due = make([]chan int, customers)
		for c := range due {
			due[c] = make(chan int, (f.messages+customers-1)/customers)
		}
	}
	// The customers are all set up before the first message, so that
	// starting 10,000 goroutines is not part of what is measured.
	var ready sync.WaitGroup
	begin := make(chan struct{})
	for c := 0; c < customers; c++ {
		wg.Add(1)
		ready.Add(1)
		go func(c int) {
			defer wg.Done()
			tenantID := ids[c%f.tenants]
			chat := fmt.Sprintf("2547%08d@s.whatsapp.net", c/f.tenants)
			replies := make(chan time.Time, 1)
			l.replies.Store(tenantID+"/"+chat, replies)
			rng := rand.New(rand.NewPCG(f.seed, uint64(c)))
			var mine []time.Duration
			ready.Done()
			<-begin
			for i := c; i < f.messages; i += customers {
				if due != nil {
					// Open loop: wait for the pacer (message i is due at i/rate seconds).
					select {
					case <-due[c]:
					case <-ctx.Done():
						failed.Store(fmt.Errorf("simulate: message %d never due: %w", i, ctx.Err()))
						return
					}
				}
				in := tenant.Inbound{ID: "SIM" + strconv.Itoa(i), Chat: chat, Sender: chat, Text: sampleMessages[i%len(sampleMessages)]}
				acked := make(chan struct{})
				l.acks.Store(tenantID+"/"+in.ID, acked)
				select {
				case <-replies: // a late reply to an earlier message
				default:
				}
				if sem != nil {
					select {
					case sem <- struct{}{}:
					case <-ctx.Done():
						failed.Store(fmt.Errorf("simulate: message %s never sent: %w", in.ID, ctx.Err()))
						return
					}
				}
				sent := time.Now()
				rt.sim.Deliver(tenantID, in)
				select {
				case <-acked:
				case <-ctx.Done():
					failed.Store(fmt.Errorf("simulate: message %s not acknowledged: %w", in.ID, ctx.Err()))
					return
				}
				release := func() {
					if sem != nil {
						<-sem
					}
				}
				if rng.Float64()*100 < f.duplicates {
					injected.Add(1)
					rt.sim.Deliver(tenantID, in)
				}
				if known[tenantID+"/"+in.ID] {
					release()
					continue
				}
				if at, ok := awaitReply(ctx, replies, clock, replyWait); ok {
					mine = append(mine, at.Sub(sent))
				}
				release()
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(c)
	}
	ready.Wait()
	began = time.Now()
	if due != nil {
		go pace(ctx, began, f.rate, f.messages, due)
	}
	close(begin)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return latencies, injected.Load(), began, err
	}
	return latencies, injected.Load(), began, nil
}

// pace hands message i to customer i % len(due) at start + i/rate, in
// order, waking once per batch of messages due rather than once per
// message. Customers' channels hold all their messages, so pace never
// waits for a customer. It closes nothing: customers count their own.
func pace(ctx context.Context, start time.Time, rate float64, messages int, due []chan int) {
	at := func(i int) time.Time { return start.Add(time.Duration(float64(i) / rate * float64(time.Second))) }
	t := time.NewTimer(0)
	defer t.Stop()
	for i := 0; i < messages; {
		now := time.Now()
		for ; i < messages && !at(i).After(now); i++ {
			due[i%len(due)] <- i
		}
		if i == messages {
			return
		}
		// Batching by half a millisecond keeps the pacer's wake-ups low
		// at high rates; no customer notices half a millisecond.
		t.Reset(max(time.Until(at(i)), 500*time.Microsecond))
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// awaitReply waits for the reply to the message just sent, for at most
// about wait: short waits (rate-limited runs, where suppressed replies
// never come) use a timer, long ones the ticks of clock.
func awaitReply(ctx context.Context, replies <-chan time.Time, clock *tickClock, wait time.Duration) (time.Time, bool) {
	if wait < 2*clock.every {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case at := <-replies:
			return at, true
		case <-t.C:
		case <-ctx.Done():
		}
		return time.Time{}, false
	}
	for ticks := 0; time.Duration(ticks)*clock.every < wait; {
		select {
		case at := <-replies:
			return at, true
		case <-clock.tick():
			ticks++
		case <-ctx.Done():
			return time.Time{}, false
		}
	}
	return time.Time{}, false
}

// tickClock is a coarse clock shared by many waiters: tick returns a
// channel that is closed at the next tick.
type tickClock struct {
	every time.Duration
	next  atomic.Pointer[chan struct{}]
}

func newTickClock(ctx context.Context, every time.Duration) *tickClock {
	c := &tickClock{every: every}
	ch := make(chan struct{})
	c.next.Store(&ch)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
			fresh := make(chan struct{})
			close(*c.next.Swap(&fresh))
		}
	}()
	return c
}

func (c *tickClock) tick() <-chan struct{} { return *c.next.Load() }

// settle waits until every delivery (duplicates too) is acknowledged.
func settle(ctx context.Context, rt *runtime, ids []string) error {
	for {
		waiting := 0
		for _, id := range ids {
			waiting += rt.sim.Inbox(id)
		}
		if waiting == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("simulate: %d deliveries not acknowledged: %w", waiting, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// audit counts what the database holds against what was injected: a message
// is lost when it has no IN row or no reply row; a double reply is a second
// reply row for one message, or a send the database does not account for.
func audit(ctx context.Context, st *store.Store, net *sim.Network, f simulateFlags, ids []string, sum *simSummary) error {
	inRows := make(map[string]int64) // tenant/id → IN row id
	replies := make(map[int64]int)   // IN row id → reply rows
	outIDs := make(map[string]bool)  // tenant/wa id of OUT rows
	err := st.ScanLogs(ctx, "", func(m store.MessageLog) error {
		switch {
		case m.Direction == store.DirIn:
			inRows[m.TenantID+"/"+m.WAMessageID] = m.ID
			sum.MessagesIn++
		case m.ReplyTo != nil:
			replies[*m.ReplyTo]++
			outIDs[m.TenantID+"/"+m.WAMessageID] = true
			switch m.Status {
			case store.StatusSent:
				sum.RepliesSent++
			case store.StatusSuppressed:
				sum.Suppressed++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("simulate: audit: %w", err)
	}
	customers := f.tenants * f.chats
	for i := 0; i < f.messages; i++ {
		row, ok := inRows[ids[i%customers%f.tenants]+"/SIM"+strconv.Itoa(i)]
		if !ok || replies[row] == 0 {
			sum.Lost++
		}
	}
	for _, n := range replies {
		if n > 1 {
			sum.DoubleReplies += n - 1
		}
	}
	for _, id := range ids {
		for _, m := range net.Sent(id) {
			if !outIDs[id+"/"+m.ID] {
				sum.DoubleReplies++
			}
		}
	}
	return nil
}

func percentiles(d []time.Duration) map[string]int {
	out := map[string]int{"p50": 0, "p95": 0, "p99": 0}
	if len(d) == 0 {
		return out
	}
	slices.Sort(d)
	at := func(p float64) int {
		i := int(p * float64(len(d)-1))
		return int(d[i].Milliseconds())
	}
	out["p50"], out["p95"], out["p99"] = at(0.50), at(0.95), at(0.99)
	return out
}

// procStatusMB reads a memory figure of this process from /proc (Linux):
// VmRSS is the resident set size now, VmHWM its peak.
func procStatusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
