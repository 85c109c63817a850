package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
	"github.com/flowhq/flowhq/tenant/wa"
)

// runtime is the running core shared by serve and simulate: the store, the
// phone network and the supervisor of tenant actors.
type runtime struct {
	log     *slog.Logger
	store   *store.Store
	sim     *sim.Network // the simulated network when FLOWHQ_WHATSAPP=sim
	wa      *wa.Manager  // the whatsmeow devices when FLOWHQ_WHATSAPP=whatsmeow
	sup     *tenant.Supervisor
	stopped chan struct{} // closed when the supervisor's Run returns
	// webhooks delivers the webhook outbox (serve only; nil in simulate): webhook.go.
	webhooks *webhookDispatcher
	// metrics is the process's Prometheus registry: set by serve before
	// the web layer is built; nil means metricsOf builds a default one.
	metrics *metrics
}

// openStore opens the configured database and runs its migrations.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*store.Store, error) {
	return openObservedStore(ctx, cfg, log, nil)
}

// openObservedStore is openStore with the log writer's batches feeding
// m's histograms (m may be nil).
func openObservedStore(ctx context.Context, cfg Config, log *slog.Logger, m *metrics) (*store.Store, error) {
	sc := store.Config{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log}
	if m != nil {
		sc.ObserveBatch = m.observeBatch
	}
	st, err := store.Open(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("app: open store: %w", err)
	}
	return st, nil
}

// startRuntime builds the link factory and starts the supervisor on an open
// store, which boots every ACTIVE tenant. On failure it closes the store.
func startRuntime(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger, simOpts sim.Options) (*runtime, error) {
	var err error
	r := &runtime{log: log, store: st, stopped: make(chan struct{})}
	var links tenant.LinkFactory
	switch cfg.WhatsApp {
	case "sim":
		r.sim = sim.NewNetwork(simOpts)
		links = r.sim.Factory()
	case "whatsmeow":
		typing := cfg.TypingDelay
		if typing == 0 {
			typing = -1 // off
		}
		// One device container for the process, on the store's database.
		r.wa, err = wa.New(ctx, wa.Options{
			Store:                st,
			Logger:               log,
			MaxConcurrentLinking: cfg.MaxConcurrentLinking,
			NotLoggedInAfter:     cfg.WatchdogNotLoggedIn,
			SilentAfter:          cfg.WatchdogSilent,
			KeepAliveFailures:    cfg.WatchdogKeepAlive,
			Typing:               typing,
		})
		if err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("app: %w", err)
		}
		links = r.wa.Factory()
	default:
		_ = st.Close()
		return nil, fmt.Errorf("app: unknown WhatsApp link %q", cfg.WhatsApp)
	}
	r.sup, err = tenant.NewSupervisor(tenant.Options{
		Store:              st,
		Links:              links,
		Logger:             log,
		MaxRestarts:        cfg.MaxRestarts,
		BackoffBase:        cfg.BackoffBase,
		BackoffMax:         cfg.BackoffMax,
		BackoffReset:       cfg.BackoffReset,
		HeartbeatInterval:  cfg.Heartbeat,
		StaleAfter:         cfg.StaleAfter,
		RateLimitPerMinute: cfg.RateLimit,
		HandoffPause:       cfg.HandoffPause,
	})
	if err != nil {
		if r.wa != nil {
			_ = r.wa.Close()
		}
		_ = st.Close()
		return nil, fmt.Errorf("app: %w", err)
	}
	go func() {
		defer close(r.stopped)
		r.sup.Run(context.WithoutCancel(ctx))
	}()
	return r, nil
}

// close stops every worker (draining lanes), then flushes and closes the
// store.
func (r *runtime) close(ctx context.Context) error {
	var err error
	if r.webhooks != nil {
		err = r.webhooks.stop(ctx) // first: deliveries in flight end, their events stay queued
	}
	err = errors.Join(err, r.sup.Shutdown(ctx))
	if r.wa != nil {
		if werr := r.wa.Close(); werr != nil {
			err = errors.Join(err, fmt.Errorf("app: close whatsapp: %w", werr))
		}
	}
	if cerr := r.store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("app: close store: %w", cerr))
	}
	return err
}

// newLogger builds the process logger.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
