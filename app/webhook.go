package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/flowhq/flowhq/store"
)

// Webhook delivery headers.
const (
	headerSignature = "X-FlowHQ-Signature"
	headerTimestamp = "X-FlowHQ-Timestamp"
	headerEventID   = "X-FlowHQ-Event-Id"
)

// webhookOptions tune the dispatcher. Zero values take the defaults.
type webhookOptions struct {
	Timeout   time.Duration // one delivery attempt; default 10s
	RetryBase time.Duration // first retry delay; doubles per failure; default 5s
	RetryMax  time.Duration // longest retry delay; default 1h
	MaxAge    time.Duration // retry for this long after the first attempt, then dead letter; default 24h
	Poll      time.Duration // look for work at least this often; default 1s
	Batch     int           // events read per query; default 100
	Retention time.Duration // delivered events are kept this long; default 7 days
	// AllowPrivate lets deliveries reach loopback, private, link-local and
	// other internal addresses. Off by default: a tenant must not be able
	// to make the server POST into its own network.
	AllowPrivate bool
	Client       *http.Client // default: a client of its own (no redirects, no proxy)
}

func (o webhookOptions) withDefaults() webhookOptions {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 5 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.RetryMax < o.RetryBase {
		o.RetryMax = o.RetryBase
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 4
		tr.ResponseHeaderTimeout = o.Timeout
		// Direct connections only, each address checked as it is dialled
		// (after DNS, so a name that resolves inward is refused too).
		tr.Proxy = nil
		dialer := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
		if !o.AllowPrivate {
			dialer.Control = refusePrivate
		}
		tr.DialContext = dialer.DialContext
		o.Client = &http.Client{
			Transport: tr,
			// A redirect is an answer that is not 2xx: retried, never followed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return o
}

// webhookDispatcher delivers the outbox. Each webhook with pending events
// gets a goroutine of its own that delivers its events one at a time in
// outbox order; while the head event waits for a retry, the webhook's
// later events wait behind it, and no other webhook waits at all. It
// wakes on the store's notifications and polls as a backstop; on start it
// finds everything pending (events a crash left in flight are delivered
// again: receivers deduplicate by event id).
type webhookDispatcher struct {
	st   *store.Store
	log  *slog.Logger
	opts webhookOptions

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running map[store.WebhookRef]*hookWorker
	gen     int64 // the store's webhook generation at the last scan

	delivered atomic.Int64 // events delivered (2xx), since start
	failed    atomic.Int64 // failed attempts, since start
}

// hookWorker is the state of one webhook's goroutine, guarded by the
// dispatcher's mu.
type hookWorker struct {
	again bool          // more work may have arrived: look again before exiting
	kick  chan struct{} // buffered 1: stop waiting and reread the queue
}

func newWebhookDispatcher(st *store.Store, log *slog.Logger, opts webhookOptions) *webhookDispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &webhookDispatcher{
		st: st, log: log, opts: opts.withDefaults(), ctx: ctx, cancel: cancel,
		running: make(map[store.WebhookRef]*hookWorker),
	}
}

// start runs the dispatcher until stop.
func (d *webhookDispatcher) start() {
	d.wg.Go(d.run)
}

// stop ends every delivery (an attempt cut short is not recorded: its
// event stays pending and is delivered after the next start) and waits
// for the goroutines, at most until ctx ends.
func (d *webhookDispatcher) stop(ctx context.Context) error {
	d.cancel()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("app: stop webhook dispatcher: %w", ctx.Err())
	}
}

func (d *webhookDispatcher) run() {
	notify := d.st.WebhookNotify()
	poll := time.NewTicker(d.opts.Poll)
	defer poll.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	d.scan()
	d.prune()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-notify:
			// Events are announced from inside their transaction: give
			// the commit a moment to land (the poll catches stragglers).
			// This also bounds the scans to about 50 a second however
			// busy the log writer is; running workers do not need them.
			select {
			case <-time.After(20 * time.Millisecond):
			case <-d.ctx.Done():
				return
			}
		case <-poll.C:
		case <-prune.C:
			d.prune()
			continue
		}
		d.scan()
	}
}

