package watest

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

const writeTimeout = 10 * time.Second

var errConnClosed = errors.New("watest: connection closed")

// conn is one client websocket on the server.
type conn struct {
	srv *Server
	ws  *websocket.Conn
	fr  frameReader

	readKey  cipher.AEAD
	readN    uint32
	writeKey cipher.AEAD
	writeN   uint32
	wmu      sync.Mutex

	clientStatic [32]byte
	payload      *waWa6.ClientPayload

	// Set once during the handshake/login and read-only afterwards.
	reg *registration // login (pre-pairing) socket
	dev *Device       // logged-in device socket

	active atomic.Bool // the client sent <active/> after login

	waitMu  sync.Mutex
	waiters map[string]chan *waBinary.Node

	done      chan struct{}
	closeOnce sync.Once
	ending    atomic.Bool
}

func newConn(s *Server, ws *websocket.Conn) *conn {
	return &conn{
		srv:     s,
		ws:      ws,
		fr:      frameReader{ws: ws},
		waiters: make(map[string]chan *waBinary.Node),
		done:    make(chan struct{}),
	}
}

// close drops the socket immediately (the client sees a network error).
func (c *conn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.ws.CloseNow()
	})
}

// closeGracefully ends the socket with a websocket close frame. Writing the
// frame (rather than just dropping the TCP connection) also gives the race
// detector a happens-before edge from the server to the client's
// disconnect handling.
func (c *conn) closeGracefully(reason string) {
	c.closeOnce.Do(func() {
		close(c.done)
		c.wmu.Lock()
		defer c.wmu.Unlock()
		_ = c.ws.Close(websocket.StatusNormalClosure, reason)
	})
}

