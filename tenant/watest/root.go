package watest

import (
	"fmt"
	"sync"
	"time"

	"go.mau.fi/libsignal/ecc"
	signallog "go.mau.fi/libsignal/logger"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCert"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// The certificate root is shared by every Server in the process. whatsmeow
// verifies the server's Noise certificate chain against the package variable
// whatsmeow.WACertPubKey, so the root's public key has to be installed there
// while at least one Server is running. A reference count makes sure that
// parallel tests of one package share the same root and that the original key
// is put back only after the last Server has closed.
var testRoot struct {
	once  sync.Once
	key   *keys.KeyPair
	mu    sync.Mutex
	users int
	saved [32]byte
}

func rootKeyPair() *keys.KeyPair {
	testRoot.once.Do(func() {
		testRoot.key = keys.NewKeyPair()
		// libsignal installs its package logger lazily on first use without
		// synchronisation; do it once here so that servers started by
		// parallel tests do not race on it.
		signallog.Debug("watest: test root created")
	})
	return testRoot.key
}

// installRoot puts the test root into whatsmeow.WACertPubKey (first user only).
func installRoot() {
	root := rootKeyPair()
	testRoot.mu.Lock()
	defer testRoot.mu.Unlock()
	if testRoot.users == 0 {
		testRoot.saved = whatsmeow.WACertPubKey
		if whatsmeow.WACertPubKey != *root.Pub {
			whatsmeow.WACertPubKey = *root.Pub
		}
	}
	testRoot.users++
}

// releaseRoot restores the original key once the last Server is gone.
func releaseRoot() {
	testRoot.mu.Lock()
	defer testRoot.mu.Unlock()
	testRoot.users--
	if testRoot.users == 0 && whatsmeow.WACertPubKey != testRoot.saved {
		whatsmeow.WACertPubKey = testRoot.saved
	}
}

// newCertChain builds the two-level chain whatsmeow expects: an intermediate
// certificate signed by the test root (issuer serial 0) and a leaf for the
// server's static Noise key signed by the intermediate.
func newCertChain(static *keys.KeyPair) ([]byte, error) {
	root := rootKeyPair()
	intermediate := keys.NewKeyPair()
	notBefore := uint64(time.Now().Add(-time.Hour).Unix())
	notAfter := uint64(time.Now().Add(365 * 24 * time.Hour).Unix())

	interDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial:       proto.Uint32(1),
		IssuerSerial: proto.Uint32(whatsmeow.WACertIssuerSerial),
		Key:          intermediate.Pub[:],
		NotBefore:    proto.Uint64(notBefore),
		NotAfter:     proto.Uint64(notAfter),
	})
	if err != nil {
		return nil, fmt.Errorf("watest: marshal intermediate certificate: %w", err)
	}
	leafDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial:       proto.Uint32(2),
		IssuerSerial: proto.Uint32(1),
		Key:          static.Pub[:],
		NotBefore:    proto.Uint64(notBefore),
		NotAfter:     proto.Uint64(notAfter),
	})
	if err != nil {
		return nil, fmt.Errorf("watest: marshal leaf certificate: %w", err)
	}
	interSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*root.Priv), interDetails)
	leafSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*intermediate.Priv), leafDetails)
	chain, err := proto.Marshal(&waCert.CertChain{
		Intermediate: &waCert.CertChain_NoiseCertificate{Details: interDetails, Signature: interSig[:]},
		Leaf:         &waCert.CertChain_NoiseCertificate{Details: leafDetails, Signature: leafSig[:]},
	})
	if err != nil {
		return nil, fmt.Errorf("watest: marshal certificate chain: %w", err)
	}
	return chain, nil
}
