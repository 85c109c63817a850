package app

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/tenant"
)

// Server-sent events. Live pages open an EventSource (htmx's SSE
// extension); each event's data is HTML with out-of-band swaps, so one
// event can update any part of the page. Streams end when the client
// leaves or the server shuts down, and carry a comment every
// ssePing so proxies keep them open.

const (
	ssePing         = 15 * time.Second
	sseWriteTimeout = 10 * time.Second
)

type sseStream struct {
	c  echo.Context
	rc *http.ResponseController
}

// startSSE sends the headers of an event stream.
func startSSE(c echo.Context) (*sseStream, error) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.Response().WriteHeader(http.StatusOK)
	s := &sseStream{c: c, rc: http.NewResponseController(c.Response())}
	if err := s.flush(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *sseStream) flush() error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("app: sse flush: %w", err)
	}
	return nil
}

// send renders comp as the data of one event named event.
func (s *sseStream) send(event string, comp templ.Component) error {
	var html bytes.Buffer
	if err := comp.Render(s.c.Request().Context(), &html); err != nil {
		return fmt.Errorf("app: sse render: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("event: " + event + "\n")
	for _, line := range bytes.Split(html.Bytes(), []byte("\n")) {
		b.WriteString("data: ")
		b.Write(bytes.TrimSuffix(line, []byte("\r")))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_ = s.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	if _, err := s.c.Response().Write(b.Bytes()); err != nil {
		return fmt.Errorf("app: sse write: %w", err)
	}
	return s.flush()
}

// ping writes a comment line.
func (s *sseStream) ping() error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	if _, err := s.c.Response().Write([]byte(": ping\n\n")); err != nil {
		return fmt.Errorf("app: sse ping: %w", err)
	}
	return s.flush()
}

// pump runs a live stream until the client leaves, the server stops (done)
// or the subscription ends. Every change goes to onChange; every `every`,
// onTick sends what accumulated, so a burst of changes becomes one event.
// lost tells onTick that the subscription dropped changes since the last
// tick (a slow client), so it should redraw from the database. onTick
// returning errStreamGone ends the stream; it handles other errors itself.
func (s *sseStream) pump(done <-chan struct{}, sub *tenant.Subscription, every time.Duration, onChange func(tenant.Change), onTick func(lost bool) error) error {
	ctx := s.c.Request().Context()
	tick := time.NewTicker(every)
	defer tick.Stop()
	ping := time.NewTicker(ssePing)
	defer ping.Stop()
	dropped := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			return nil
		case ch, ok := <-sub.C:
			if !ok {
				return nil
			}
			onChange(ch)
		case <-ping.C:
			if err := s.ping(); err != nil {
				return nil
			}
		case <-tick.C:
			d := sub.Dropped()
			lost := d > dropped
			dropped = d
			if err := onTick(lost); errors.Is(err, errStreamGone) {
				return nil
			}
		}
	}
}
