package watest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	_ "github.com/glebarez/go-sqlite" // registers the "sqlite" database/sql driver
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"
)

var containerSeq atomic.Uint64

// NewContainer opens a whatsmeow device container on a fresh SQLite file in
// the test's temporary directory (pure-Go driver, foreign keys on, WAL) and
// closes it when the test ends.
func NewContainer(t testing.TB) *sqlstore.Container {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("wa%d.db", containerSeq.Add(1)))
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(OFF)&_txlock=immediate"
	c, err := sqlstore.New(context.Background(), "sqlite", dsn, nil)
	if err != nil {
		t.Fatalf("watest: open device store: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// NewClient creates a whatsmeow client for the device, configured for this
// server (see Configure), and disconnects it when the test ends. The client
// logs through the server's logger.
func (s *Server) NewClient(t testing.TB, dev *store.Device) *whatsmeow.Client {
	t.Helper()
	cli := whatsmeow.NewClient(dev, SlogWALogger(s.log, "client"))
	s.Configure(cli)
	t.Cleanup(cli.Disconnect)
	return cli
}

// Link connects an unpaired client, scans its first QR code with this
// account's phone and waits until the client has logged in as the new
// device (events.Connected has fired or is about to). It returns the device.
func (a *Account) Link(ctx context.Context, cli *whatsmeow.Client) (*Device, error) {
	qr, err := cli.GetQRChannel(ctx)
	if err != nil {
		return nil, fmt.Errorf("watest: link: %w", err)
	}
	if err := cli.Connect(); err != nil {
		return nil, fmt.Errorf("watest: link: connect: %w", err)
	}
	var code string
	select {
	case item, ok := <-qr:
		if !ok || item.Event != whatsmeow.QRChannelEventCode {
			return nil, fmt.Errorf("watest: link: expected a QR code, got %q", item.Event)
		}
		code = item.Code
	case <-ctx.Done():
		return nil, fmt.Errorf("watest: link: wait for QR code: %w", ctx.Err())
	}
	jid, err := a.Scan(code)
	if err != nil {
		return nil, err
	}
	// Keep draining so whatsmeow's emitter never finds the channel full.
	go func() {
		for range qr {
		}
	}()
	d, ok := a.srv.Device(jid)
	if !ok {
		return nil, errors.New("watest: link: device vanished")
	}
	if err := d.WaitConnected(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// SlogWALogger adapts a slog.Logger to whatsmeow's logger interface, so
// client logs can go to the same place as the product's logs.
func SlogWALogger(l *slog.Logger, module string) waLog.Logger {
	return slogWA{l: l.With("module", module), module: module}
}

type slogWA struct {
	l      *slog.Logger
	module string
}

func (w slogWA) Debugf(msg string, args ...any) { w.log(slog.LevelDebug, msg, args) }
func (w slogWA) Infof(msg string, args ...any)  { w.log(slog.LevelInfo, msg, args) }
func (w slogWA) Warnf(msg string, args ...any)  { w.log(slog.LevelWarn, msg, args) }
func (w slogWA) Errorf(msg string, args ...any) { w.log(slog.LevelError, msg, args) }

func (w slogWA) Sub(module string) waLog.Logger {
	return slogWA{l: w.l.With("sub", module), module: w.module + "/" + module}
}

func (w slogWA) log(level slog.Level, msg string, args []any) {
	if !w.l.Enabled(context.Background(), level) {
		return
	}
	w.l.Log(context.Background(), level, fmt.Sprintf(msg, args...))
}
