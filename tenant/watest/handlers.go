package watest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Receipt is a receipt (or a negative ack) a linked device sent for a message.
type Receipt struct {
	ID     string
	Device types.JID // the device that sent it
	Chat   types.JID // the "to" of the receipt: the message's sender or chat
	Type   string    // "" or "inactive" (delivered), "sender" (own message), "read", "retry", "nack"
	Error  int       // error code of a nack
	Time   time.Time // when the server got it
}

// Delivered reports whether the receipt acknowledges delivery.
func (r Receipt) Delivered() bool {
	switch r.Type {
	case "", "inactive", "sender", "peer_msg":
		return true
	}
	return false
}

// ReceiptFor returns when the first delivery receipt for the message arrived.
func (s *Server) ReceiptFor(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.receipts[id] {
		if r.Delivered() {
			return r.Time, true
		}
	}
	return time.Time{}, false
}

// Receipts returns every receipt and nack recorded for the message id.
func (s *Server) Receipts(id string) []Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.receipts[id])
}

// WaitReceipt waits for the first delivery receipt of the message.
func (s *Server) WaitReceipt(ctx context.Context, id string) (Receipt, error) {
	var out Receipt
	err := s.waitUntil(ctx, "receipt for "+id, func() bool {
		for _, r := range s.receipts[id] {
			if r.Delivered() {
				out = r
				return true
			}
		}
		return false
	})
	return out, err
}

func (s *Server) recordReceipts(d *Device, ids []string, r Receipt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		r.ID = id
		s.receipts[id] = append(s.receipts[id], r)
		d.pending = slices.DeleteFunc(d.pending, func(p *delivery) bool { return p.id == id })
	}
	s.notifyLocked()
}