// scan starts a worker for every webhook with pending events that has
// none, and tells running workers to look again.
func (d *webhookDispatcher) scan() {
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	refs, err := d.st.PendingWebhooks(ctx)
	if err != nil {
		if d.ctx.Err() == nil {
			d.log.Warn("webhooks: looking for pending events failed", "err", err)
		}
		return
	}
	gen := d.st.WebhookGeneration()
	d.mu.Lock()
	defer d.mu.Unlock()
	if gen != d.gen {
		// A webhook changed or events were replayed: waiting workers reread.
		d.gen = gen
		for _, w := range d.running {
			select {
			case w.kick <- struct{}{}:
			default:
			}
		}
	}
	for _, ref := range refs {
		if w, ok := d.running[ref]; ok {
			w.again = true
			continue
		}
		if d.ctx.Err() != nil {
			return
		}
		w := &hookWorker{kick: make(chan struct{}, 1)}
		d.running[ref] = w
		d.wg.Go(func() { d.work(ref, w) })
	}
}

func (d *webhookDispatcher) prune() {
	ctx, cancel := context.WithTimeout(d.ctx, time.Minute)
	defer cancel()
	if n, err := d.st.PruneWebhookEvents(ctx, time.Now().Add(-d.opts.Retention)); err != nil && d.ctx.Err() == nil {
		d.log.Warn("webhooks: pruning delivered events failed", "err", err)
	} else if n > 0 {
		d.log.Info("webhooks: pruned delivered events", "events", n)
	}
}

// finish removes an idle worker unless work arrived meanwhile.
func (d *webhookDispatcher) finish(ref store.WebhookRef, w *hookWorker) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w.again && d.ctx.Err() == nil {
		w.again = false
		return false
	}
	delete(d.running, ref)
	return true
}

// work delivers one webhook's events in order until none are pending.
func (d *webhookDispatcher) work(ref store.WebhookRef, w *hookWorker) {
	log := d.log.With("tenant_id", ref.TenantID, "webhook_id", ref.WebhookID)
	defer func() {
		d.mu.Lock()
		if d.running[ref] == w {
			delete(d.running, ref)
		}
		d.mu.Unlock()
	}()
	for d.ctx.Err() == nil {
		hook, err := d.st.GetWebhook(d.ctx, ref.TenantID, ref.WebhookID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !hook.Enabled) {
			return // deleted or disabled: its events wait (or went with it)
		}
		var evs []store.WebhookEvent
		if err == nil {
			evs, err = d.st.NextWebhookEvents(d.ctx, ref.TenantID, ref.WebhookID, d.opts.Batch)
		}
		if err != nil {
			if d.ctx.Err() == nil {
				log.Warn("webhooks: reading the queue failed", "err", err)
				d.sleep(w, d.opts.Poll)
			}
			continue
		}
		if len(evs) == 0 {
			if d.finish(ref, w) {
				return
			}
			continue
		}
		var done []store.WebhookAttempt
		for _, ev := range evs {
			if wait := time.Until(ev.NextAttemptAt); wait > 0 {
				d.record(log, ref, done)
				done = nil
				d.sleep(w, wait)
				break // reread: the queue may have changed while waiting
			}
			att, ok := d.attempt(hook, ev)
			if !ok {
				break // stopping: the event stays pending
			}
			done = append(done, att)
			if att.Outcome != store.WebhookDelivered {
				if att.Outcome == store.WebhookDead {
					log.Warn("webhooks: event is a dead letter", "event_id", ev.EventID, "type", ev.Type, "attempts", att.Attempt, "err", att.Error)
				}
				break // the head failed: later events wait for it
			}
		}
		d.record(log, ref, done)
	}
}

// sleep waits for dur, a kick or the end.
func (d *webhookDispatcher) sleep(w *hookWorker, dur time.Duration) {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.kick:
	case <-d.ctx.Done():
	}
}

// record stores attempts. It runs even while stopping (delivered events
// recorded now are not delivered again after a restart).
func (d *webhookDispatcher) record(log *slog.Logger, ref store.WebhookRef, atts []store.WebhookAttempt) {
	if len(atts) == 0 {
		return
	}
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(d.ctx), 10*time.Second)
		err := d.st.RecordWebhookAttempts(ctx, ref.TenantID, ref.WebhookID, atts)
		cancel()
		if err == nil {
			return
		}
		if d.ctx.Err() != nil || try >= 5 {
			// The events stay pending and are delivered again: receivers dedup.
			log.Error("webhooks: recording attempts failed", "attempts", len(atts), "err", err)
			return
		}
		log.Warn("webhooks: recording attempts failed; retrying", "err", err)
		time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
	}
}

// webhookEnvelope is the JSON body of a delivery.
type webhookEnvelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	TenantID  string          `json:"tenant_id"`
	Data      json.RawMessage `json:"data"`
}

