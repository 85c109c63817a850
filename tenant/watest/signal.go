package watest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mathrand "math/rand/v2"

	"go.mau.fi/libsignal/ecc"
	groupRecord "go.mau.fi/libsignal/groups/state/record"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/state/record"
	"go.mau.fi/libsignal/util/optional"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/util/keys"
)

var serializer = store.SignalProtobufSerializer

// memStore is an in-memory Signal protocol store for the simulated phones
// (customers and each account's primary phone). It implements libsignal's
// store.SignalProtocol. It is not safe for concurrent use; the owning peer
// serialises access with its mutex.
type memStore struct {
	identity   *keys.KeyPair
	regID      uint32
	signed     *keys.PreKey
	preKeys    map[uint32]*keys.PreKey
	nextPreKey uint32
	sessions   map[string][]byte
	identities map[string][32]byte
	senderKeys map[string][]byte
}

func newMemStore(identityKey *keys.KeyPair) *memStore {
	if identityKey == nil {
		identityKey = keys.NewKeyPair()
	}
	return &memStore{
		identity:   identityKey,
		regID:      mathrand.Uint32N(16380) + 1,
		signed:     identityKey.CreateSignedPreKey(1),
		preKeys:    make(map[uint32]*keys.PreKey),
		nextPreKey: 1,
		sessions:   make(map[string][]byte),
		identities: make(map[string][32]byte),
		senderKeys: make(map[string][]byte),
	}
}

// newOneTimeKey creates a fresh one-time prekey that a client can use to start
// a session with this store.
func (ms *memStore) newOneTimeKey() *keys.PreKey {
	pk := keys.NewPreKey(ms.nextPreKey)
	ms.nextPreKey++
	if ms.nextPreKey >= 1<<24 {
		ms.nextPreKey = 1
	}
	ms.preKeys[pk.KeyID] = pk
	return pk
}

// forget drops the session and the trusted identity of one remote address.
func (ms *memStore) forget(addr string) {
	delete(ms.sessions, addr)
	delete(ms.identities, addr)
}

func (ms *memStore) GetIdentityKeyPair() *identity.KeyPair {
	return identity.NewKeyPair(
		identity.NewKey(ecc.NewDjbECPublicKey(*ms.identity.Pub)),
		ecc.NewDjbECPrivateKey(*ms.identity.Priv),
	)
}

func (ms *memStore) GetLocalRegistrationID() uint32 { return ms.regID }

func (ms *memStore) SaveIdentity(_ context.Context, address *protocol.SignalAddress, key *identity.Key) error {
	ms.identities[address.String()] = key.PublicKey().PublicKey()
	return nil
}

func (ms *memStore) IsTrustedIdentity(_ context.Context, address *protocol.SignalAddress, key *identity.Key) (bool, error) {
	known, ok := ms.identities[address.String()]
	return !ok || known == key.PublicKey().PublicKey(), nil
}

func (ms *memStore) LoadPreKey(_ context.Context, id uint32) (*record.PreKey, error) {
	pk, ok := ms.preKeys[id]
	if !ok {
		return nil, nil
	}
	return record.NewPreKey(id, ecc.NewECKeyPair(ecc.NewDjbECPublicKey(*pk.Pub), ecc.NewDjbECPrivateKey(*pk.Priv)), nil), nil
}

func (ms *memStore) StorePreKey(context.Context, uint32, *record.PreKey) error {
	return errors.New("watest: storing foreign prekeys is not supported")
}

func (ms *memStore) ContainsPreKey(_ context.Context, id uint32) (bool, error) {
	_, ok := ms.preKeys[id]
	return ok, nil
}

func (ms *memStore) RemovePreKey(_ context.Context, id uint32) error {
	delete(ms.preKeys, id)
	return nil
}

func (ms *memStore) LoadSession(_ context.Context, address *protocol.SignalAddress) (*record.Session, error) {
	raw, ok := ms.sessions[address.String()]
	if !ok {
		return record.NewSession(serializer.Session, serializer.State), nil
	}
	sess, err := record.NewSessionFromBytes(raw, serializer.Session, serializer.State)
	if err != nil {
		return nil, fmt.Errorf("watest: load session %s: %w", address, err)
	}
	return sess, nil
}

func (ms *memStore) GetSubDeviceSessions(context.Context, string) ([]uint32, error) {
	return nil, nil
}