func (s *Server) handleClientReceipt(c *conn, n *waBinary.Node) {
	ag := n.AttrGetter()
	ids := []string{ag.String("id")}
	if list, ok := n.GetOptionalChildByTag("list"); ok {
		for _, item := range list.GetChildren() {
			if id, ok := item.Attrs["id"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	typ := ag.OptionalString("type")
	if typ == "retry" {
		s.log.Warn("watest: client could not decrypt a message and asked for a retry", "device", c.dev.jid, "id", ids[0])
	}
	s.recordReceipts(c.dev, ids, Receipt{Device: c.dev.jid, Chat: ag.OptionalJIDOrEmpty("to"), Type: typ, Time: time.Now()})
}

func (s *Server) handleClientAck(c *conn, n *waBinary.Node) {
	ag := n.AttrGetter()
	if class := ag.OptionalString("class"); class != "message" {
		s.mu.Lock()
		if c.dev.conn == c {
			delete(c.dev.unacked, class+" "+ag.OptionalString("id"))
		}
		s.notifyLocked()
		s.mu.Unlock()
		return
	}
	s.recordReceipts(c.dev, []string{ag.String("id")}, Receipt{
		Device: c.dev.jid, Chat: ag.OptionalJIDOrEmpty("to"), Type: "nack", Error: ag.OptionalInt("error"), Time: time.Now(),
	})
}

// handleOutgoingMessage routes a message a client sends: each <to> entry of
// <participants> is decrypted by the simulated phone it is for, or forwarded
// to the linked device it is for. The client gets its server ack afterwards.
func (s *Server) handleOutgoingMessage(c *conn, n *waBinary.Node) {
	d := c.dev
	ag := n.AttrGetter()
	id := ag.String("id")
	chat := ag.JID("to")
	msgType := ag.OptionalString("type")
	ack := func(code int) {
		attrs := waBinary.Attrs{"class": "message", "id": id, "from": chat, "t": unixNow()}
		if code != 0 {
			attrs["error"] = strconv.Itoa(code)
		}
		if err := c.send(waBinary.Node{Tag: "ack", Attrs: attrs}); err != nil {
			s.log.Debug("watest: ack message", "err", err)
		}
	}
	if chat.Server != types.DefaultUserServer && chat.Server != types.HiddenUserServer {
		s.log.Warn("watest: unsupported destination", "to", chat)
		ack(400)
		return
	}
	type target struct {
		jid types.JID
		enc waBinary.Node
	}
	var targets []target
	if parts, ok := n.GetOptionalChildByTag("participants"); ok {
		for _, p := range parts.GetChildren() {
			if p.Tag != "to" {
				continue
			}
			if enc, ok := p.GetOptionalChildByTag("enc"); ok {
				targets = append(targets, target{p.AttrGetter().JID("jid"), enc})
			}
		}
	} else if enc, ok := n.GetOptionalChildByTag("enc"); ok {
		targets = append(targets, target{chat, enc})
	}
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	var receiptFrom []types.JID
	for _, t := range targets {
		encType := t.enc.AttrGetter().OptionalString("type")
		content, _ := t.enc.Content.([]byte)
		s.mu.Lock()
		var p *peer
		var dev *Device
		acct := s.accountByJIDLocked(t.jid)
		switch {
		case acct != nil && t.jid.Device == 0:
			p = acct.phone
		case acct != nil:
			if td := acct.devices[t.jid.Device]; td != nil && td.linked && !td.removed {
				dev = td
			}
		default:
			p = s.customerLocked(t.jid)
		}
		s.mu.Unlock()
		switch {
		case p != nil:
			msg, err := p.receive(ctx, d, chat, id, encType, content)
			if err != nil {
				s.recordError(fmt.Errorf("watest: %s could not read %s from %s: %w", t.jid, id, d.jid, err))
				continue
			}
			if acct == nil {
				receiptFrom = append(receiptFrom, t.jid.ToNonAD())
			}
			s.log.Debug("watest: peer received message", "peer", p.jid, "id", id, "text", msg.Text)
		case dev != nil:
			attrs := waBinary.Attrs{"from": d.jid, "id": id, "t": unixNow(), "type": msgType}
			if chat.User != dev.acct.jid.User && chat.User != dev.acct.lid.User {
				attrs["recipient"] = chat
			}
			s.deliver(dev, &delivery{id: id, node: waBinary.Node{
				Tag: "message", Attrs: attrs, Content: []waBinary.Node{t.enc},
			}})
		default:
			s.log.Debug("watest: message for unknown device dropped", "to", t.jid)
		}
	}
	ack(0)
	// The customers' phones confirm delivery, like WhatsApp's double tick.
	for _, from := range receiptFrom {
		err := s.sendTracked(c, waBinary.Node{Tag: "receipt", Attrs: waBinary.Attrs{"from": from, "id": id, "t": unixNow()}})
		if err != nil {
			s.log.Debug("watest: delivery receipt", "err", err)
		}
	}
}

// customerLocked finds a customer by phone-number JID or LID.
func (s *Server) customerLocked(jid types.JID) *peer {
	switch jid.Server {
	case types.DefaultUserServer:
		return s.peers[jid.User]
	case types.HiddenUserServer:
		return s.peerLIDs[jid.User]
	}
	return nil
}

// sendTracked sends a notification or receipt that whatsmeow acknowledges
// and remembers it until the ack arrives (see Device.WaitSettled).
func (s *Server) sendTracked(c *conn, n waBinary.Node) error {
	key := n.Tag + " " + fmt.Sprint(n.Attrs["id"])
	d := c.dev
	s.mu.Lock()
	tracked := d != nil && d.conn == c
	if tracked {
		d.unacked[key] = true
	}
	s.mu.Unlock()
	err := c.send(n)
	if err != nil && tracked {
		s.mu.Lock()
		delete(d.unacked, key)
		s.notifyLocked()
		s.mu.Unlock()
	}
	return err
}

func (s *Server) recordError(err error) {
	s.log.Warn(err.Error())
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.notifyLocked()
	s.mu.Unlock()
}

// Errors returns protocol problems the server ran into, such as a message a
// simulated phone could not decrypt. A healthy test expects none.
func (s *Server) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.errs)
}

// handleEncryptIQ answers prekey count, upload, key queries and rotation.
func (s *Server) handleEncryptIQ(c *conn, n *waBinary.Node) {
	d := c.dev
	typ := n.AttrGetter().OptionalString("type")
	if _, ok := n.GetOptionalChildByTag("count"); ok && typ == "get" {
		s.mu.Lock()
		count := len(d.preKeys)
		if d.uploads == 0 && s.cfg.firstPKs > 0 {
			count = s.cfg.firstPKs
		}
		s.mu.Unlock()
		c.reply(n, waBinary.Node{Tag: "count", Attrs: waBinary.Attrs{"value": strconv.Itoa(count)}})
		return
	}
	if _, ok := n.GetOptionalChildByTag("list"); ok && typ == "set" {
		if err := s.storeUpload(d, n); err != nil {
			s.recordError(err)
			c.replyError(n, 400, "bad-request")
			return
		}
		c.reply(n)
		return
	}
	if keyNode, ok := n.GetOptionalChildByTag("key"); ok && typ == "get" {
		c.reply(n, waBinary.Node{Tag: "list", Content: s.bundles(keyNode.GetChildren())})
		return
	}
	if rot, ok := n.GetOptionalChildByTag("rotate"); ok && typ == "set" {
		if skey, ok := rot.GetOptionalChildByTag("skey"); ok {
			if id, pub, sig, err := parseKeyNode(skey); err == nil && sig != nil {
				s.mu.Lock()
				d.signedID, d.signedPub, d.signedSig = id, pub, *sig
				s.mu.Unlock()
			}
		}
		c.reply(n)
		return
	}
	c.replyError(n, 501, "feature-not-implemented")
}

func parseKeyNode(n waBinary.Node) (uint32, [32]byte, *[64]byte, error) {
	var pub [32]byte
	idBytes, _ := n.GetChildByTag("id").Content.([]byte)
	val, _ := n.GetChildByTag("value").Content.([]byte)
	if len(idBytes) != 3 || len(val) != 32 {
		return 0, pub, nil, errors.New("watest: malformed prekey node")
	}
	copy(pub[:], val)
	id := uint32(idBytes[0])<<16 | uint32(idBytes[1])<<8 | uint32(idBytes[2])
	if sigNode, ok := n.GetOptionalChildByTag("signature"); ok {
		sig, _ := sigNode.Content.([]byte)
		if len(sig) != 64 {
			return 0, pub, nil, errors.New("watest: malformed prekey signature")
		}
		return id, pub, (*[64]byte)(sig), nil
	}
	return id, pub, nil, nil
}

// storeUpload keeps the keys a client registers. If the identity key changed
// (the device was set up again), the simulated phones forget their sessions
// with it, as they would after WhatsApp's identity change notification.
func (s *Server) storeUpload(d *Device, n *waBinary.Node) error {
	reg, _ := n.GetChildByTag("registration").Content.([]byte)
	ident, _ := n.GetChildByTag("identity").Content.([]byte)
	if len(reg) != 4 || len(ident) != 32 {
		return errors.New("watest: malformed prekey upload")
	}
	var uploaded []uploadedKey
	list := n.GetChildByTag("list")
	for _, k := range list.GetChildren() {
		id, pub, _, err := parseKeyNode(k)
		if err != nil {
			return err
		}
		uploaded = append(uploaded, uploadedKey{id: id, pub: pub})
	}
	sid, spub, ssig, err := parseKeyNode(n.GetChildByTag("skey"))
	if err != nil || ssig == nil {
		return fmt.Errorf("watest: malformed signed prekey in upload: %w", err)
	}
	s.mu.Lock()
	changed := d.identity != [32]byte(ident)
	d.identity = [32]byte(ident)
	d.regID = binary.BigEndian.Uint32(reg)
	d.signedID, d.signedPub, d.signedSig = sid, spub, *ssig
	known := make(map[uint32]bool, len(d.preKeys))
	for _, k := range d.preKeys {
		known[k.id] = true
	}
	for _, k := range uploaded {
		if !known[k.id] {
			d.preKeys = append(d.preKeys, k)
		}
	}
	d.uploads++
	s.mu.Unlock()
	if changed {
		s.forgetDevice(d)
	}
	return nil
}

// forgetDevice drops every simulated phone's session with the device.
func (s *Server) forgetDevice(d *Device) {
	s.mu.Lock()
	peers := make([]*peer, 0, len(s.peers)+len(s.accounts))
	for _, p := range s.peers {
		peers = append(peers, p)
	}
	for _, a := range s.accounts {
		peers = append(peers, a.phone)
	}
	s.mu.Unlock()
	addr := d.jid.SignalAddress().String()
	for _, p := range peers {
		p.mu.Lock()
		p.st.forget(addr)
		p.mu.Unlock()
	}
}

// bundles answers a key query for each requested device.
func (s *Server) bundles(users []waBinary.Node) []waBinary.Node {
	out := make([]waBinary.Node, 0, len(users))
	for _, u := range users {
		jid, ok := u.Attrs["jid"].(types.JID)
		if !ok {
			continue
		}
		s.mu.Lock()
		var p *peer
		var d *Device
		if a := s.accountByJIDLocked(jid); a != nil {
			if jid.Device == 0 {
				p = a.phone
			} else if dev := a.devices[jid.Device]; dev != nil && dev.linked && !dev.removed {
				d = dev
			}
		} else if jid.Device == 0 {
			p = s.customerLocked(jid)
		}
		s.mu.Unlock()
		switch {
		case p != nil:
			p.mu.Lock()
			out = append(out, p.st.bundleNode(jid))
			p.mu.Unlock()
		case d != nil:
			out = append(out, s.deviceBundleNode(jid, d))
		default:
			out = append(out, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}, Content: []waBinary.Node{
				{Tag: "error", Attrs: waBinary.Attrs{"code": "404", "text": "item-not-found"}},
			}})
		}
	}
	return out
}