// signWebhook returns the X-FlowHQ-Signature value of body sent at
// timestamp ts (Unix seconds): "sha256=" + hex HMAC-SHA256 over
// ts + "." + body, keyed by the webhook's secret.
func signWebhook(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// attempt delivers ev once and decides what happens next. ok is false
// when the dispatcher stopped during the attempt (nothing to record).
func (d *webhookDispatcher) attempt(hook store.Webhook, ev store.WebhookEvent) (store.WebhookAttempt, bool) {
	body, err := json.Marshal(webhookEnvelope{ID: ev.EventID, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC(), TenantID: ev.TenantID, Data: ev.Data()})
	if err != nil {
		// A payload that is not JSON can never be delivered.
		body = nil
	}
	start := time.Now()
	att := store.WebhookAttempt{Seq: ev.Seq, EventID: ev.EventID, Type: ev.Type, Attempt: ev.Attempts + 1, At: start}
	if body == nil {
		att.Error = fmt.Sprintf("payload is not JSON: %v", err)
	} else {
		att.StatusCode, att.Error = d.post(hook, ev.EventID, body)
	}
	att.Duration = time.Since(start)
	if d.ctx.Err() != nil && att.Error != "" {
		return att, false
	}
	if att.Error == "" {
		d.delivered.Add(1)
		att.Outcome = store.WebhookDelivered
		return att, true
	}
	d.failed.Add(1)
	now := time.Now()
	first := now
	if ev.FirstTryAt != nil {
		first = *ev.FirstTryAt
	}
	deadline := first.Add(d.opts.MaxAge)
	if !now.Before(deadline) || body == nil {
		att.Outcome = store.WebhookDead
		att.NextAttemptAt = now
		return att, true
	}
	att.Outcome = store.WebhookPending
	att.NextAttemptAt = now.Add(retryDelay(d.opts.RetryBase, d.opts.RetryMax, att.Attempt))
	if att.NextAttemptAt.After(deadline) {
		att.NextAttemptAt = deadline // one last try at the deadline
	}
	return att, true
}

// retryDelay is the wait after the attempt-th failure: base doubling per
// failure up to max, ±20% jitter so receivers coming back are not hit by
// every sender at once.
func retryDelay(base, maxDelay time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// post sends one signed request. It returns the status code (0 without a
// response) and "" for a 2xx answer, else what went wrong.
func (d *webhookDispatcher) post(hook store.Webhook, eventID string, body []byte) (int, string) {
	ctx, cancel := context.WithTimeout(d.ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Sprintf("bad request: %v", err)
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "FlowHQ-Webhooks/1")
	req.Header.Set(headerTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(headerSignature, signWebhook(hook.Secret, ts, body))
	req.Header.Set(headerEventID, eventID)
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return 0, describeDeliveryError(err, d.opts.Timeout)
	}
	defer resp.Body.Close()
	// The status decides; the body only explains failures. Reading a
	// little of it lets the connection be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if s := strings.TrimSpace(string(snippet)); s != "" {
		msg += ": " + strings.ToValidUTF8(s, "?")
	}
	return resp.StatusCode, msg
}

// errPrivateAddress refuses a delivery to an internal address.
var errPrivateAddress = errors.New("the receiver's address is internal (loopback, private or link-local); set FLOWHQ_WEBHOOK_ALLOW_PRIVATE=true to allow it")

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// refusePrivate is the webhook dialer's check of every address it is
// about to connect to.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() || cgnat.Contains(ip) {
		return errPrivateAddress
	}
	return nil
}

func describeDeliveryError(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, errPrivateAddress):
		return errPrivateAddress.Error()
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Sprintf("no answer within %s", timeout)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the receiver closed the connection without answering"
	}
	return strings.ToValidUTF8(err.Error(), "?")
}

// webhookOptions is the dispatcher's configuration.
func (c Config) webhookOptions() webhookOptions {
	return webhookOptions{
		Timeout:   c.WebhookTimeout,
		RetryBase: c.WebhookRetryBase,
		RetryMax:  c.WebhookRetryMax,
		MaxAge:    c.WebhookMaxAge,

		AllowPrivate: c.WebhookAllowPrivate,
	}
}

// startWebhooks starts delivering the webhook outbox; close stops it.
func (r *runtime) startWebhooks(cfg Config) {
	r.webhooks = newWebhookDispatcher(r.store, r.log, cfg.webhookOptions())
	r.webhooks.start()
}
