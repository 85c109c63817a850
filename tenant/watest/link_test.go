package watest

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"
)

func TestQRCodesFollowServerLifetimes(t *testing.T) {
	const first, rest = 600 * time.Millisecond, 300 * time.Millisecond
	srv := Start(t, WithQRLifetimes(first, rest))
	tc := newTestClient(t, srv, nil)
	qr, err := tc.cli.GetQRChannel(ctxT(t, 20*time.Second))
	must(t, err)
	start := time.Now()
	must(t, tc.cli.Connect())

	var codes []string
	var arrivals []time.Duration
	var final whatsmeow.QRChannelItem
	for item := range qr {
		if item.Event != whatsmeow.QRChannelEventCode {
			final = item
			break
		}
		codes = append(codes, item.Code)
		arrivals = append(arrivals, time.Since(start))
		// The code on display is the one the server accepts; its predecessor
		// has expired.
		if !srv.QRCodeValid(item.Code) {
			t.Errorf("code %d is not valid on the server when shown", len(codes))
		}
		if len(codes) > 1 && srv.QRCodeValid(codes[len(codes)-2]) {
			t.Errorf("code %d is still valid after code %d was shown", len(codes)-1, len(codes))
		}
	}
	if len(codes) != 6 {
		t.Fatalf("got %d codes, want 6", len(codes))
	}
	if final != whatsmeow.QRChannelTimeout {
		t.Fatalf("final channel item = %+v, want timeout", final)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Fatalf("code repeated: %s", c)
		}
		seen[c] = true
	}
	total := time.Since(start)
	for i := 1; i < len(arrivals); i++ {
		want := rest
		if i == 1 {
			want = first
		}
		gap := arrivals[i] - arrivals[i-1]
		if gap < want-50*time.Millisecond || gap > want+2*time.Second {
			t.Errorf("code %d arrived %v after the previous one, want about %v", i+1, gap, want)
		}
	}
	if want := first + 5*rest; total < want || total > want+5*time.Second {
		t.Errorf("channel ended after %v, want about %v", total, want)
	}
	if tc.cli.IsConnected() {
		t.Error("client still connected after the QR codes ran out")
	}
	if count[*events.PairSuccess](tc.rec) != 0 {
		t.Error("unexpected PairSuccess")
	}
}

func TestScanPairsAndStoredDeviceLogsIn(t *testing.T) {
	t.Parallel()
	srv := Start(t)
	acct := srv.Account("+255 700 000 001")
	acct.SetBusinessName("Mama Lishe Bookings")
	tc := newTestClient(t, srv, nil)
	qr, err := tc.cli.GetQRChannel(ctxT(t, 30*time.Second))
	must(t, err)
	must(t, tc.cli.Connect())
	item := <-qr
	if item.Event != whatsmeow.QRChannelEventCode {
		t.Fatalf("first QR item = %+v", item)
	}
	if item.Timeout != 60*time.Second {
		t.Errorf("first code lifetime = %v, want 60s (six refs in one batch)", item.Timeout)
	}
	jid, err := acct.Scan(item.Code)
	must(t, err)
	if jid.User != "255700000001" || jid.Device == 0 {
		t.Fatalf("Scan returned %s", jid)
	}
	if got := <-qr; got != whatsmeow.QRChannelSuccess {
		t.Fatalf("QR channel after scan = %+v, want success", got)
	}
	ps := waitFor[*events.PairSuccess](t, tc.rec, 1, 10*time.Second)
	if ps.ID != jid || ps.LID.User != acct.LID().User || ps.LID.Device != jid.Device {
		t.Errorf("PairSuccess = %+v, want ID %s and the account's LID", ps, jid)
	}
	if ps.BusinessName != "Mama Lishe Bookings" || ps.Platform != "smba" {
		t.Errorf("PairSuccess business/platform = %q/%q", ps.BusinessName, ps.Platform)
	}
	tc.rec.waitConnected(t, 1)
	dev, ok := srv.Device(jid)
	if !ok {
		t.Fatal("server does not know the device")
	}
	must(t, dev.WaitConnected(ctxT(t, 10*time.Second)))
	if n := dev.PreKeyCount(); n != 812 {
		t.Errorf("server holds %d prekeys, want the initial 812", n)
	}
	if a, ok := srv.AccountByJID(ps.LID); !ok || a != acct {
		t.Error("AccountByJID(LID) did not find the account")
	}
	if *tc.cli.Store.ID != jid {
		t.Errorf("client store ID = %s", tc.cli.Store.ID)
	}

	// A second client with the stored device logs in without a QR code.
	tc.cli.Disconnect()
	must(t, dev.WaitOffline(ctxT(t, 10*time.Second)))
	stored, err := tc.c.GetDevice(t.Context(), jid)
	must(t, err)
	if stored == nil {
		t.Fatal("device not in the store")
	}
	again := srv.NewClient(t, stored)
	rec := newRecorder(again)
	must(t, again.Connect())
	rec.waitConnected(t, 1)
	if count[*events.QR](rec) != 0 || count[*events.PairSuccess](rec) != 0 {
		t.Error("stored device went through linking again")
	}
	if dev.Logins() != 2 {
		t.Errorf("device logged in %d times, want 2", dev.Logins())
	}
	if n := dev.PreKeyCount(); n != 812 {
		t.Errorf("prekeys after second login = %d, want no new upload", n)
	}
	noErrors(t, srv)
}

func TestPairingCode(t *testing.T) {
	t.Parallel()
	srv := Start(t)
	tc := newTestClient(t, srv, nil)
	qr, err := tc.cli.GetQRChannel(ctxT(t, 60*time.Second))
	must(t, err)
	must(t, tc.cli.Connect())
	if item := <-qr; item.Event != whatsmeow.QRChannelEventCode {
		t.Fatalf("first QR item = %+v", item)
	}
	code, err := tc.cli.PairPhone(ctxT(t, 30*time.Second), "+255 711 222 333", true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	must(t, err)
	if len(code) != 9 || code[4] != '-' {
		t.Fatalf("pairing code %q is not XXXX-XXXX", code)
	}
	jid, err := srv.EnterCode(code)
	must(t, err)
	if jid.User != "255711222333" {
		t.Fatalf("EnterCode returned %s", jid)
	}
	ps := waitFor[*events.PairSuccess](t, tc.rec, 1, 30*time.Second)
	if ps.ID != jid {
		t.Errorf("PairSuccess.ID = %s, want %s", ps.ID, jid)
	}
	tc.rec.waitConnected(t, 1)
	if _, ok := srv.AccountByJID(jid); !ok {
		t.Error("account not found by device JID")
	}
	noErrors(t, srv)
}

func TestPairingCodeWrongCode(t *testing.T) {
	t.Parallel()
	srv := Start(t)
	tc := newTestClient(t, srv, nil)
	qr, err := tc.cli.GetQRChannel(ctxT(t, 60*time.Second))
	must(t, err)
	must(t, tc.cli.Connect())
	<-qr
	_, err = tc.cli.PairPhone(ctxT(t, 30*time.Second), "+255711222334", true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	must(t, err)
	if _, err := srv.Account("+255711222334").EnterCode("AAAA-AAAA"); err == nil {
		t.Fatal("a wrong pairing code was accepted")
	}
	if count[*events.PairSuccess](tc.rec) != 0 {
		t.Error("client paired with a wrong code")
	}
}
