package watest

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/coder/websocket"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/util/gcmutil"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/hkdf"
)

// noiseState is the responder side of the Noise_XX_25519_AESGCM_SHA256
// handshake that whatsmeow's socket.NoiseHandshake runs as the initiator.
// The symmetric state evolves exactly like the client's: every public key and
// ciphertext is mixed into the running hash, and every DH result is mixed into
// the chaining key with HKDF-SHA256.
type noiseState struct {
	hash    []byte
	chain   []byte
	aead    cipher.AEAD
	counter uint32
}

func newNoiseState(prologue []byte) (*noiseState, error) {
	h := []byte(socket.NoiseStartPattern)
	if len(h) != sha256.Size {
		sum := sha256.Sum256(h)
		h = sum[:]
	}
	aead, err := gcmutil.Prepare(h)
	if err != nil {
		return nil, fmt.Errorf("watest: noise init: %w", err)
	}
	ns := &noiseState{hash: h, chain: h, aead: aead}
	ns.mixHash(prologue)
	return ns, nil
}

func (ns *noiseState) mixHash(data []byte) {
	buf := make([]byte, 0, len(ns.hash)+len(data))
	buf = append(buf, ns.hash...)
	buf = append(buf, data...)
	sum := sha256.Sum256(buf)
	ns.hash = sum[:]
}

func counterNonce(n uint32) []byte {
	iv := make([]byte, 12)
	binary.BigEndian.PutUint32(iv[8:], n)
	return iv
}

func (ns *noiseState) encrypt(plaintext []byte) []byte {
	ct := ns.aead.Seal(nil, counterNonce(ns.counter), plaintext, ns.hash)
	ns.counter++
	ns.mixHash(ct)
	return ct
}

func (ns *noiseState) decrypt(ciphertext []byte) ([]byte, error) {
	pt, err := ns.aead.Open(nil, counterNonce(ns.counter), ciphertext, ns.hash)
	ns.counter++
	if err != nil {
		return nil, fmt.Errorf("watest: noise decrypt: %w", err)
	}
	ns.mixHash(ciphertext)
	return pt, nil
}

func (ns *noiseState) mixDH(priv, pub *[32]byte) error {
	secret, err := curve25519.X25519(priv[:], pub[:])
	if err != nil {
		return fmt.Errorf("watest: noise dh: %w", err)
	}
	first, second, err := hkdfPair(ns.chain, secret)
	if err != nil {
		return err
	}
	ns.chain = first
	ns.aead, err = gcmutil.Prepare(second)
	if err != nil {
		return fmt.Errorf("watest: noise mix: %w", err)
	}
	ns.counter = 0
	return nil
}

// split derives the transport keys. The first key is the one the client
// writes with, so the server reads with it.
func (ns *noiseState) split() (read, write cipher.AEAD, err error) {
	first, second, err := hkdfPair(ns.chain, nil)
	if err != nil {
		return nil, nil, err
	}
	if read, err = gcmutil.Prepare(first); err != nil {
		return nil, nil, fmt.Errorf("watest: noise split: %w", err)
	}
	if write, err = gcmutil.Prepare(second); err != nil {
		return nil, nil, fmt.Errorf("watest: noise split: %w", err)
	}
	return read, write, nil
}

func hkdfPair(salt, ikm []byte) ([]byte, []byte, error) {
	r := hkdf.New(sha256.New, ikm, salt, nil)
	out := make([]byte, 64)
	if _, err := io.ReadFull(r, out); err != nil {
		return nil, nil, fmt.Errorf("watest: hkdf: %w", err)
	}
	return out[:32], out[32:], nil
}

var errBadHeader = errors.New("watest: connection does not start with the WA header")

// frameReader splits the websocket byte stream into WhatsApp frames: a 3-byte
// big-endian length followed by the payload. The very first message of a
// connection is prefixed with socket.WAConnHeader.
type frameReader struct {
	ws         *websocket.Conn
	buf        []byte
	headerSeen bool
}

func (fr *frameReader) next(ctx context.Context) ([]byte, error) {
	for {
		if !fr.headerSeen && len(fr.buf) >= len(socket.WAConnHeader) {
			if !bytes.Equal(fr.buf[:len(socket.WAConnHeader)], socket.WAConnHeader) {
				return nil, errBadHeader
			}
			fr.buf = fr.buf[len(socket.WAConnHeader):]
			fr.headerSeen = true
		}
		if fr.headerSeen && len(fr.buf) >= socket.FrameLengthSize {
			n := int(fr.buf[0])<<16 | int(fr.buf[1])<<8 | int(fr.buf[2])
			if len(fr.buf) >= socket.FrameLengthSize+n {
				frame := bytes.Clone(fr.buf[socket.FrameLengthSize : socket.FrameLengthSize+n])
				fr.buf = fr.buf[socket.FrameLengthSize+n:]
				if len(fr.buf) == 0 {
					fr.buf = nil
				}
				return frame, nil
			}
		}
		typ, data, err := fr.ws.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("watest: read websocket: %w", err)
		}
		if typ != websocket.MessageBinary {
			continue
		}
		fr.buf = append(fr.buf, data...)
	}
}

func encodeFrame(payload []byte) []byte {
	out := make([]byte, socket.FrameLengthSize+len(payload))
	out[0] = byte(len(payload) >> 16)
	out[1] = byte(len(payload) >> 8)
	out[2] = byte(len(payload))
	copy(out[socket.FrameLengthSize:], payload)
	return out
}
