package store

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAppendJSONString(t *testing.T) {
	cases := []string{"", "plain", `"quoted"`, `back\slash`, "ctl \x01\x1f\n\r\t", "ü 🙂 \u2028\u2029", "</script>&"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(20) {
			r := rune(rng.IntN(0x11000))
			if r == 0 || !utf8.ValidRune(r) {
				r = 'x'
			}
			b.WriteRune(r)
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		enc := appendJSONString(nil, c)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("%q encoded as %s: %v", c, enc, err)
		}
		if got != c {
			t.Fatalf("%q came back as %q", c, got)
		}
	}
}

func TestIDGen(t *testing.T) {
	var g idGen
	now := time.Now()
	a := g.next(now)
	b := g.next(now)
	if b != a+1 || a>>20 != now.UnixMilli() {
		t.Fatalf("ids %d, %d", a, b)
	}
	// A clock going backwards never makes ids go backwards.
	c := g.next(now.Add(-time.Hour))
	if c != b+1 {
		t.Fatalf("id %d after %d", c, b)
	}
	// Seeding from the table's maximum.
	g.observe(c + 1000)
	if d := g.next(now); d != c+1001 {
		t.Fatalf("id %d after observing %d", d, c+1000)
	}
	g.observe(5) // lower values are ignored
	if e := g.next(now); e != c+1002 {
		t.Fatalf("observe went backwards: %d", e)
	}
}

func TestLastUpdatePerRow(t *testing.T) {
	t0 := time.Unix(100, 0)
	ups := []StatusUpdate{
		{TenantID: "a", ID: 9, Status: StatusSent},
		{TenantID: "a", ID: 3, Status: StatusPending},
		{TenantID: "b", ID: 3, Status: StatusFailed},
		{TenantID: "a", ID: 3, Status: StatusSent},
		{TenantID: "a", ID: 9, Status: StatusFailed},
	}
	at := []time.Time{t0, t0.Add(1), t0.Add(2), t0.Add(3), t0.Add(4)}
	got, gotAt := lastUpdatePerRow(ups, at)
	want := []StatusUpdate{
		{TenantID: "a", ID: 3, Status: StatusSent},
		{TenantID: "b", ID: 3, Status: StatusFailed},
		{TenantID: "a", ID: 9, Status: StatusFailed},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("update %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if !gotAt[0].Equal(t0.Add(3)) || !gotAt[2].Equal(t0.Add(4)) {
		t.Fatalf("times %v", gotAt)
	}
}

func TestRebind(t *testing.T) {
	s := &Store{dialect: DialectPostgres}
	if got := s.rebind("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Fatal(got)
	}
	s.dialect = DialectSQLite
	if got := s.rebind("a = ?"); got != "a = ?" {
		t.Fatal(got)
	}
}
