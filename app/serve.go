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

	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	rt, err := startRuntime(ctx, cfg, st, log, sim.Options{})
	if err != nil {
		return err
	}
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
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("flowhq serving", "addr", ln.Addr().String(), "whatsapp", cfg.WhatsApp, "database", rt.store.Dialect())

	select {
	case <-ctx.Done():
	case err := <-served:
		_ = rt.close(context.Background())
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	herr := srv.Shutdown(sctx)
	if errors.Is(herr, context.DeadlineExceeded) {
		herr = nil
	}
	return errors.Join(herr, rt.close(sctx))
}
