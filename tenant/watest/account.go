package watest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"go.mau.fi/whatsmeow/util/keys"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/pbkdf2"
	"google.golang.org/protobuf/proto"
)

// linkTimeout bounds how long Scan and EnterCode wait for the client.
const linkTimeout = 30 * time.Second

// Account is a WhatsApp account (one phone number) on the server: its primary
// phone, the companion devices linked to it, and its customers.
type Account struct {
	srv   *Server
	jid   types.JID // phone@s.whatsapp.net
	lid   types.JID // number@lid
	rawID uint32
	phone *peer // the primary phone, device 0; its identity key signs devices

	// Guarded by srv.mu.
	devices      map[uint16]*Device
	nextDevice   uint16
	customers    map[string]*Customer
	banCode      events.TempBanReason
	banUntil     time.Time
	businessName string
}

func newAccount(s *Server, user, lidUser string) *Account {
	a := &Account{
		srv:       s,
		jid:       types.NewJID(user, types.DefaultUserServer),
		lid:       types.NewJID(lidUser, types.HiddenUserServer),
		rawID:     mathrand.Uint32(),
		devices:   make(map[uint16]*Device),
		customers: make(map[string]*Customer),
	}
	a.phone = newPeer(s, a.jid, "", keys.NewKeyPair())
	return a
}

// JID returns the account's phone-number JID (without device).
func (a *Account) JID() types.JID { return a.jid }

// LID returns the account's LID (without device).
func (a *Account) LID() types.JID { return a.lid }

// Phone returns the phone number in international format with a leading +.
func (a *Account) Phone() string { return "+" + a.jid.User }

// SetBusinessName sets the name sent in pair-success (PairSuccess.BusinessName).
func (a *Account) SetBusinessName(name string) {
	a.srv.mu.Lock()
	a.businessName = name
	a.srv.mu.Unlock()
}

// Devices returns the account's linked companion devices (not removed).
func (a *Account) Devices() []*Device {
	a.srv.mu.Lock()
	defer a.srv.mu.Unlock()
	return a.linkedDevicesLocked()
}