func (ms *memStore) StoreSession(_ context.Context, address *protocol.SignalAddress, rec *record.Session) error {
	ms.sessions[address.String()] = rec.Serialize()
	return nil
}

func (ms *memStore) ContainsSession(_ context.Context, address *protocol.SignalAddress) (bool, error) {
	_, ok := ms.sessions[address.String()]
	return ok, nil
}

func (ms *memStore) DeleteSession(_ context.Context, address *protocol.SignalAddress) error {
	delete(ms.sessions, address.String())
	return nil
}

func (ms *memStore) DeleteAllSessions(context.Context) error {
	clear(ms.sessions)
	return nil
}

func (ms *memStore) LoadSignedPreKey(_ context.Context, id uint32) (*record.SignedPreKey, error) {
	if id != ms.signed.KeyID {
		return nil, nil
	}
	return record.NewSignedPreKey(id, 0, ecc.NewECKeyPair(
		ecc.NewDjbECPublicKey(*ms.signed.Pub),
		ecc.NewDjbECPrivateKey(*ms.signed.Priv),
	), *ms.signed.Signature, nil), nil
}

func (ms *memStore) LoadSignedPreKeys(ctx context.Context) ([]*record.SignedPreKey, error) {
	spk, err := ms.LoadSignedPreKey(ctx, ms.signed.KeyID)
	if err != nil {
		return nil, err
	}
	return []*record.SignedPreKey{spk}, nil
}

func (ms *memStore) StoreSignedPreKey(context.Context, uint32, *record.SignedPreKey) error {
	return errors.New("watest: storing signed prekeys is not supported")
}

func (ms *memStore) ContainsSignedPreKey(_ context.Context, id uint32) (bool, error) {
	return id == ms.signed.KeyID, nil
}

func (ms *memStore) RemoveSignedPreKey(context.Context, uint32) error { return nil }

func (ms *memStore) StoreSenderKey(_ context.Context, name *protocol.SenderKeyName, rec *groupRecord.SenderKey) error {
	ms.senderKeys[name.GroupID()+"|"+name.Sender().String()] = rec.Serialize()
	return nil
}

func (ms *memStore) LoadSenderKey(_ context.Context, name *protocol.SenderKeyName) (*groupRecord.SenderKey, error) {
	raw, ok := ms.senderKeys[name.GroupID()+"|"+name.Sender().String()]
	if !ok {
		return groupRecord.NewSenderKey(serializer.SenderKeyRecord, serializer.SenderKeyState), nil
	}
	rec, err := groupRecord.NewSenderKeyFromBytes(raw, serializer.SenderKeyRecord, serializer.SenderKeyState)
	if err != nil {
		return nil, fmt.Errorf("watest: load sender key: %w", err)
	}
	return rec, nil
}

// encrypt encrypts a padded plaintext for the remote address. When there is no
// session yet, bundle must be non-nil (it comes from the keys the client
// uploaded). It returns the ciphertext and the enc type ("pkmsg" or "msg").
func (ms *memStore) encrypt(ctx context.Context, addr *protocol.SignalAddress, bundle func() (*prekey.Bundle, error), plaintext []byte) ([]byte, string, error) {
	builder := session.NewBuilderFromSignal(ms, addr, serializer)
	if _, ok := ms.sessions[addr.String()]; !ok {
		if bundle == nil {
			return nil, "", fmt.Errorf("watest: no session with %s", addr)
		}
		b, err := bundle()
		if err != nil {
			return nil, "", err
		}
		if err := builder.ProcessBundle(ctx, b); err != nil {
			return nil, "", fmt.Errorf("watest: process bundle of %s: %w", addr, err)
		}
	}
	ct, err := session.NewCipher(builder, addr).Encrypt(ctx, padPlaintext(plaintext))
	if err != nil {
		return nil, "", fmt.Errorf("watest: encrypt for %s: %w", addr, err)
	}
	encType := "msg"
	if ct.Type() == protocol.PREKEY_TYPE {
		encType = "pkmsg"
	}
	return ct.Serialize(), encType, nil
}

