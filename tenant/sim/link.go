package sim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/flowhq/flowhq/tenant"
)

type linkState int

const (
	stateIdle linkState = iota
	statePairing
	stateConnected
	stateReconnecting
)

// Link is one tenant's simulated connection. It implements tenant.Link.
type Link struct {
	net       *Network
	phone     *phone
	h         tenant.Handler
	storedJID string

	// Guarded by net.mu.
	state   linkState
	closed  bool
	timer   *time.Timer
	events  []tenant.Event
	pumping bool
}

var _ tenant.Link = (*Link)(nil)

// Connect logs in with the stored device, or starts showing QR codes.
func (l *Link) Connect(ctx context.Context) error {
	n := l.net
	n.mu.Lock()
	p := l.phone
	f := &p.faults
	if f.HangConnect {
		hang := p.hang
		n.mu.Unlock()
		<-hang // a stuck link: only Release frees it
		n.mu.Lock()
	}
	if f.PanicConnect {
		n.mu.Unlock()
		panic("sim: injected panic in Connect")
	}
	defer n.mu.Unlock()
	if f.FailConnects > 0 {
		f.FailConnects--
		return errors.New("sim: injected connect failure")
	}
	if l.closed {
		return errors.New("sim: link closed")
	}
	if l.state == stateConnected || l.state == stateReconnecting {
		return nil
	}
	if l.storedJID != "" {
		if l.storedJID == p.forgotten {
			l.emitLocked(tenant.Event{Kind: tenant.EventLoggedOut, Reason: "the device was removed from the phone"})
			return nil
		}
		p.jid = l.storedJID
	}
	if p.jid != "" && l.storedJID == p.jid {
		l.state = stateConnected
		l.emitLocked(tenant.Event{Kind: tenant.EventConnected, JID: p.jid})
		l.kickLocked()
		return nil
	}
	l.state = statePairing
	l.showQRLocked(0)
	return nil
}

// showQRLocked shows the i-th QR code of this pairing attempt and arms the
// timer that rotates it.
func (l *Link) showQRLocked(i int) {
	n := l.net
	if i >= n.opts.QRCodes {
		l.state = stateIdle
		l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: "QR code expired before it was scanned"})
		return
	}
	life := n.opts.NextQR
	if i == 0 {
		life = n.opts.FirstQR
	}
	l.emitLocked(tenant.Event{
		Kind:    tenant.EventQR,
		QR:      fmt.Sprintf("2@sim/%s/%d/%s", l.phone.tenantID, i, randomID()),
		Expires: time.Now().Add(life),
	})
	l.timer = time.AfterFunc(life, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if l.closed || l.state != statePairing {
			return
		}
		l.showQRLocked(i + 1)
	})
}

// PairPhone returns a pairing code while QR codes are showing.
func (l *Link) PairPhone(ctx context.Context, phone string) (string, error) {
	if phone == "" {
		return "", errors.New("sim: pair phone: empty phone number")
	}
	n := l.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if l.closed || l.state != statePairing {
		return "", errors.New("sim: pair phone: link is not pairing")
	}
	const alphabet = "ABCDEFGHJKLMNPQRSTVWXYZ23456789"
	var b [8]byte
	_, _ = rand.Read(b[:])
	code := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			code = append(code, '-')
		}
		code = append(code, alphabet[int(c)%len(alphabet)])
	}
	l.phone.pairCode = string(code)
	l.emitLocked(tenant.Event{Kind: tenant.EventPairCode, PairCode: l.phone.pairCode})
	return l.phone.pairCode, nil
}

// Send records the reply as delivered to chat. Repeating an id is recorded
// as a resend, never as a second message.
func (l *Link) Send(ctx context.Context, chat, id, text string) error {
	n := l.net
	n.mu.Lock()
	f := l.phone.faults
	n.mu.Unlock()
	if f.PanicSend {
		panic("sim: injected panic in Send")
	}
	if f.SendDelay > 0 {
		t := time.NewTimer(f.SendDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("sim: send: %w", ctx.Err())
		case <-t.C:
		}
	}
	if f.FailSend != nil {
		return fmt.Errorf("sim: send: %w", f.FailSend)
	}
	n.mu.Lock()
	p := l.phone
	switch {
	case l.closed:
		n.mu.Unlock()
		return errors.New("sim: send: link closed")
	case time.Now().Before(p.banUntil):
		n.mu.Unlock()
		return ErrBanned
	case l.state != stateConnected:
		n.mu.Unlock()
		return tenant.ErrNotConnected
	}
	m := Message{Chat: chat, ID: id, Text: text, At: time.Now()}
	p.sent.add(m)
	onSend := n.opts.OnSend
	n.mu.Unlock()
	if onSend != nil {
		onSend(p.tenantID, m)
	}
	return nil
}

// NewMessageID returns a fresh WhatsApp-style message id.
func (l *Link) NewMessageID() string { return randomID() }

// Logout unlinks the device; the next pairing starts from scratch.
func (l *Link) Logout(ctx context.Context) error {
	n := l.net
	n.mu.Lock()
	defer n.mu.Unlock()
	l.phone.jid = ""
	l.storedJID = ""
	l.state = stateIdle
	l.stopTimersLocked()
	return nil
}

// Close disconnects. The device stays linked for the next link.
func (l *Link) Close() error {
	n := l.net
	n.mu.Lock()
	defer n.mu.Unlock()
	l.closed = true
	l.stopTimersLocked()
	if l.phone.link == l {
		l.phone.link = nil
	}
	return nil
}

func (l *Link) stopTimersLocked() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// emitLocked queues an event for the handler, keeping the order.
func (l *Link) emitLocked(ev tenant.Event) {
	l.events = append(l.events, ev)
	l.kickLocked()
}

// kickLocked starts the pump when there is work and none runs. The pump is
// the link's single delivery goroutine, like whatsmeow's handler loop: events
// and messages reach the handler one at a time, in order.
func (l *Link) kickLocked() {
	if l.pumping || l.closed {
		return
	}
	if len(l.events) == 0 && !(l.state == stateConnected && len(l.phone.inbox) > 0) {
		return
	}
	l.pumping = true
	go l.pump()
}

func (l *Link) pump() {
	n := l.net
	p := l.phone
	for {
		n.mu.Lock()
		if l.closed {
			l.pumping = false
			n.mu.Unlock()
			return
		}
		if len(l.events) > 0 {
			ev := l.events[0]
			l.events = l.events[1:]
			n.mu.Unlock()
			l.h.Event(ev)
			continue
		}
		if l.state != stateConnected || len(p.inbox) == 0 || p.link != l {
			l.pumping = false
			n.mu.Unlock()
			return
		}
		in := p.inbox[0]
		p.inbox = p.inbox[1:]
		n.mu.Unlock()

		if l.h.Inbound(in) {
			if n.opts.OnAck != nil {
				n.opts.OnAck(p.tenantID, in)
			}
			continue
		}
		// Not acknowledged: WhatsApp delivers it again later.
		time.AfterFunc(n.opts.RedeliverAfter, func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			p.inbox = append(p.inbox, in)
			if p.link != nil {
				p.link.kickLocked()
			}
		})
	}
}