func (a *Account) linkedDevicesLocked() []*Device {
	out := make([]*Device, 0, len(a.devices))
	for _, d := range a.devices {
		if d.linked && !d.removed {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(x, y *Device) int { return int(x.jid.Device) - int(y.jid.Device) })
	return out
}

// Device is a companion device (a whatsmeow client) linked to an account, as
// the server sees it.
type Device struct {
	acct     *Account
	jid      types.JID
	lid      types.JID
	noisePub [32]byte

	// sendMu orders deliveries to the device against logins.
	sendMu sync.Mutex

	// Guarded by srv.mu.
	identity  [32]byte
	regID     uint32
	signedID  uint32
	signedPub [32]byte
	signedSig [64]byte
	preKeys   []uploadedKey
	uploads   int
	linked    bool
	removed   bool
	stalled   bool
	unacked   map[string]bool // "class id" of notifications and receipts sent on conn
	conn      *conn
	logins    int
	pending   []*delivery
}

// JID returns the device's phone-number JID (user:device@s.whatsapp.net).
func (d *Device) JID() types.JID { return d.jid }

// LID returns the device's LID (user:device@lid).
func (d *Device) LID() types.JID { return d.lid }

// Account returns the account the device is linked to.
func (d *Device) Account() *Account { return d.acct }

// Online reports whether the client is logged in on a socket right now.
func (d *Device) Online() bool {
	d.acct.srv.mu.Lock()
	defer d.acct.srv.mu.Unlock()
	return d.conn != nil
}

// Logins returns how many times the device has logged in.
func (d *Device) Logins() int {
	d.acct.srv.mu.Lock()
	defer d.acct.srv.mu.Unlock()
	return d.logins
}

// PreKeyCount returns how many one-time prekeys the server holds for the device.
func (d *Device) PreKeyCount() int {
	d.acct.srv.mu.Lock()
	defer d.acct.srv.mu.Unlock()
	return len(d.preKeys)
}

// PendingIDs returns the ids of messages delivered (or waiting to be
// delivered) to the device that it has not acknowledged yet.
func (d *Device) PendingIDs() []string {
	d.acct.srv.mu.Lock()
	defer d.acct.srv.mu.Unlock()
	ids := make([]string, len(d.pending))
	for i, p := range d.pending {
		ids[i] = p.id
	}
	return ids
}

// WaitSettled waits until the client has answered everything the server
// sent to it: a receipt for every queued message and an ack for every
// notification and receipt. A message whose handler failed stays queued,
// so do not wait for it then. Waiting for this before disconnecting a client
// also keeps whatsmeow from tearing down a socket while it is still writing
// (which -race reports as a race inside whatsmeow).
func (d *Device) WaitSettled(ctx context.Context) error {
	return d.acct.srv.waitUntil(ctx, "device "+d.jid.String()+" settled", func() bool {
		return len(d.pending) == 0 && len(d.unacked) == 0
	})
}

// WaitConnected waits until the device is logged in and the client has sent
// its post-login <active/> (whatsmeow emits events.Connected right after).
func (d *Device) WaitConnected(ctx context.Context) error {
	return d.acct.srv.waitUntil(ctx, "device "+d.jid.String()+" connected", func() bool {
		return d.conn != nil && d.conn.active.Load()
	})
}

// WaitLogins waits until the device has logged in at least n times in total.
func (d *Device) WaitLogins(ctx context.Context, n int) error {
	return d.acct.srv.waitUntil(ctx, "device "+d.jid.String()+" logins", func() bool {
		return d.logins >= n
	})
}

// WaitOffline waits until the device has no logged-in socket.
func (d *Device) WaitOffline(ctx context.Context) error {
	return d.acct.srv.waitUntil(ctx, "device "+d.jid.String()+" offline", func() bool {
		return d.conn == nil
	})
}

// registration is a login socket of a client that is not paired yet.
type registration struct {
	conn      *conn
	regID     uint32
	identity  [32]byte
	signedID  uint32
	signedPub [32]byte
	signedSig [64]byte
	stop      chan struct{}
	stopOnce  sync.Once

	// Guarded by srv.mu.
	refs    []string
	expires map[string]time.Time
	linking bool
}

func (r *registration) stopQR() { r.stopOnce.Do(func() { close(r.stop) }) }

type codeRegistration struct {
	reg     *registration
	phone   string
	ref     string
	wrapped []byte
	result  chan linkResult

	// Guarded by srv.mu.
	used         bool
	primaryEph   *keys.KeyPair
	companionEph []byte
}

type linkResult struct {
	jid types.JID
	err error
}

func randomRef() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return "2@" + base64.StdEncoding.EncodeToString(b)
}

// startRegistration handles a socket whose client payload carries device
// pairing data: it offers QR refs.
func (c *conn) startRegistration() {
	s := c.srv
	pd := c.payload.GetDevicePairingData()
	if len(pd.GetERegid()) != 4 || len(pd.GetEIdent()) != 32 || len(pd.GetESkeyID()) != 3 ||
		len(pd.GetESkeyVal()) != 32 || len(pd.GetESkeySig()) != 64 {
		s.log.Warn("watest: malformed device pairing data")
		c.close()
		return
	}
	reg := &registration{
		conn:     c,
		regID:    binary.BigEndian.Uint32(pd.GetERegid()),
		signedID: binary.BigEndian.Uint32(append([]byte{0}, pd.GetESkeyID()...)),
		stop:     make(chan struct{}),
		expires:  make(map[string]time.Time),
	}
	copy(reg.identity[:], pd.GetEIdent())
	copy(reg.signedPub[:], pd.GetESkeyVal())
	copy(reg.signedSig[:], pd.GetESkeySig())
	c.reg = reg
	refs := make([]string, s.cfg.qrRefs)
	s.mu.Lock()
	for i := range refs {
		refs[i] = randomRef()
		s.refs[refs[i]] = reg
	}
	reg.refs = refs
	s.mu.Unlock()

	if s.cfg.qrFirst == 0 {
		// WhatsApp's behaviour: all refs at once, the client rotates them.
		now := time.Now()
		s.mu.Lock()
		for i, ref := range refs {
			reg.expires[ref] = now.Add(60*time.Second + time.Duration(i)*20*time.Second)
		}
		s.mu.Unlock()
		c.sendPairDevice(refs)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.rotateQR(reg, refs)
	}()
}

