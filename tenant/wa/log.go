package wa

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// waLogger hands whatsmeow's printf-style log lines to slog. Each line
// carries the whatsmeow module (Client, Client/Socket, Database, ...) and,
// for a tenant's client, the slog attributes of that tenant (tenant_id).
//
// The frame modules Client/Recv and Client/Send write one debug line per
// WhatsApp frame, phone numbers included. They stay at debug level, so the
// process's log level (FLOWHQ_LOG_LEVEL) keeps them quiet unless it is
// debug. Client/Recv also serves as the link's activity probe: whatsmeow
// logs every frame it decodes there, whatever the level, so each call marks
// the connection as alive.
type waLogger struct {
	l      *slog.Logger
	module string
	onRecv func() // called for every received frame (Client/Recv only)
	recv   func() // handed down to the Recv sub-logger
}

// newWALogger adapts l for whatsmeow. recv, when set, is called for every
// frame the client receives.
func newWALogger(l *slog.Logger, module string, recv func()) waLog.Logger {
	return waLogger{l: l, module: module, recv: recv}
}

func (w waLogger) Debugf(msg string, args ...any) {
	if w.onRecv != nil {
		w.onRecv()
	}
	w.log(slog.LevelDebug, msg, args)
}

func (w waLogger) Infof(msg string, args ...any)  { w.log(slog.LevelInfo, msg, args) }
func (w waLogger) Warnf(msg string, args ...any)  { w.log(slog.LevelWarn, msg, args) }
func (w waLogger) Errorf(msg string, args ...any) { w.log(slog.LevelError, msg, args) }

// Sub returns the logger of a whatsmeow sub-module ("Client" → "Client/Recv").
func (w waLogger) Sub(module string) waLog.Logger {
	full := module
	if w.module != "" {
		full = w.module + "/" + module
	}
	sub := waLogger{l: w.l, module: full, recv: w.recv}
	if strings.HasSuffix(full, "/Recv") {
		sub.onRecv = w.recv
	}
	return sub
}

func (w waLogger) log(level slog.Level, msg string, args []any) {
	ctx := context.Background()
	if !w.l.Enabled(ctx, level) {
		return
	}
	w.l.Log(ctx, level, fmt.Sprintf(msg, args...), "module", w.module)
}
