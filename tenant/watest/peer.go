package watest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mau.fi/libsignal/keys/prekey"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// ErrNoDevices is returned when a message is sent to an account that has no
// linked device.
var ErrNoDevices = errors.New("watest: the account has no linked device")

// Message is a message a simulated phone (customer or primary phone) received
// from a linked device, already decrypted.
type Message struct {
	ID     string
	Chat   types.JID // the conversation (the customer, or the DSM destination)
	Sender types.JID // the device that sent it, e.g. 15550000001:1@s.whatsapp.net
	Text   string    // Conversation or ExtendedTextMessage text
	Raw    *waE2E.Message
	Time   time.Time // when the server received it
}

// peer is a simulated phone with its own Signal store: a customer, or an
// account's primary phone.
type peer struct {
	srv      *Server
	jid      types.JID
	lid      types.JID // customers only
	pushName string

	mu sync.Mutex // guards st; lock order: peer.mu, Device.sendMu, Server.mu
	st *memStore

	// Guarded by srv.mu; keyed by the sending account's phone number.
	inbox map[string][]Message
}

func newPeer(s *Server, jid types.JID, pushName string, identity *keys.KeyPair) *peer {
	return &peer{srv: s, jid: jid, pushName: pushName, st: newMemStore(identity), inbox: make(map[string][]Message)}
}

// identity returns the peer's identity key pair, which never changes.
func (p *peer) identity() *keys.KeyPair { return p.st.identity }

// delivery is a message stanza queued for one device until it acknowledges it.
type delivery struct {
	id   string
	node waBinary.Node
}

func newMessageID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "3A" + strings.ToUpper(hex.EncodeToString(b))
}

// takeBundle hands out the keys a device registered, consuming one one-time
// prekey, like WhatsApp's key query does.
func (s *Server) takeBundle(d *Device) (*prekey.Bundle, error) {
	s.mu.Lock()
	otk := s.popPreKeyLocked(d)
	b := deviceBundle(d.regID, d.jid.Device, d.identity, d.signedID, d.signedPub, d.signedSig, otk)
	s.mu.Unlock()
	return b, nil
}

// popPreKeyLocked consumes the device's oldest one-time prekey (nil when none
// is left). When few are left it tells an online client to upload more, as
// WhatsApp does. s.mu must be held.
func (s *Server) popPreKeyLocked(d *Device) *uploadedKey {
	if len(d.preKeys) == 0 {
		return nil
	}
	k := d.preKeys[0]
	d.preKeys = d.preKeys[1:]
	if left, c := len(d.preKeys), d.conn; left < 5 && c != nil {
		go func() {
			_ = s.sendTracked(c, waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
				"from": types.ServerJID, "id": s.nextID("enc-"), "t": unixNow(), "type": "encrypt",
			}, Content: []waBinary.Node{{Tag: "count", Attrs: waBinary.Attrs{"value": strconv.Itoa(left)}}}})
		}()
	}
	return &k
}

// deliver queues a stanza for a device and sends it right away when the
// device is online. It stays queued until the device acknowledges it and is
// sent again on every login until then.
func (s *Server) deliver(d *Device, del *delivery) {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	s.mu.Lock()
	d.pending = append(d.pending, del)
	c := d.conn
	s.mu.Unlock()
	if c == nil {
		return
	}
	if err := c.send(del.node); err != nil {
		s.log.Debug("watest: deliver", "device", d.jid, "err", err)
	}
}

