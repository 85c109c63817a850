package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/flowhq/flowhq/tenant/sim"
)

// runServe runs the server until SIGINT or SIGTERM, then stops taking work,
// drains the workers, flushes the log writer and exits within
// FLOWHQ_SHUTDOWN_TIMEOUT.
func runServe(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	cfg, err := LoadConfig(env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	defer startGCTuner(uint64(cfg.GCHeadroomMB)<<20, env.Getenv("GOGC"), log)()

	m := newMetrics(cfg.metricsOptions())
	st, err := openObservedStore(ctx, cfg, log, m)
	if err != nil {
		return err
	}
	rt, err := startRuntime(ctx, cfg, st, log, sim.Options{})
	if err != nil {
		return err
	}
	rt.metrics = m
	rt.startWebhooks(cfg)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = rt.close(context.Background())
		return fmt.Errorf("serve: listen on %s: %w", cfg.Addr, err)
	}
	cfg.Addr = ln.Addr().String() // the port actually bound, for the setup link
	handler, err := newServer(ctx, rt, cfg)
	if err != nil {
		_ = ln.Close()
		_ = rt.close(context.Background())
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 2)
	var msrv *http.Server // FLOWHQ_METRICS_ADDR's own listener
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			_ = rt.close(context.Background())
			return fmt.Errorf("serve: listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		msrv = m.server(log)
		go func() { served <- msrv.Serve(mln) }()
		log.Info("metrics listening", "metrics_addr", mln.Addr().String())
	}
	go func() { served <- srv.Serve(ln) }()
	log.Info("flowhq serving", "addr", ln.Addr().String(), "whatsapp", cfg.WhatsApp, "database", rt.store.Dialect())

	select {
	case <-ctx.Done():
	case err := <-served:
		_ = srv.Close()
		if msrv != nil {
			_ = msrv.Close()
		}
		_ = rt.close(context.Background())
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	// Requests get a third of the budget, so a slow one cannot eat the
	// time the workers need to drain their lanes and the writer to flush.
	deadline := time.Now().Add(cfg.ShutdownTimeout)
	hctx, hcancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout/3)
	defer hcancel()
	herr := srv.Shutdown(hctx)
	if msrv != nil {
		herr = errors.Join(herr, msrv.Shutdown(hctx))
	}
	if errors.Is(herr, context.DeadlineExceeded) {
		herr = nil
	}
	rctx, rcancel := context.WithDeadline(context.Background(), deadline)
	defer rcancel()
	return errors.Join(herr, rt.close(rctx))
}