// decrypt decrypts a pkmsg or msg from the remote address and strips padding.
func (ms *memStore) decrypt(ctx context.Context, addr *protocol.SignalAddress, encType string, content []byte) ([]byte, error) {
	cipher := session.NewCipher(session.NewBuilderFromSignal(ms, addr, serializer), addr)
	var pt []byte
	switch encType {
	case "pkmsg":
		msg, err := protocol.NewPreKeySignalMessageFromBytes(content, serializer.PreKeySignalMessage, serializer.SignalMessage)
		if err != nil {
			return nil, fmt.Errorf("watest: parse pkmsg from %s: %w", addr, err)
		}
		if pt, err = cipher.DecryptMessage(ctx, msg); err != nil {
			return nil, fmt.Errorf("watest: decrypt pkmsg from %s: %w", addr, err)
		}
	case "msg":
		msg, err := protocol.NewSignalMessageFromBytes(content, serializer.SignalMessage)
		if err != nil {
			return nil, fmt.Errorf("watest: parse msg from %s: %w", addr, err)
		}
		if pt, err = cipher.Decrypt(ctx, msg); err != nil {
			return nil, fmt.Errorf("watest: decrypt msg from %s: %w", addr, err)
		}
	default:
		return nil, fmt.Errorf("watest: unsupported enc type %q from %s", encType, addr)
	}
	return unpadPlaintext(pt)
}

// bundleNode renders this store's keys the way the server answers an
// "encrypt" key query, consuming a fresh one-time prekey.
func (ms *memStore) bundleNode(jid any) waBinary.Node {
	otk := ms.newOneTimeKey()
	var reg [4]byte
	binary.BigEndian.PutUint32(reg[:], ms.regID)
	return waBinary.Node{
		Tag:   "user",
		Attrs: waBinary.Attrs{"jid": jid},
		Content: []waBinary.Node{
			{Tag: "registration", Content: reg[:]},
			{Tag: "type", Content: []byte{ecc.DjbType}},
			{Tag: "identity", Content: ms.identity.Pub[:]},
			keyNode("key", otk.KeyID, otk.Pub[:], nil),
			keyNode("skey", ms.signed.KeyID, ms.signed.Pub[:], ms.signed.Signature[:]),
		},
	}
}

func keyNode(tag string, id uint32, pub, sig []byte) waBinary.Node {
	var idBytes [4]byte
	binary.BigEndian.PutUint32(idBytes[:], id)
	children := []waBinary.Node{
		{Tag: "id", Content: idBytes[1:]},
		{Tag: "value", Content: pub},
	}
	if sig != nil {
		children = append(children, waBinary.Node{Tag: "signature", Content: sig})
	}
	return waBinary.Node{Tag: tag, Content: children}
}

// uploadedKey is a public prekey a client uploaded.
type uploadedKey struct {
	id  uint32
	pub [32]byte
}

// deviceBundle builds a libsignal bundle for a linked device from the keys it
// registered. otk may be nil when the device has no one-time keys left.
func deviceBundle(regID uint32, deviceID uint16, ident [32]byte, signedID uint32, signedPub [32]byte, signedSig [64]byte, otk *uploadedKey) *prekey.Bundle {
	idKey := identity.NewKey(ecc.NewDjbECPublicKey(ident))
	if otk == nil {
		return prekey.NewBundle(regID, uint32(deviceID), optional.NewEmptyUint32(), signedID,
			nil, ecc.NewDjbECPublicKey(signedPub), signedSig, idKey)
	}
	return prekey.NewBundle(regID, uint32(deviceID), optional.NewOptionalUint32(otk.id), signedID,
		ecc.NewDjbECPublicKey(otk.pub), ecc.NewDjbECPublicKey(signedPub), signedSig, idKey)
}

// padPlaintext appends WhatsApp's random 1–15 byte padding (each byte holds
// the padding length).
func padPlaintext(pt []byte) []byte {
	var b [1]byte
	_, _ = rand.Read(b[:])
	n := int(b[0] & 0x0f)
	if n == 0 {
		n = 0x0f
	}
	out := make([]byte, len(pt), len(pt)+n)
	copy(out, pt)
	for range n {
		out = append(out, byte(n))
	}
	return out
}

func unpadPlaintext(pt []byte) ([]byte, error) {
	if len(pt) == 0 {
		return nil, errors.New("watest: empty plaintext")
	}
	n := int(pt[len(pt)-1])
	if n == 0 || n > len(pt) {
		return nil, fmt.Errorf("watest: invalid padding length %d", n)
	}
	return pt[:len(pt)-n], nil
}