// sendToDevices encrypts plaintext for each device and queues it. attrs are
// the stanza attributes besides the per-device encryption.
func (p *peer) sendToDevices(ctx context.Context, devices []*Device, id string, attrs waBinary.Attrs, plaintext []byte) error {
	if len(devices) == 0 {
		return ErrNoDevices
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range devices {
		ct, encType, err := p.st.encrypt(ctx, d.jid.SignalAddress(), func() (*prekey.Bundle, error) {
			return p.srv.takeBundle(d)
		}, plaintext)
		if err != nil {
			return err
		}
		na := make(waBinary.Attrs, len(attrs)+3)
		for k, v := range attrs {
			na[k] = v
		}
		na["id"] = id
		na["t"] = unixNow()
		node := waBinary.Node{Tag: "message", Attrs: na, Content: []waBinary.Node{{
			Tag:     "enc",
			Attrs:   waBinary.Attrs{"v": "2", "type": encType},
			Content: ct,
		}}}
		p.srv.deliver(d, &delivery{id: id, node: node})
	}
	return nil
}

// receive decrypts a message a device sent to this peer and stores it.
func (p *peer) receive(ctx context.Context, from *Device, chat types.JID, id, encType string, content []byte) (*Message, error) {
	p.mu.Lock()
	pt, err := p.st.decrypt(ctx, from.jid.SignalAddress(), encType, content)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var raw waE2E.Message
	if err := proto.Unmarshal(pt, &raw); err != nil {
		return nil, fmt.Errorf("watest: unmarshal message %s: %w", id, err)
	}
	msg := Message{ID: id, Chat: chat, Sender: from.jid, Raw: &raw, Time: time.Now()}
	inner := &raw
	if dsm := raw.GetDeviceSentMessage(); dsm.GetMessage() != nil {
		inner = dsm.GetMessage()
		if dest, err := types.ParseJID(dsm.GetDestinationJID()); err == nil {
			msg.Chat = dest
		}
	}
	msg.Text = messageText(inner)
	p.srv.mu.Lock()
	key := from.acct.jid.User
	p.inbox[key] = append(p.inbox[key], msg)
	p.srv.notifyLocked()
	p.srv.mu.Unlock()
	return &msg, nil
}

func messageText(m *waE2E.Message) string {
	if t := m.GetConversation(); t != "" {
		return t
	}
	return m.GetExtendedTextMessage().GetText()
}

// Customer is a simulated WhatsApp user chatting with one account. Customers
// with the same phone number share one identity across accounts.
type Customer struct {
	acct *Account
	p    *peer

	// Guarded by srv.mu.
	cursor int
	sent   map[string]*waE2E.Message
	useLID bool
}

// Customer returns the simulated customer with the given phone number that
// chats with this account, creating it on first use. The number must not be
// an account's number.
func (a *Account) Customer(phone string) *Customer {
	s := a.srv
	user := digits(phone)
	if user == "" {
		panic(fmt.Sprintf("watest: invalid phone number %q", phone))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, isAccount := s.accounts[user]; isAccount {
		panic(fmt.Sprintf("watest: %s is an account, not a customer", phone))
	}
	if c, ok := a.customers[user]; ok {
		return c
	}
	c := &Customer{acct: a, p: s.peerLocked(user), sent: make(map[string]*waE2E.Message)}
	a.customers[user] = c
	return c
}

func (s *Server) peerLocked(user string) *peer {
	if p, ok := s.peers[user]; ok {
		return p
	}
	p := newPeer(s, types.NewJID(user, types.DefaultUserServer), "Customer "+user, nil)
	s.nextLID++
	p.lid = types.NewJID(strconv.FormatUint(s.nextLID, 10), types.HiddenUserServer)
	s.peers[user] = p
	s.peerLIDs[p.lid.User] = p
	return p
}

// Customer returns the customer chatting with the device's account.
func (d *Device) Customer(phone string) *Customer { return d.acct.Customer(phone) }

// JID returns the customer's phone-number JID.
func (c *Customer) JID() types.JID { return c.p.jid }

// LID returns the customer's LID.
func (c *Customer) LID() types.JID { return c.p.lid }

// UseLID chooses how the customer's messages are addressed. By default they
// come from the phone-number JID with the LID in sender_lid (whatsmeow puts
// it in Info.SenderAlt); with UseLID(true) they come from the LID with the
// phone number in sender_pn, so Info.Chat and Info.Sender are @lid JIDs.
func (c *Customer) UseLID(on bool) {
	c.acct.srv.mu.Lock()
	c.useLID = on
	c.acct.srv.mu.Unlock()
}

// Account returns the account the customer chats with.
func (c *Customer) Account() *Account { return c.acct }

// SetPushName sets the name sent with the customer's messages (the "notify"
// attribute, events.Message Info.PushName).
func (c *Customer) SetPushName(name string) {
	c.acct.srv.mu.Lock()
	c.p.pushName = name
	c.acct.srv.mu.Unlock()
}

// Send sends a text message to every linked device of the account and
// returns its id. It fails the test on error, so call it from the test
// goroutine; use SendMessage elsewhere.
func (c *Customer) Send(text string) string {
	ctx, cancel := context.WithTimeout(c.acct.srv.ctx, 30*time.Second)
	defer cancel()
	id, err := c.SendMessage(ctx, &waE2E.Message{Conversation: proto.String(text)})
	if err != nil {
		c.acct.srv.fatalf("watest: customer %s send: %v", c.p.jid, err)
	}
	return id
}

// SendMessage encrypts msg for every linked device of the account (building
// Signal sessions from the keys the clients uploaded) and queues it; devices
// that are offline get it when they log in. It returns the message id.
func (c *Customer) SendMessage(ctx context.Context, msg *waE2E.Message) (string, error) {
	id := newMessageID()
	return id, c.SendWithID(ctx, id, msg)
}

// SendWithID is SendMessage with a caller-chosen message id.
func (c *Customer) SendWithID(ctx context.Context, id string, msg *waE2E.Message) error {
	plaintext, err := proto.Marshal(msg)
	if err != nil {
		return fmt.Errorf("watest: marshal message: %w", err)
	}
	s := c.acct.srv
	s.mu.Lock()
	devices := c.acct.linkedDevicesLocked()
	attrs := waBinary.Attrs{"from": c.p.jid, "sender_lid": c.p.lid, "type": "text"}
	if c.useLID {
		attrs = waBinary.Attrs{"from": c.p.lid, "sender_pn": c.p.jid, "type": "text"}
	}
	if c.p.pushName != "" {
		attrs["notify"] = c.p.pushName
	}
	c.sent[id] = msg
	s.mu.Unlock()
	if err := c.p.sendToDevices(ctx, devices, id, attrs, plaintext); err != nil {
		return fmt.Errorf("watest: customer %s send %s: %w", c.p.jid, id, err)
	}
	return nil
}

// Resend sends an earlier message again with the same id but a fresh
// encryption, the way a phone repeats a message. whatsmeow dispatches it to
// the handlers a second time (a byte-identical redelivery, by contrast, is
// dropped by whatsmeow's decryption as already processed).
func (c *Customer) Resend(ctx context.Context, id string) error {
	s := c.acct.srv
	s.mu.Lock()
	msg, ok := c.sent[id]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("watest: resend: customer %s never sent %s", c.p.jid, id)
	}
	return c.SendWithID(ctx, id, msg)
}

// MarkRead sends read receipts for messages the account sent to the
// customer; the client gets an events.Receipt of type read.
func (c *Customer) MarkRead(ids ...string) error {
	return c.sendReceipt("read", ids)
}

func (c *Customer) sendReceipt(typ string, ids []string) error {
	s := c.acct.srv
	if len(ids) == 0 {
		return errors.New("watest: no message ids")
	}
	s.mu.Lock()
	sender := make(map[string]*conn)
	for _, m := range c.p.inbox[c.acct.jid.User] {
		for _, id := range ids {
			if m.ID == id {
				if d := c.acct.devices[m.Sender.Device]; d != nil && d.conn != nil {
					sender[id] = d.conn
				}
			}
		}
	}
	s.mu.Unlock()
	for id, conn := range sender {
		attrs := waBinary.Attrs{"from": c.p.jid, "id": id, "t": unixNow()}
		if typ != "" {
			attrs["type"] = typ
		}
		if err := s.sendTracked(conn, waBinary.Node{Tag: "receipt", Attrs: attrs}); err != nil {
			return fmt.Errorf("watest: send %s receipt: %w", typ, err)
		}
	}
	return nil
}

// Received returns the messages the account's devices sent to this customer.
func (c *Customer) Received() []Message {
	s := c.acct.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), c.p.inbox[c.acct.jid.User]...)
}

