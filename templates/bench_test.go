package templates

import (
	"strings"
	"testing"
)

// typical is a mix of ordinary customer messages.
var typical = []string{
	"Hello",
	"Nataka kuweka miadi kesho saa nne asubuhi",
	"How much is delivery to Mombasa?",
	"Where is my order?",
	"Oda yangu iko wapi?",
	"Can I pay with M-Pesa?",
	"My phone won't turn on",
	"Asante sana 🙏",
	"I need to move my appointment to Friday at 3pm",
	"Hii dress ni how much?",
	"Naomba kughairi miadi yangu",
	"The weather is nice today",
}

// BenchmarkReply measures one reply for a typical message.
//
//	go test -run '^$' -bench Reply -benchmem -cpu 1 ./templates/
func BenchmarkReply(b *testing.B) {
	cfg := Config{Template: Booking, Business: "Salon Neema", Language: Auto}
	Reply("warm up", cfg)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Reply(typical[i%len(typical)], cfg)
		i++
	}
}

// BenchmarkReplyLong measures a 64 KiB message, the worst case per message.
func BenchmarkReplyLong(b *testing.B) {
	cfg := Config{Template: Ecommerce, Business: "Duka"}
	msg := strings.Repeat("Nataka kununua viatu viwili kesho, mnaleta Nakuru? ", 64<<10/52)
	Reply("warm up", cfg)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		Reply(msg, cfg)
	}
}