func (c *conn) sendPairDevice(refs []string) {
	children := make([]waBinary.Node, len(refs))
	for i, ref := range refs {
		children[i] = waBinary.Node{Tag: "ref", Content: []byte(ref)}
	}
	err := c.send(waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"from":  types.ServerJID,
		"type":  "set",
		"id":    c.srv.nextID("pair-"),
		"xmlns": "md",
	}, Content: []waBinary.Node{{Tag: "pair-device", Content: children}}})
	if err != nil {
		c.srv.log.Debug("watest: send pair-device", "err", err)
	}
}

// rotateQR hands out one ref at a time at the server's pace and ends the
// socket when the last one expires.
func (c *conn) rotateQR(reg *registration, refs []string) {
	s := c.srv
	for i, ref := range refs {
		life := s.cfg.qrRest
		if i == 0 {
			life = s.cfg.qrFirst
		}
		s.mu.Lock()
		reg.expires[ref] = time.Now().Add(life)
		s.mu.Unlock()
		c.sendPairDevice([]string{ref})
		timer := time.NewTimer(life)
		select {
		case <-timer.C:
		case <-reg.stop:
			timer.Stop()
			return
		case <-c.done:
			timer.Stop()
			return
		}
	}
	s.mu.Lock()
	done := reg.linking
	s.mu.Unlock()
	if !done {
		s.log.Debug("watest: QR refs exhausted, closing login socket")
		c.closeGracefully("qr refs exhausted")
	}
}

// QRCodeValid reports whether the server still accepts the QR code: its ref
// was handed out on a login socket that is still open and has not expired.
func (s *Server) QRCodeValid(qr string) bool {
	ref, _, _ := strings.Cut(qr, ",")
	s.mu.Lock()
	defer s.mu.Unlock()
	reg, ok := s.refs[ref]
	if !ok {
		return false
	}
	exp, issued := reg.expires[ref]
	return issued && time.Now().Before(exp) && !reg.conn.closed()
}

