// Package sim is an in-memory WhatsApp network: each tenant gets a simulated
// phone whose link behaves like the real one — rotating QR codes, a scan or a
// pairing code that links the device, customer messages delivered one at a
// time and redelivered until acknowledged, replies recorded by message id,
// disconnects with automatic reconnection, remote logout, bans, and injected
// faults. Tests, benchmarks, demos and FLOWHQ_WHATSAPP=sim use it.
package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/flowhq/flowhq/tenant"
)

// Options tune a Network. Zero values take the defaults in brackets.
type Options struct {
	QRCodes        int           // codes per pairing attempt [6]
	FirstQR        time.Duration // lifetime of the first code [60s]
	NextQR         time.Duration // lifetime of each later code [20s]
	RedeliverAfter time.Duration // wait before redelivering a message its handler refused [500ms]
	ReconnectAfter time.Duration // wait before a dropped link reconnects by itself [200ms]

	// OnAck, when set, is called after a handler returned true for a message.
	OnAck func(tenantID string, in tenant.Inbound)
	// OnSend, when set, is called for every accepted send, including repeats
	// of an id already delivered.
	OnSend func(tenantID string, m Message)
}

func (o Options) withDefaults() Options {
	if o.QRCodes <= 0 {
		o.QRCodes = 6
	}
	if o.FirstQR <= 0 {
		o.FirstQR = 60 * time.Second
	}
	if o.NextQR <= 0 {
		o.NextQR = 20 * time.Second
	}
	if o.RedeliverAfter <= 0 {
		o.RedeliverAfter = 500 * time.Millisecond
	}
	if o.ReconnectAfter <= 0 {
		o.ReconnectAfter = 200 * time.Millisecond
	}
	return o
}

// Message is a reply the phone network accepted from a tenant.
type Message struct {
	Chat string
	ID   string
	Text string
	At   time.Time
}

// Faults are injected failures for one tenant's phone. Set them with
// Network.SetFaults; they apply to the current and later links.
type Faults struct {
	FailConnects int           // the next N Connect calls fail
	PanicConnect bool          // Connect panics
	HangConnect  bool          // Connect blocks until Release (a stuck link)
	PanicSend    bool          // Send panics
	FailSend     error         // Send returns this error
	SendDelay    time.Duration // Send takes this long (honouring ctx)
}

// ErrBanned is returned by Send while the phone is temporarily banned.
var ErrBanned = errors.New("sim: temporarily banned")

// Network is the simulated phone network. It is safe for concurrent use.
type Network struct {
	opts Options

	mu     sync.Mutex
	phones map[string]*phone
}

type phone struct {
	tenantID  string
	jid       string // the linked device, empty when unpaired
	forgotten string // a device the phone removed (remote logout)
	link      *Link  // the current link, if any
	inbox     []tenant.Inbound
	faults    Faults
	hang      chan struct{}
	banUntil  time.Time
	sent      sentLog
	pairCode  string
}

// NewNetwork makes an empty network.
func NewNetwork(opts Options) *Network {
	return &Network{opts: opts.withDefaults(), phones: make(map[string]*phone)}
}

// phoneLocked returns the tenant's phone, creating it. n.mu must be held.
func (n *Network) phoneLocked(tenantID string) *phone {
	p := n.phones[tenantID]
	if p == nil {
		p = &phone{tenantID: tenantID, hang: make(chan struct{})}
		n.phones[tenantID] = p
	}
	return p
}

// Factory returns a tenant.LinkFactory that builds links on this network.
func (n *Network) Factory() tenant.LinkFactory {
	return func(ctx context.Context, lp tenant.LinkParams) (tenant.Link, error) {
		if lp.Handler == nil {
			return nil, errors.New("sim: link needs a handler")
		}
		return n.newLink(lp), nil
	}
}

func (n *Network) newLink(lp tenant.LinkParams) *Link {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phoneLocked(lp.TenantID)
	l := &Link{net: n, phone: p, h: lp.Handler, storedJID: lp.JID}
	if old := p.link; old != nil && !old.closed {
		// Only one link per device: the older one is replaced.
		old.closed = true
		old.stopTimersLocked()
		go old.h.Event(tenant.Event{Kind: tenant.EventFailed, Reason: "linked in another place"})
	}
	p.link = l
	return l
}

// SetFaults replaces the injected faults of a tenant's phone.
func (n *Network) SetFaults(tenantID string, f Faults) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phoneLocked(tenantID)
	p.faults = f
}

// Release unblocks every Connect hung by HangConnect for the tenant and
// clears that fault.
func (n *Network) Release(tenantID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phoneLocked(tenantID)
	p.faults.HangConnect = false
	close(p.hang)
	p.hang = make(chan struct{})
}