func (s *Server) deviceBundleNode(jid types.JID, d *Device) waBinary.Node {
	s.mu.Lock()
	var reg [4]byte
	binary.BigEndian.PutUint32(reg[:], d.regID)
	children := []waBinary.Node{
		{Tag: "registration", Content: reg[:]},
		{Tag: "type", Content: []byte{5}},
		{Tag: "identity", Content: slices.Clone(d.identity[:])},
	}
	if k := s.popPreKeyLocked(d); k != nil {
		children = append(children, keyNode("key", k.id, k.pub[:], nil))
	}
	children = append(children, keyNode("skey", d.signedID, slices.Clone(d.signedPub[:]), slices.Clone(d.signedSig[:])))
	s.mu.Unlock()
	return waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}, Content: children}
}

// handleUsync answers user sync queries: device lists, LIDs, and whether a
// number is on WhatsApp. Unknown phone numbers become customers, so that a
// client can message any number.
func (s *Server) handleUsync(c *conn, n *waBinary.Node) {
	us := n.GetChildByTag("usync")
	queryNode := us.GetChildByTag("query")
	listNode := us.GetChildByTag("list")
	queries := queryNode.GetChildren()
	var users []waBinary.Node
	for _, u := range listNode.GetChildren() {
		if u.Tag != "user" {
			continue
		}
		jid, ok := u.Attrs["jid"].(types.JID)
		var contactQuery []byte
		if !ok {
			raw := u.GetChildByTag("contact").Content
			switch v := raw.(type) {
			case []byte:
				contactQuery = v
			case string:
				contactQuery = []byte(v)
			}
			user := digits(string(contactQuery))
			if user == "" {
				continue
			}
			jid = types.NewJID(user, types.DefaultUserServer)
		}
		jid = jid.ToNonAD()
		s.mu.Lock()
		var devices []uint16
		var lid types.JID
		known := true
		if a := s.accountByJIDLocked(jid); a != nil {
			devices = append(devices, 0)
			for _, d := range a.linkedDevicesLocked() {
				// Like WhatsApp, leave out the device that is asking.
				if d != c.dev {
					devices = append(devices, d.jid.Device)
				}
			}
			lid = a.lid
		} else if p := s.customerLocked(jid); p != nil {
			devices = []uint16{0}
			lid = p.lid
		} else if jid.Server == types.DefaultUserServer {
			lid = s.peerLocked(jid.User).lid
			devices = []uint16{0}
		} else {
			known = false
		}
		s.mu.Unlock()
		var children []waBinary.Node
		for _, q := range queries {
			switch q.Tag {
			case "devices":
				list := make([]waBinary.Node, len(devices))
				for i, id := range devices {
					list[i] = waBinary.Node{Tag: "device", Attrs: waBinary.Attrs{"id": strconv.Itoa(int(id))}}
				}
				children = append(children, waBinary.Node{Tag: "devices", Content: []waBinary.Node{
					{Tag: "device-list", Content: list},
					{Tag: "key-index-list", Attrs: waBinary.Attrs{"ts": unixNow()}},
				}})
			case "lid":
				ln := waBinary.Node{Tag: "lid"}
				if !lid.IsEmpty() {
					ln.Attrs = waBinary.Attrs{"val": lid}
				}
				children = append(children, ln)
			case "contact":
				state := "in"
				if !known {
					state = "out"
				}
				children = append(children, waBinary.Node{Tag: "contact", Attrs: waBinary.Attrs{"type": state}, Content: contactQuery})
			default:
				children = append(children, waBinary.Node{Tag: q.Tag})
			}
		}
		users = append(users, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}, Content: children})
	}
	attrs := waBinary.Attrs{"index": "0", "last": "true"}
	for _, k := range []string{"sid", "mode", "context"} {
		if v, ok := us.Attrs[k]; ok {
			attrs[k] = v
		}
	}
	c.reply(n, waBinary.Node{Tag: "usync", Attrs: attrs, Content: []waBinary.Node{
		{Tag: "result"},
		{Tag: "list", Content: users},
	}})
}