// Scan acts as the account's phone scanning a QR code shown by a whatsmeow
// client: it links a new companion device, sends pair-success signed with the
// account key (ADV) and, once the client confirmed, ends the stream with code
// 515 so that the client logs in again. It returns the new device's JID.
func (a *Account) Scan(qr string) (types.JID, error) {
	s := a.srv
	parts := strings.Split(qr, ",")
	if len(parts) != 4 {
		return types.EmptyJID, fmt.Errorf("watest: scan: QR code has %d fields, want 4", len(parts))
	}
	noise, err1 := base64.StdEncoding.DecodeString(parts[1])
	ident, err2 := base64.StdEncoding.DecodeString(parts[2])
	adv, err3 := base64.StdEncoding.DecodeString(parts[3])
	if err := errors.Join(err1, err2, err3); err != nil {
		return types.EmptyJID, fmt.Errorf("watest: scan: decode QR code: %w", err)
	}
	s.mu.Lock()
	reg, ok := s.refs[parts[0]]
	var expired, busy bool
	if ok {
		exp, issued := reg.expires[parts[0]]
		expired = !issued || time.Now().After(exp)
		busy = reg.linking
		if !expired && !busy {
			reg.linking = true
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		return types.EmptyJID, errors.New("watest: scan: unknown or closed QR code")
	case expired:
		return types.EmptyJID, errors.New("watest: scan: QR code expired")
	case busy:
		return types.EmptyJID, errors.New("watest: scan: this client is already being linked")
	}
	reg.stopQR()
	if string(noise) != string(reg.conn.clientStatic[:]) || string(ident) != string(reg.identity[:]) || len(adv) != 32 {
		a.unlock(reg)
		return types.EmptyJID, errors.New("watest: scan: QR code keys do not match the client's socket")
	}
	ctx, cancel := context.WithTimeout(s.ctx, linkTimeout)
	defer cancel()
	return a.link(ctx, reg, adv)
}

func (a *Account) unlock(reg *registration) {
	a.srv.mu.Lock()
	reg.linking = false
	a.srv.mu.Unlock()
}

// link registers a device for the client behind reg and runs pair-success.
func (a *Account) link(ctx context.Context, reg *registration, advSecret []byte) (types.JID, error) {
	s := a.srv
	s.mu.Lock()
	a.nextDevice++
	id := a.nextDevice
	d := &Device{
		acct:      a,
		jid:       types.JID{User: a.jid.User, Device: id, Server: types.DefaultUserServer},
		lid:       types.JID{User: a.lid.User, Device: id, Server: types.HiddenUserServer},
		noisePub:  reg.conn.clientStatic,
		identity:  reg.identity,
		regID:     reg.regID,
		signedID:  reg.signedID,
		signedPub: reg.signedPub,
		signedSig: reg.signedSig,
	}
	a.devices[id] = d
	bizName := a.businessName
	s.mu.Unlock()

	fail := func(err error) (types.JID, error) {
		s.mu.Lock()
		delete(a.devices, id)
		reg.linking = false
		s.mu.Unlock()
		return types.EmptyJID, err
	}

	details, err := proto.Marshal(&waAdv.ADVDeviceIdentity{
		RawID:     proto.Uint32(a.rawID),
		Timestamp: proto.Uint64(uint64(time.Now().Unix())),
		KeyIndex:  proto.Uint32(uint32(id)),
	})
	if err != nil {
		return fail(fmt.Errorf("watest: marshal device identity: %w", err))
	}
	accountKey := a.phone.identity()
	accountSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*accountKey.Priv),
		concat(whatsmeow.AdvAccountSignaturePrefix, details, reg.identity[:]))
	signed, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentity{
		Details:             details,
		AccountSignatureKey: accountKey.Pub[:],
		AccountSignature:    accountSig[:],
	})
	if err != nil {
		return fail(fmt.Errorf("watest: marshal signed device identity: %w", err))
	}
	mac := hmac.New(sha256.New, advSecret)
	mac.Write(signed)
	container, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentityHMAC{Details: signed, HMAC: mac.Sum(nil)})
	if err != nil {
		return fail(fmt.Errorf("watest: marshal device identity container: %w", err))
	}
	content := []waBinary.Node{
		{Tag: "device-identity", Content: container},
		{Tag: "device", Attrs: waBinary.Attrs{"jid": d.jid, "lid": d.lid}},
		{Tag: "platform", Attrs: waBinary.Attrs{"name": s.cfg.platform}},
	}
	if bizName != "" {
		content = append(content, waBinary.Node{Tag: "biz", Attrs: waBinary.Attrs{"name": bizName}})
	}
	resp, err := reg.conn.request(ctx, waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"from":  types.ServerJID,
		"type":  "set",
		"xmlns": "md",
	}, Content: []waBinary.Node{{Tag: "pair-success", Content: content}}})
	if err != nil {
		return fail(fmt.Errorf("watest: pair-success: %w", err))
	}
	if typ, _ := resp.Attrs["type"].(string); typ != "result" {
		return fail(fmt.Errorf("watest: client rejected pairing: %s", resp.XMLString()))
	}
	if err := verifyDeviceSignature(resp, reg.identity, accountKey.Pub); err != nil {
		return fail(err)
	}

	s.mu.Lock()
	d.linked = true
	for _, ref := range reg.refs {
		delete(s.refs, ref)
	}
	others := a.linkedDevicesLocked()
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Info("watest: device linked", "jid", d.jid)
	s.announceDevice(a, others, d, "add")
	// Like WhatsApp, end the login stream so the client logs in as the device.
	reg.conn.endWith(streamError("515", ""))
	return d.jid, nil
}