func (c *conn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// endWith sends a final node (stream error, failure) and closes the socket
// after the grace period unless the client closes it first.
func (c *conn) endWith(n waBinary.Node) {
	if !c.ending.CompareAndSwap(false, true) {
		return
	}
	if err := c.send(n); err != nil {
		c.srv.log.Debug("watest: send final node", "tag", n.Tag, "err", err)
	}
	time.AfterFunc(c.srv.cfg.grace, c.close)
}

func (c *conn) run(ctx context.Context) {
	defer c.srv.connGone(c)
	defer c.close()
	if err := c.handshake(ctx); err != nil {
		c.srv.log.Debug("watest: handshake failed", "err", err)
		return
	}
	if c.payload.GetDevicePairingData() != nil {
		c.startRegistration()
	} else {
		c.srv.login(c)
	}
	for {
		frame, err := c.fr.next(ctx)
		if err != nil {
			if !c.closed() {
				c.srv.log.Debug("watest: connection read ended", "err", err)
			}
			return
		}
		pt, err := c.readKey.Open(frame[:0], counterNonce(c.readN), frame, nil)
		c.readN++
		if err != nil {
			c.srv.log.Warn("watest: undecryptable frame", "err", err)
			return
		}
		data, err := waBinary.Unpack(pt)
		if err != nil {
			c.srv.log.Warn("watest: bad frame compression", "err", err)
			continue
		}
		node, err := waBinary.Unmarshal(data)
		if err != nil {
			c.srv.log.Warn("watest: bad node", "err", err)
			continue
		}
		c.srv.log.Debug("watest: recv", "conn", c.name(), "node", node.XMLString())
		c.handle(node)
	}
}

func (c *conn) name() string {
	if c.dev != nil {
		return c.dev.jid.String()
	}
	return "login"
}

// handshake runs the responder half of Noise XX and reads the client payload.
func (c *conn) handshake(ctx context.Context) error {
	hctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	first, err := c.fr.next(hctx)
	if err != nil {
		return err
	}
	var hello waWa6.HandshakeMessage
	if err := proto.Unmarshal(first, &hello); err != nil {
		return fmt.Errorf("watest: parse client hello: %w", err)
	}
	clientEph := hello.GetClientHello().GetEphemeral()
	if len(clientEph) != 32 {
		return errors.New("watest: client hello without ephemeral key")
	}
	ns, err := newNoiseState(socket.WAConnHeader)
	if err != nil {
		return err
	}
	ns.mixHash(clientEph)
	eph := keys.NewKeyPair()
	ns.mixHash(eph.Pub[:])
	if err := ns.mixDH(eph.Priv, (*[32]byte)(clientEph)); err != nil {
		return err
	}
	staticCT := ns.encrypt(c.srv.static.Pub[:])
	if err := ns.mixDH(c.srv.static.Priv, (*[32]byte)(clientEph)); err != nil {
		return err
	}
	certCT := ns.encrypt(c.srv.certChain)
	resp, err := proto.Marshal(&waWa6.HandshakeMessage{ServerHello: &waWa6.HandshakeMessage_ServerHello{
		Ephemeral: eph.Pub[:],
		Static:    staticCT,
		Payload:   certCT,
	}})
	if err != nil {
		return fmt.Errorf("watest: marshal server hello: %w", err)
	}
	if err := c.ws.Write(hctx, websocket.MessageBinary, encodeFrame(resp)); err != nil {
		return fmt.Errorf("watest: send server hello: %w", err)
	}
	finishRaw, err := c.fr.next(hctx)
	if err != nil {
		return err
	}
	var finish waWa6.HandshakeMessage
	if err := proto.Unmarshal(finishRaw, &finish); err != nil {
		return fmt.Errorf("watest: parse client finish: %w", err)
	}
	clientStatic, err := ns.decrypt(finish.GetClientFinish().GetStatic())
	if err != nil {
		return err
	}
	if len(clientStatic) != 32 {
		return errors.New("watest: client static key has the wrong length")
	}
	copy(c.clientStatic[:], clientStatic)
	if err := ns.mixDH(eph.Priv, &c.clientStatic); err != nil {
		return err
	}
	payloadRaw, err := ns.decrypt(finish.GetClientFinish().GetPayload())
	if err != nil {
		return err
	}
	var payload waWa6.ClientPayload
	if err := proto.Unmarshal(payloadRaw, &payload); err != nil {
		return fmt.Errorf("watest: parse client payload: %w", err)
	}
	c.payload = &payload
	c.readKey, c.writeKey, err = ns.split()
	return err
}

// send encrypts and writes one node.
func (c *conn) send(n waBinary.Node) error {
	data, err := waBinary.Marshal(n)
	if err != nil {
		return fmt.Errorf("watest: marshal %s: %w", n.Tag, err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed() {
		return errConnClosed
	}
	c.srv.log.Debug("watest: send", "conn", c.name(), "node", n.XMLString())
	ct := c.writeKey.Seal(nil, counterNonce(c.writeN), data, nil)
	c.writeN++
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageBinary, encodeFrame(ct)); err != nil {
		go c.close()
		return fmt.Errorf("watest: write %s: %w", n.Tag, err)
	}
	return nil
}

// request sends a server-initiated iq and waits for the client's answer.
func (c *conn) request(ctx context.Context, n waBinary.Node) (*waBinary.Node, error) {
	id := c.srv.nextID("watest-")
	if n.Attrs == nil {
		n.Attrs = waBinary.Attrs{}
	}
	n.Attrs["id"] = id
	ch := make(chan *waBinary.Node, 1)
	c.waitMu.Lock()
	c.waiters[id] = ch
	c.waitMu.Unlock()
	defer func() {
		c.waitMu.Lock()
		delete(c.waiters, id)
		c.waitMu.Unlock()
	}()
	if err := c.send(n); err != nil {
		return nil, err
	}
	select {
	case resp := <-ch:
		return resp, nil
	case <-c.done:
		return nil, errConnClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("watest: wait for response to %s: %w", n.Tag, ctx.Err())
	}
}

func (c *conn) resolve(id string, n *waBinary.Node) {
	c.waitMu.Lock()
	ch, ok := c.waiters[id]
	delete(c.waiters, id)
	c.waitMu.Unlock()
	if ok {
		ch <- n
	}
}

func (c *conn) reply(req *waBinary.Node, content ...waBinary.Node) {
	n := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"id":   req.Attrs["id"],
		"type": "result",
		"from": types.ServerJID,
	}}
	if len(content) > 0 {
		n.Content = content
	}
	if err := c.send(n); err != nil {
		c.srv.log.Debug("watest: reply", "err", err)
	}
}

