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
		if gap < want-50*time.Millisecond || gap > want+time.Second {
			t.Errorf("code %d arrived %v after the previous one, want about %v", i+1, gap, want)
		}
	}
	if want := first + 5*rest; total < want || total > want+3*time.Second {
		t.Errorf("channel ended after %v, want about %v", total, want)
	}
	if tc.cli.IsConnected() {
		t.Error("client still connected after the QR codes ran out")
	}
	if count[*events.PairSuccess](tc.rec) != 0 {
		t.Error("unexpected PairSuccess")
	}
}
