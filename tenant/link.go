package tenant

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Link is what an actor needs from one WhatsApp connection. Implementations
// (the simulated network in package sim, whatsmeow for real phones) must be
// safe for concurrent use: lanes send while the actor drives the connection.
//
// A link reports what happens to it through the Handler it was created with:
// state changes with Handler.Event, customer messages with Handler.Inbound.
type Link interface {
	// Connect starts the connection. An unpaired link begins pairing and
	// reports QR codes; a paired one logs in and reports EventConnected.
	// It returns once the attempt is under way; failures after that arrive
	// as events.
	Connect(ctx context.Context) error
	// PairPhone asks for a pairing code for the given E.164 phone number
	// instead of a QR code. The code is also reported as EventPairCode.
	PairPhone(ctx context.Context, phone string) (string, error)
	// Send delivers text to chat under the caller's pre-generated message id.
	// Sending the same id twice must never show the customer two messages.
	Send(ctx context.Context, chat, id, text string) error
	// NewMessageID returns a fresh id for an outgoing message.
	NewMessageID() string
	// Logout unlinks the device from the phone and forgets its keys.
	Logout(ctx context.Context) error
	// Close disconnects and releases the link. The device stays paired.
	Close() error
}

// EventKind names a change in a link's state.
type EventKind int

// Link events.
const (
	EventQR           EventKind = iota + 1 // a new QR code to show (QR, Expires)
	EventPairCode                          // a pairing code to type on the phone (PairCode)
	EventPaired                            // the phone linked the device (JID)
	EventConnected                         // logged in and able to send and receive
	EventDisconnected                      // connection lost or pairing ended (Reason); the link may reconnect by itself
	EventLoggedOut                         // the phone removed the device; keys are gone (Reason)
	EventBanned                            // temporarily banned until Expires (Reason); sending must stop
	EventFailed                            // a permanent failure the link will not recover from (Reason)
)

func (k EventKind) String() string {
	switch k {
	case EventQR:
		return "qr"
	case EventPairCode:
		return "pair_code"
	case EventPaired:
		return "paired"
	case EventConnected:
		return "connected"
	case EventDisconnected:
		return "disconnected"
	case EventLoggedOut:
		return "logged_out"
	case EventBanned:
		return "banned"
	case EventFailed:
		return "failed"
	}
	return "unknown"
}

// Event is one change reported by a link.
type Event struct {
	Kind     EventKind
	QR       string    // EventQR: the code's text, to be rendered as an image
	PairCode string    // EventPairCode: XXXX-XXXX
	Expires  time.Time // EventQR: when the code stops working; EventBanned: when the ban ends
	JID      string    // EventPaired, EventConnected: the linked device
	Reason   string
}

// Inbound is one message that arrived on a link.
type Inbound struct {
	ID     string // WhatsApp message id, made by the sender's device
	Chat   string // the conversation (the customer, in a 1:1 chat)
	Sender string // who wrote it, without device suffix
	Text   string
	FromMe bool // written by the business itself from its own phone
	Time   time.Time
}

// Handler receives what a link reports. Inbound is called synchronously, one
// message at a time per link: returning false means the message was not
// stored and must be delivered again later.
type Handler interface {
	Event(Event)
	Inbound(Inbound) bool
}

// LinkParams is what a factory needs to build a tenant's link.
type LinkParams struct {
	TenantID string
	JID      string // the paired device from the last run, or empty
	Handler  Handler
	Logger   *slog.Logger
}

// LinkFactory builds the link for one actor run.
type LinkFactory func(ctx context.Context, p LinkParams) (Link, error)

// ErrNotConnected is returned by Send while the link is down. Callers may
// wait for EventConnected and try again.
var ErrNotConnected = errors.New("whatsapp link not connected")