func (c *conn) replyError(req *waBinary.Node, code int, text string) {
	err := c.send(waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"id":   req.Attrs["id"],
		"type": "error",
		"from": types.ServerJID,
	}, Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": strconv.Itoa(code), "text": text}}}})
	if err != nil {
		c.srv.log.Debug("watest: reply error", "err", err)
	}
}

func (c *conn) handle(n *waBinary.Node) {
	if c.dev != nil {
		c.srv.mu.Lock()
		stalled := c.dev.stalled
		c.srv.mu.Unlock()
		if stalled {
			return
		}
	}
	switch n.Tag {
	case "iq":
		c.handleIQ(n)
	case "message":
		if c.dev != nil {
			c.srv.handleOutgoingMessage(c, n)
		}
	case "receipt":
		if c.dev != nil {
			c.srv.handleClientReceipt(c, n)
		}
	case "ack":
		if c.dev != nil {
			c.srv.handleClientAck(c, n)
		}
	default:
		// presence, chatstate and similar fire-and-forget nodes need no answer.
	}
}

func (c *conn) handleIQ(n *waBinary.Node) {
	ag := n.AttrGetter()
	typ := ag.OptionalString("type")
	if typ == "result" || typ == "error" {
		c.resolve(ag.OptionalString("id"), n)
		return
	}
	switch ag.OptionalString("xmlns") {
	case "w:p":
		c.reply(n)
	case "md":
		c.srv.handleMD(c, n)
		return
	}
	if c.dev == nil {
		if ag.OptionalString("xmlns") != "w:p" {
			c.replyError(n, 401, "not-authorized")
		}
		return
	}
	switch ag.OptionalString("xmlns") {
	case "w:p":
	case "passive":
		c.reply(n)
		if _, ok := n.GetOptionalChildByTag("active"); ok {
			c.active.Store(true)
		} else {
			c.active.Store(false)
		}
		c.srv.notify()
	case "encrypt":
		c.srv.handleEncryptIQ(c, n)
	case "usync":
		c.srv.handleUsync(c, n)
	case "privacy":
		if typ == "get" {
			c.reply(n, privacyNode())
		} else {
			c.reply(n)
		}
	case "blocklist":
		if typ == "get" {
			c.reply(n, waBinary.Node{Tag: "list"})
		} else {
			c.replyError(n, 501, "feature-not-implemented")
		}
	default:
		c.replyError(n, 501, "feature-not-implemented")
	}
}

func privacyNode() waBinary.Node {
	settings := [][2]string{
		{"groupadd", "all"}, {"last", "all"}, {"status", "all"}, {"profile", "all"},
		{"readreceipts", "all"}, {"online", "all"}, {"calladd", "all"},
	}
	children := make([]waBinary.Node, len(settings))
	for i, kv := range settings {
		children[i] = waBinary.Node{Tag: "category", Attrs: waBinary.Attrs{"name": kv[0], "value": kv[1]}}
	}
	return waBinary.Node{Tag: "privacy", Content: children}
}

func streamError(code string, conflict string) waBinary.Node {
	n := waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{}}
	if code != "" {
		n.Attrs["code"] = code
	}
	if conflict != "" {
		n.Content = []waBinary.Node{{Tag: "conflict", Attrs: waBinary.Attrs{"type": conflict}}}
	}
	return n
}

func unixNow() string { return strconv.FormatInt(time.Now().Unix(), 10) }