// verifyDeviceSignature checks the client's pair-device-sign answer.
func verifyDeviceSignature(resp *waBinary.Node, clientIdentity [32]byte, accountPub *[32]byte) error {
	raw, ok := resp.GetChildByTag("pair-device-sign", "device-identity").Content.([]byte)
	if !ok {
		return errors.New("watest: pair-device-sign without device identity")
	}
	var signed waAdv.ADVSignedDeviceIdentity
	if err := proto.Unmarshal(raw, &signed); err != nil {
		return fmt.Errorf("watest: parse pair-device-sign: %w", err)
	}
	if len(signed.GetDeviceSignature()) != 64 {
		return errors.New("watest: pair-device-sign without device signature")
	}
	msg := concat(whatsmeow.AdvDeviceSignaturePrefix, signed.GetDetails(), clientIdentity[:], accountPub[:])
	if !ecc.VerifySignature(ecc.NewDjbECPublicKey(clientIdentity), msg, [64]byte(signed.GetDeviceSignature())) {
		return errors.New("watest: invalid device signature in pair-device-sign")
	}
	return nil
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// announceDevice sends a devices notification to the account's other online
// devices, so their cached device lists stay right.
func (s *Server) announceDevice(a *Account, targets []*Device, changed *Device, action string) {
	for _, t := range targets {
		if t == changed {
			continue
		}
		s.mu.Lock()
		c := t.conn
		s.mu.Unlock()
		if c == nil {
			continue
		}
		err := s.sendTracked(c, waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
			"from": a.jid,
			"id":   s.nextID("dev-"),
			"t":    unixNow(),
			"type": "devices",
		}, Content: []waBinary.Node{{Tag: action, Attrs: waBinary.Attrs{"device_hash": "2:watest"}, Content: []waBinary.Node{
			{Tag: "device", Attrs: waBinary.Attrs{"jid": changed.jid, "lid": changed.lid}},
		}}}})
		if err != nil {
			s.log.Debug("watest: devices notification", "err", err)
		}
	}
}

// handleMD answers the "md" namespace: phone-number pairing and logout.
func (s *Server) handleMD(c *conn, n *waBinary.Node) {
	children := n.GetChildren()
	if len(children) == 0 {
		c.replyError(n, 400, "bad-request")
		return
	}
	child := children[0]
	switch child.Tag {
	case "link_code_companion_reg":
		switch child.AttrGetter().OptionalString("stage") {
		case "companion_hello":
			s.codeHello(c, n, &child)
		case "companion_finish":
			s.codeFinish(c, n, &child)
		default:
			c.replyError(n, 400, "bad-request")
		}
	case "remove-companion-device":
		if c.dev == nil {
			c.replyError(n, 401, "not-authorized")
			return
		}
		c.reply(n)
		s.removeDevice(c.dev, false)
	default:
		c.replyError(n, 501, "feature-not-implemented")
	}
}

func (s *Server) codeHello(c *conn, n, child *waBinary.Node) {
	if c.reg == nil {
		c.replyError(n, 400, "bad-request")
		return
	}
	jid, _ := child.Attrs["jid"].(types.JID)
	wrapped, _ := child.GetChildByTag("link_code_pairing_wrapped_companion_ephemeral_pub").Content.([]byte)
	noise, _ := child.GetChildByTag("companion_server_auth_key_pub").Content.([]byte)
	display, _ := child.GetChildByTag("companion_platform_display").Content.([]byte)
	if jid.User == "" || len(wrapped) != 80 || string(noise) != string(c.clientStatic[:]) {
		c.replyError(n, 400, "bad-request")
		return
	}
	if !strings.Contains(string(display), "(") {
		// WhatsApp validates "Browser (OS)"; mirror the visible part of that rule.
		c.replyError(n, 400, "bad-request")
		return
	}
	cr := &codeRegistration{reg: c.reg, phone: jid.User, ref: randomRef(), wrapped: wrapped, result: make(chan linkResult, 1)}
	s.mu.Lock()
	s.codeRegs[cr.ref] = cr
	s.mu.Unlock()
	c.reply(n, waBinary.Node{Tag: "link_code_companion_reg", Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(cr.ref)},
	}})
}

