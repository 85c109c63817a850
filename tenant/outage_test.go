package tenant_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that takes the database away

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
)

// The database goes away for a few seconds while customers write: handlers
// refuse the messages (no acknowledgement), WhatsApp delivers them again,
// and once the database is back each is logged once and answered once.
// Nothing crashes and the other tenant carries on afterwards.
func TestDatabaseOutage(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	st := storetest.Open(t, store.Config{DatabaseURL: dbURL, Logger: storetest.Logger(t)})
	net := sim.NewNetwork(sim.Options{RedeliverAfter: 100 * time.Millisecond})
	h := newHarness(t, st, net, func(o *tenant.Options) { o.InboundTimeout = 300 * time.Millisecond })
	a := h.add("booking", true, nil)
	b := h.add("support", true, nil)
	h.waitSession(a, store.SessionConnected)
	h.waitSession(b, store.SessionConnected)

	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", os.Getenv(storetest.EnvDatabaseURL))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")
	outage := time.Now()

	for i := 0; i < 5; i++ {
		h.say(a, chatA, "I would like to book an appointment")
		h.say(b, chatB, "My internet is not working")
	}
	time.Sleep(2 * time.Second)
	if n := len(net.Sent(a)) + len(net.Sent(b)); n != 0 {
		t.Fatalf("%d replies went out while the database was away", n)
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true")
	t.Logf("database away for %s", time.Since(outage).Round(time.Millisecond))

	waitFor(t, "every message answered", func() bool {
		return h.count(a, sentReply) == 5 && h.count(b, sentReply) == 5 && net.Inbox(a)+net.Inbox(b) == 0
	})
	time.Sleep(300 * time.Millisecond) // let any straggling redelivery land
	for _, id := range []string{a, b} {
		rows := h.logs(id)
		in := 0
		for _, m := range rows {
			if m.Direction == store.DirIn {
				in++
			}
		}
		if in != 5 || h.count(id, isReply) != 5 || len(net.Sent(id)) != 5 {
			t.Fatalf("tenant %s: %d IN rows, %d replies logged, %d sent; want 5 each", id, in, h.count(id, isReply), len(net.Sent(id)))
		}
	}
	h.say(b, chatA, "thanks")
	waitFor(t, "business as usual", func() bool { return len(net.Sent(b)) == 6 })
}
