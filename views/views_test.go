package views

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/flowhq/flowhq/store"
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Asset URLs carry the content hash; the hashed name finds the asset.
func TestAssets(t *testing.T) {
	for _, name := range []string{"app.css", "htmx.min.js", "htmx-ext-sse.min.js"} {
		u := AssetURL(name)
		a, ok := LookupAsset(strings.TrimPrefix(u, StaticPrefix))
		if !ok || a.Name != name || len(a.Body) == 0 {
			t.Fatalf("%s → %s not found", name, u)
		}
		sum := sha256.Sum256(a.Body)
		if !strings.Contains(u, hex.EncodeToString(sum[:6])) {
			t.Errorf("%s has no content hash", u)
		}
		if !strings.HasSuffix(u, path.Ext(name)) {
			t.Errorf("%s lost its extension", u)
		}
	}
	if a, _ := LookupAsset(strings.TrimPrefix(AssetURL("app.css"), StaticPrefix)); a.ContentType != "text/css; charset=utf-8" {
		t.Errorf("css content type %q", a.ContentType)
	}
	if _, ok := LookupAsset("app.css"); ok {
		t.Error("an unhashed name is served")
	}
}

// Markup in any stored value renders as text, in rows and live updates.
func TestMarkupIsEscaped(t *testing.T) {
	now := time.Now()
	row := TenantRowProps{Row: store.TenantRow{Tenant: store.Tenant{ID: "t1", Name: `<img src=x onerror=alert(1)>`, Status: store.TenantActive}}, Now: now}
	for _, html := range []string{
		render(t, TenantRow(row, false)),
		render(t, TenantRowsUpdate([]TenantRowProps{row})),
		render(t, LogTail([]store.MessageLog{{ID: 7, TenantID: "t1", Direction: store.DirIn, MessageText: `<script>alert(1)</script>`, Status: store.StatusReceived, CreatedAt: now}}, nil, now)),
		render(t, TryBubbles(TryExchange{Message: `<b onmouseover=alert(1)>hi</b>`, Reply: `<i>x</i>`, Intent: "greeting"})),
	} {
		if strings.Contains(html, "<img src=x") || strings.Contains(html, "<script>") || strings.Contains(html, "<b onmouseover") || strings.Contains(html, "<i>x") {
			t.Errorf("unescaped markup in %s", html)
		}
	}
	// A QR that is not a PNG data URL is not rendered at all.
	html := render(t, TenantQR(TenantLink{TenantID: "t1", Session: store.WhatsAppSession{State: store.SessionQRReady, LastQR: "javascript:alert(1)"}}))
	if strings.Contains(html, "javascript:") || strings.Contains(html, "<img") {
		t.Errorf("unsafe QR rendered: %s", html)
	}
}

func TestChart(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hours := make([]store.HourCount, 24)
	for i := range hours {
		hours[i].Start = start.Add(time.Duration(i) * time.Hour)
	}
	hours[5].In, hours[5].Out, hours[5].Suppressed = 40, 30, 7
	c := NewChart(hours)
	if c.Max != 40 || len(c.Bars) != 3 || c.Total != [3]int64{40, 30, 7} || len(c.XTicks) != 8 {
		t.Fatalf("chart %+v", c)
	}
	if c.YTicks[2].Label != "50" || c.YTicks[1].Label != "25" {
		t.Fatalf("y ticks %+v", c.YTicks)
	}
	for _, b := range c.Bars {
		if b.H <= 0 || b.Y < chartTop || b.Y+b.H > chartH-chartBottom {
			t.Errorf("bar outside the plot: %+v", b)
		}
	}
	// Stacked: the suppressed bar sits on the replies bar.
	if out, sup := c.Bars[1], c.Bars[2]; sup.Y+sup.H != out.Y || sup.X != out.X {
		t.Errorf("suppressed %+v not stacked on replies %+v", sup, out)
	}
	if empty := NewChart(make([]store.HourCount, 24)); len(empty.Bars) != 0 || empty.YTicks[2].Label != "10" {
		t.Errorf("empty chart %+v", empty)
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := itoa(n); got != want {
			t.Errorf("itoa(%d) = %q", n, got)
		}
	}
	if countLabel(store.TodayCountCap+1) != "10,000+" || countLabel(12) != "12" {
		t.Error("countLabel")
	}
	if chatNumber("255712345678@s.whatsapp.net") != "+255712345678" || chatNumber("group@g.us") != "group@g.us" {
		t.Error("chatNumber")
	}
	if TenantURL("a b", "logs") != "/admin/tenants/a%20b/logs" {
		t.Error("TenantURL escaping")
	}
}