// EnterCode acts as the account's phone when the user types the 8-character
// pairing code shown by PairPhone. It returns the new device's JID once the
// client accepted the pairing.
func (a *Account) EnterCode(code string) (types.JID, error) {
	s := a.srv
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	if len(code) != 8 {
		return types.EmptyJID, fmt.Errorf("watest: enter code: %q is not an 8-character pairing code", code)
	}
	s.mu.Lock()
	var cr *codeRegistration
	for _, c := range s.codeRegs {
		if c.phone == a.jid.User && !c.used {
			cr = c
		}
	}
	if cr != nil {
		cr.used = true
		cr.reg.linking = true
	}
	s.mu.Unlock()
	if cr == nil {
		return types.EmptyJID, fmt.Errorf("watest: enter code: no pairing code request for %s", a.Phone())
	}
	cr.reg.stopQR()

	salt, iv, enc := cr.wrapped[:32], cr.wrapped[32:48], cr.wrapped[48:80]
	key := pbkdf2.Key([]byte(code), salt, 2<<16, 32, sha256.New)
	block, err := aes.NewCipher(key)
	if err != nil {
		return types.EmptyJID, fmt.Errorf("watest: enter code: %w", err)
	}
	companionEph := make([]byte, 32)
	cipher.NewCTR(block, iv).XORKeyStream(companionEph, enc)
	primaryEph := keys.NewKeyPair()
	iv2 := make([]byte, 16)
	_, _ = rand.Read(iv2)
	wrappedPrimary := make([]byte, 32)
	cipher.NewCTR(block, iv2).XORKeyStream(wrappedPrimary, primaryEph.Pub[:])

	s.mu.Lock()
	cr.primaryEph = primaryEph
	cr.companionEph = companionEph
	s.mu.Unlock()

	err = cr.reg.conn.send(waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"from": types.ServerJID,
		"id":   s.nextID("code-"),
		"t":    unixNow(),
		"type": "link_code_companion_reg",
	}, Content: []waBinary.Node{{Tag: "link_code_companion_reg", Attrs: waBinary.Attrs{"stage": "primary_hello"}, Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(cr.ref)},
		{Tag: "link_code_pairing_wrapped_primary_ephemeral_pub", Content: concat(salt, iv2, wrappedPrimary)},
		{Tag: "primary_identity_pub", Content: a.phone.identity().Pub[:]},
	}}}})
	if err != nil {
		return types.EmptyJID, fmt.Errorf("watest: enter code: %w", err)
	}
	timer := time.NewTimer(linkTimeout)
	defer timer.Stop()
	select {
	case res := <-cr.result:
		return res.jid, res.err
	case <-cr.reg.conn.done:
		return types.EmptyJID, errors.New("watest: enter code: client disconnected")
	case <-timer.C:
		return types.EmptyJID, errors.New("watest: enter code: client did not finish the pairing")
	}
}

func (s *Server) codeFinish(c *conn, n, child *waBinary.Node) {
	ref, _ := child.GetChildByTag("link_code_pairing_ref").Content.([]byte)
	bundle, _ := child.GetChildByTag("link_code_pairing_wrapped_key_bundle").Content.([]byte)
	companionIdentity, _ := child.GetChildByTag("companion_identity_public").Content.([]byte)
	s.mu.Lock()
	cr := s.codeRegs[string(ref)]
	var primaryEph *keys.KeyPair
	var companionEph []byte
	if cr != nil {
		primaryEph, companionEph = cr.primaryEph, cr.companionEph
	}
	s.mu.Unlock()
	if cr == nil || primaryEph == nil || cr.reg.conn != c || len(bundle) < 44 {
		c.replyError(n, 400, "bad-request")
		return
	}
	c.reply(n)
	a := s.Account(cr.phone)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		jid, err := a.finishCode(cr, primaryEph, companionEph, bundle, companionIdentity)
		cr.result <- linkResult{jid, err}
	}()
}

func (a *Account) finishCode(cr *codeRegistration, primaryEph *keys.KeyPair, companionEph, bundle, companionIdentity []byte) (types.JID, error) {
	fail := func(err error) (types.JID, error) {
		a.unlock(cr.reg)
		return types.EmptyJID, err
	}
	ephShared, err := curve25519.X25519(primaryEph.Priv[:], companionEph)
	if err != nil {
		return fail(fmt.Errorf("watest: code pairing: wrong code (%w)", err))
	}
	salt, nonce, sealed := bundle[:32], bundle[32:44], bundle[44:]
	key := hkdfutil.SHA256(ephShared, salt, []byte("link_code_pairing_key_bundle_encryption_key"), 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		return fail(fmt.Errorf("watest: code pairing: %w", err))
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return fail(fmt.Errorf("watest: code pairing: %w", err))
	}
	plain, err := gcm.Open(nil, nonce, sealed, nil)
	if err != nil {
		return fail(fmt.Errorf("watest: code pairing: wrong code: %w", err))
	}
	if len(plain) != 96 {
		return fail(errors.New("watest: code pairing: key bundle has the wrong size"))
	}
	accountKey := a.phone.identity()
	if string(plain[:32]) != string(companionIdentity) || string(plain[:32]) != string(cr.reg.identity[:]) ||
		string(plain[32:64]) != string(accountKey.Pub[:]) {
		return fail(errors.New("watest: code pairing: identity keys do not match"))
	}
	identShared, err := curve25519.X25519(accountKey.Priv[:], plain[:32])
	if err != nil {
		return fail(fmt.Errorf("watest: code pairing: %w", err))
	}
	advSecret := hkdfutil.SHA256(concat(ephShared, identShared, plain[64:96]), nil, []byte("adv_secret"), 32)
	ctx, cancel := context.WithTimeout(a.srv.ctx, linkTimeout)
	defer cancel()
	return a.link(ctx, cr.reg, advSecret)
}

