package wa_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // admin connections that lock or take away the database

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/wa"
	"github.com/flowhq/flowhq/tenant/watest"
)

// pgEnv links two tenants on a fresh PostgreSQL database and returns an
// admin connection to that database's server.
func pgEnv(t *testing.T, tune tuning) (e *env, dbURL string, admin *sql.DB) {
	t.Helper()
	dbURL = storetest.PostgresURL(t)
	st := storetest.Open(t, store.Config{DatabaseURL: dbURL, Logger: storetest.Logger(t)})
	e = startEnv(t, st, newServer(t), tune)
	admin, err := sql.Open("pgx", os.Getenv(storetest.EnvDatabaseURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	return e, dbURL, admin
}

// received reports whether the server got a delivery receipt for id.
func received(srv *watest.Server, id string) bool {
	_, ok := srv.ReceiptFor(id)
	return ok
}

// The delivery receipt waits for the IN row's commit: while message_logs is
// locked, no receipt goes out. If the commit takes longer than the handler
// may wait, the handler fails, WhatsApp gets no receipt and delivers the
// message again later; it is then logged once and answered once.
func TestReceiptWaitsForCommit(t *testing.T) {
	t.Parallel()
	e, dbURL, _ := pgEnv(t, func(_ *wa.Options, to *tenant.Options) { to.InboundTimeout = 1500 * time.Millisecond })
	id := e.add("booking")
	acct, dev := e.link(id)
	cust := acct.Customer("+255 711 000 020")

	lockDB, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer lockDB.Close()
	lock := func() *sql.Tx {
		t.Helper()
		tx, err := lockDB.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("LOCK TABLE message_logs IN EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		return tx
	}

	// A short hold-up: the handler waits, the receipt follows the commit.
	tx := lock()
	first := cust.Send("Nataka kuweka miadi kesho")
	time.Sleep(700 * time.Millisecond)
	if received(e.srv, first) {
		t.Fatal("delivery receipt sent while the IN row could not be written")
	}
	unlocked := time.Now()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r, err := e.srv.WaitReceipt(ctxFor(t, 10*time.Second), first)
	if err != nil {
		t.Fatal(err)
	}
	if r.Time.Before(unlocked) {
		t.Fatalf("receipt at %v, before the table was unlocked at %v", r.Time, unlocked)
	}
	if _, err := e.st.GetLogByKey(context.Background(), id, store.DirIn, cust.JID().String(), first); err != nil {
		t.Fatalf("IN row not there when the receipt arrived: %v", err)
	}
	if _, err := cust.WaitReply(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}

	// A long one: the handler gives up; no receipt, no reply.
	e.waitOnline(dev)
	tx = lock()
	second := cust.Send("Na bei ni ngapi?")
	time.Sleep(2500 * time.Millisecond)
	if received(e.srv, second) || len(cust.Received()) != 1 {
		t.Fatal("the message was acknowledged or answered while it could not be stored")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// WhatsApp delivers unacknowledged messages again on the next login.
	time.Sleep(200 * time.Millisecond)
	dev.Drop()
	if _, err := e.srv.WaitReceipt(ctxFor(t, 30*time.Second), second); err != nil {
		t.Fatal(err)
	}
	if _, err := cust.WaitReply(ctxFor(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both replies logged", 10*time.Second, func() bool { return e.count(id, sentReply) == 2 })
	time.Sleep(300 * time.Millisecond)
	if in, out, got := e.count(id, isIn), e.count(id, isReply), len(cust.Received()); in != 2 || out != 2 || got != 2 {
		t.Fatalf("%d IN rows, %d replies logged, %d received by the customer; want 2 each", in, out, got)
	}
	e.waitOnline(dev)
}

// The database goes away while customers write. whatsmeow cannot even
// decrypt (its keys are in the same database): no delivery receipt goes
// out, only a retry receipt asking the sender to send again, and nothing is
// answered. Once the database is back, the phones send again (what WhatsApp
// does on a retry receipt); each message is logged once and answered once,
// and the tenants carry on.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	e, dbURL, admin := pgEnv(t, func(_ *wa.Options, to *tenant.Options) { to.InboundTimeout = time.Second })
	a, b := e.add("booking"), e.add("support")
	acctA, devA := e.link(a)
	acctB, devB := e.link(b)
	custA, custB := acctA.Customer("+255 711 000 030"), acctB.Customer("+255 711 000 031")

	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	exec := func(q string) {
		t.Helper()
		if _, err := admin.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")
	outage := time.Now()

	var idsA, idsB []string
	for i := 0; i < 3; i++ {
		idsA = append(idsA, custA.Send("I would like to book an appointment"))
		idsB = append(idsB, custB.Send("My internet is not working"))
	}
	waitFor(t, "retry receipts", 15*time.Second, func() bool {
		for _, id := range append(append([]string(nil), idsA...), idsB...) {
			retried := false
			for _, r := range e.srv.Receipts(id) {
				retried = retried || r.Type == "retry"
			}
			if !retried {
				return false
			}
		}
		return true
	})
	time.Sleep(500 * time.Millisecond)
	for _, id := range append(append([]string(nil), idsA...), idsB...) {
		if received(e.srv, id) {
			t.Fatalf("delivery receipt for %s while the database was away", id)
		}
	}
	if n := len(custA.Received()) + len(custB.Received()); n != 0 {
		t.Fatalf("%d replies went out while the database was away", n)
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true")
	t.Logf("database away for %s", time.Since(outage).Round(time.Millisecond))

	// The customers' phones answer the retry receipts by sending again.
	ctx := ctxFor(t, 30*time.Second)
	for _, id := range idsA {
		if err := custA.Resend(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range idsB {
		if err := custB.Resend(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range append(append([]string(nil), idsA...), idsB...) {
		if _, err := e.srv.WaitReceipt(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every message answered", 30*time.Second, func() bool {
		return e.count(a, sentReply) == 3 && e.count(b, sentReply) == 3
	})
	time.Sleep(300 * time.Millisecond)
	for _, c := range []struct {
		id   string
		cust *watest.Customer
	}{{a, custA}, {b, custB}} {
		if in, out, got := e.count(c.id, isIn), e.count(c.id, isReply), len(c.cust.Received()); in != 3 || out != 3 || got != 3 {
			t.Fatalf("tenant %s: %d IN rows, %d replies logged, %d received; want 3 each (server errors: %v)", c.id, in, out, got, e.srv.Errors())
		}
	}
	e.waitOnline(devA)
	e.waitOnline(devB)
	e.converse(b, acctB.Customer("+255 711 000 032"), "thanks")
}