// WaitReceived waits until the customer has received at least n messages
// from the account and returns them all.
func (c *Customer) WaitReceived(ctx context.Context, n int) ([]Message, error) {
	s := c.acct.srv
	var out []Message
	err := s.waitUntil(ctx, fmt.Sprintf("%d messages to %s", n, c.p.jid), func() bool {
		msgs := c.p.inbox[c.acct.jid.User]
		if len(msgs) < n {
			return false
		}
		out = append([]Message(nil), msgs...)
		return true
	})
	return out, err
}

// WaitReply returns the next message the customer received that no earlier
// WaitReply call returned, waiting for it if needed.
func (c *Customer) WaitReply(ctx context.Context) (Message, error) {
	s := c.acct.srv
	var out Message
	err := s.waitUntil(ctx, "reply to "+c.p.jid.String(), func() bool {
		msgs := c.p.inbox[c.acct.jid.User]
		if c.cursor >= len(msgs) {
			return false
		}
		out = msgs[c.cursor]
		c.cursor++
		return true
	})
	return out, err
}

// SendFromPhone sends a message from the account's own phone into the chat
// with a customer (a human taking over the conversation). Linked devices get
// it as a DeviceSentMessage from the account's device 0, which whatsmeow
// reports as events.Message with Info.IsFromMe set. It returns the id.
func (a *Account) SendFromPhone(ctx context.Context, chat types.JID, msg *waE2E.Message) (string, error) {
	id := newMessageID()
	plaintext, err := proto.Marshal(&waE2E.Message{
		DeviceSentMessage: &waE2E.DeviceSentMessage{
			DestinationJID: proto.String(chat.ToNonAD().String()),
			Message:        msg,
		},
		MessageContextInfo: msg.GetMessageContextInfo(),
	})
	if err != nil {
		return "", fmt.Errorf("watest: marshal phone message: %w", err)
	}
	devices := a.Devices()
	attrs := waBinary.Attrs{"from": a.jid, "recipient": chat.ToNonAD(), "type": "text"}
	if err := a.phone.sendToDevices(ctx, devices, id, attrs, plaintext); err != nil {
		return "", fmt.Errorf("watest: phone %s send %s: %w", a.jid, id, err)
	}
	return id, nil
}

// PhoneReceived returns what the account's devices sent to its own phone:
// the DeviceSentMessage copies of their outgoing messages, with Chat set to
// the destination.
func (a *Account) PhoneReceived() []Message {
	a.srv.mu.Lock()
	defer a.srv.mu.Unlock()
	return append([]Message(nil), a.phone.inbox[a.jid.User]...)
}

func (s *Server) fatalf(format string, args ...any) {
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatalf(format, args...)
	}
	panic(fmt.Sprintf(format, args...))
}