// login authenticates a socket of a paired client.
func (s *Server) login(c *conn) {
	user := strconv.FormatUint(c.payload.GetUsername(), 10)
	devID := uint16(c.payload.GetDevice())
	s.mu.Lock()
	a := s.accounts[user]
	var d *Device
	if a != nil {
		d = a.devices[devID]
	}
	if d == nil || !d.linked || d.removed || d.noisePub != c.clientStatic {
		s.mu.Unlock()
		s.log.Info("watest: login refused, device unknown or removed", "user", user, "device", devID)
		c.endWith(waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{
			"reason":   strconv.Itoa(int(events.ConnectFailureLoggedOut)),
			"location": "watest",
		}})
		return
	}
	if time.Now().Before(a.banUntil) {
		code, expire := a.banCode, time.Until(a.banUntil)
		s.mu.Unlock()
		s.log.Info("watest: login refused, account temporarily banned", "jid", d.jid)
		c.endWith(waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{
			"reason": strconv.Itoa(int(events.ConnectFailureTempBanned)),
			"code":   strconv.Itoa(int(code)),
			"expire": strconv.FormatInt(int64(expire.Seconds()+0.5), 10),
		}})
		return
	}
	s.mu.Unlock()

	c.dev = d
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	s.mu.Lock()
	old := d.conn
	d.conn = c
	d.unacked = make(map[string]bool)
	d.logins++
	pending := slices.Clone(d.pending)
	s.notifyLocked()
	s.mu.Unlock()
	if old != nil {
		s.log.Info("watest: device logged in again, replacing old stream", "jid", d.jid)
		old.endWith(streamError("", "replaced"))
	}
	err := c.send(waBinary.Node{Tag: "success", Attrs: waBinary.Attrs{
		"t":            unixNow(),
		"props":        "1",
		"abprops":      "1",
		"location":     "watest",
		"lid":          d.lid,
		"creation":     unixNow(),
		"display_name": "",
	}})
	if err != nil {
		return
	}
	if len(pending) > 0 {
		_ = c.send(waBinary.Node{Tag: "ib", Content: []waBinary.Node{{Tag: "offline_preview", Attrs: waBinary.Attrs{
			"count": strconv.Itoa(len(pending)), "message": strconv.Itoa(len(pending)),
			"notification": "0", "receipt": "0", "appdata": "0",
		}}}})
	}
	for _, p := range pending {
		if err := c.send(p.node); err != nil {
			return
		}
	}
	_ = c.send(waBinary.Node{Tag: "ib", Content: []waBinary.Node{{Tag: "offline", Attrs: waBinary.Attrs{
		"count": strconv.Itoa(len(pending)),
	}}}})
	s.log.Info("watest: device logged in", "jid", d.jid, "redelivered", len(pending))
}

// connGone forgets a closed socket.
func (s *Server) connGone(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if c.dev != nil && c.dev.conn == c {
		c.dev.conn = nil
		// Acks can only come on the socket that got the nodes.
		clear(c.dev.unacked)
	}
	if c.reg != nil {
		for _, ref := range c.reg.refs {
			delete(s.refs, ref)
		}
	}
	if c.reg != nil {
		for ref, cr := range s.codeRegs {
			if cr.reg == c.reg {
				delete(s.codeRegs, ref)
			}
		}
	}
	s.notifyLocked()
}