// Pairing reports whether the tenant's link is showing QR codes now.
func (n *Network) Pairing(tenantID string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phones[tenantID]
	return p != nil && p.link != nil && p.link.state == statePairing
}

// Scan links the tenant's device as if the phone scanned its current QR code.
func (n *Network) Scan(tenantID string) (jid string, err error) {
	return n.completePairing(tenantID, "")
}

// EnterCode links the device as if the pairing code was typed on the phone.
func (n *Network) EnterCode(tenantID, code string) (jid string, err error) {
	if code == "" {
		return "", errors.New("sim: empty pairing code")
	}
	return n.completePairing(tenantID, code)
}

func (n *Network) completePairing(tenantID, code string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phones[tenantID]
	if p == nil || p.link == nil || p.link.closed || p.link.state != statePairing {
		return "", fmt.Errorf("sim: tenant %s is not showing a QR code", tenantID)
	}
	if code != "" && code != p.pairCode {
		return "", fmt.Errorf("sim: wrong pairing code for tenant %s", tenantID)
	}
	p.jid = fmt.Sprintf("%s:1@s.whatsapp.net", simNumber(tenantID))
	p.forgotten = ""
	l := p.link
	l.stopTimersLocked()
	l.state = stateConnected
	l.emitLocked(tenant.Event{Kind: tenant.EventPaired, JID: p.jid})
	l.emitLocked(tenant.Event{Kind: tenant.EventConnected, JID: p.jid})
	l.kickLocked()
	return p.jid, nil
}

// simNumber derives a stable fake phone number from a tenant id.
func simNumber(tenantID string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(tenantID); i++ {
		h = (h ^ uint64(tenantID[i])) * 1099511628211
	}
	return fmt.Sprintf("2557%08d", h%100000000)
}

// Deliver puts a message in the tenant's inbox. It is handed to the link's
// handler when the link is connected, and again later until acknowledged.
// An empty ID gets a random one; the id used is returned.
func (n *Network) Deliver(tenantID string, in tenant.Inbound) string {
	if in.ID == "" {
		in.ID = randomID()
	}
	if in.Time.IsZero() {
		in.Time = time.Now()
	}
	if in.Sender == "" {
		in.Sender = in.Chat
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phoneLocked(tenantID)
	p.inbox = append(p.inbox, in)
	if p.link != nil {
		p.link.kickLocked()
	}
	return in.ID
}

// Drop cuts the tenant's connection; the link reconnects by itself.
func (n *Network) Drop(tenantID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phones[tenantID]
	if p == nil || p.link == nil || p.link.state != stateConnected {
		return
	}
	l := p.link
	l.state = stateReconnecting
	l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: "connection lost"})
	l.timer = time.AfterFunc(n.opts.ReconnectAfter, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if l.closed || l.state != stateReconnecting {
			return
		}
		l.state = stateConnected
		l.emitLocked(tenant.Event{Kind: tenant.EventConnected, JID: p.jid})
		l.kickLocked()
	})
}

// RemoteLogout removes the tenant's device as if the owner unlinked it from
// the phone.
func (n *Network) RemoteLogout(tenantID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phoneLocked(tenantID)
	if p.jid != "" {
		p.forgotten = p.jid
	}
	p.jid = ""
	if l := p.link; l != nil && !l.closed {
		l.state = stateIdle
		l.stopTimersLocked()
		l.emitLocked(tenant.Event{Kind: tenant.EventLoggedOut, Reason: "the device was removed from the phone"})
	}
}

// Ban bans the tenant's number until the given time.
func (n *Network) Ban(tenantID string, until time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phoneLocked(tenantID)
	p.banUntil = until
	if l := p.link; l != nil && !l.closed {
		l.emitLocked(tenant.Event{Kind: tenant.EventBanned, Expires: until, Reason: "temporary ban"})
	}
}

// Sent returns the distinct replies the tenant's phone delivered, in order.
func (n *Network) Sent(tenantID string) []Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phones[tenantID]
	if p == nil {
		return nil
	}
	return p.sent.all()
}

// SendCount reports how often a message id was sent by the tenant (a crash
// retry sends an id again; the customer still sees it once).
func (n *Network) SendCount(tenantID, id string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.phones[tenantID]; p != nil {
		return p.sent.count(id)
	}
	return 0
}

// Inbox reports how many messages wait for the tenant's acknowledgement.
func (n *Network) Inbox(tenantID string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.phones[tenantID]; p != nil {
		return len(p.inbox)
	}
	return 0
}

// JID returns the tenant's linked device, or "".
func (n *Network) JID(tenantID string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.phones[tenantID]; p != nil {
		return p.jid
	}
	return ""
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "3EB0" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// Connected reports whether the tenant's link is logged in right now.
func (n *Network) Connected(tenantID string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.phones[tenantID]
	return p != nil && p.link != nil && !p.link.closed && p.link.state == stateConnected
}
