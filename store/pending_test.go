package store_test

import (
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// pendingIDs lists a tenant's pending replies.
func pendingIDs(t *testing.T, s *store.Store, tenant string) []int64 {
	t.Helper()
	p, err := s.PendingReplies(ctxT(t), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return logIDs(p)
}

// A reply is pending from the commit that writes it until a status update
// moves it on; duplicates and rows that were never inserted never are.
func TestPendingRepliesFollowStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")

		// A message and its pending reply, committed together.
		msg := in(a.ID, "c1", "i1", "hi")
		reply := out(a.ID, "c1", "o1", "hello", nil)
		commit(t, s, store.Op{Insert: msg}, store.Op{Insert: reply, Parent: msg})
		// Delivered again: the message is a duplicate, so is its reply.
		dupMsg := in(a.ID, "c1", "i1", "hi")
		dupReply := out(a.ID, "c1", "o1-again", "hello", nil)
		commit(t, s, store.Op{Insert: dupMsg}, store.Op{Insert: dupReply, Parent: dupMsg})
		if dupMsg.ID != 0 || dupReply.ID != 0 {
			t.Fatalf("duplicate written: %d, %d", dupMsg.ID, dupReply.ID)
		}
		// Suppressed and sent-at-insert rows are not pending.
		commit(t, s, store.Op{Insert: &store.MessageLog{TenantID: a.ID, Direction: store.DirOut, Chat: "c2",
			Status: store.StatusSuppressed, Source: store.SourceBot}})
		other := out(b.ID, "c1", "o1", "x", nil)
		commit(t, s, store.Op{Insert: other})
		if got := pendingIDs(t, s, a.ID); !equalIDs(got, []int64{reply.ID}) {
			t.Fatalf("pending %v, want %v", got, []int64{reply.ID})
		}

		// An update that names the wrong tenant matches nothing and
		// leaves the entry alone.
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: b.ID, ID: reply.ID, Status: store.StatusSent}})
		if got := pendingIDs(t, s, a.ID); !equalIDs(got, []int64{reply.ID}) {
			t.Fatalf("after a foreign update: pending %v", got)
		}
		// Sent: no longer pending. Failed: likewise.
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: a.ID, ID: reply.ID, Status: store.StatusSent}})
		if got := pendingIDs(t, s, a.ID); len(got) != 0 {
			t.Fatalf("after sent: pending %v", got)
		}
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: b.ID, ID: other.ID, Status: store.StatusFailed, Error: "x"}})
		if got := pendingIDs(t, s, b.ID); len(got) != 0 {
			t.Fatalf("after failed: pending %v", got)
		}
		// An update that keeps a row pending keeps it listed.
		again := out(a.ID, "c3", "o3", "later", nil)
		commit(t, s, store.Op{Insert: again})
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: a.ID, ID: again.ID, Status: store.StatusPending, Error: "retrying"}})
		if got := pendingIDs(t, s, a.ID); !equalIDs(got, []int64{again.ID}) {
			t.Fatalf("after a pending update: pending %v", got)
		}

		// Deleting a tenant, even keeping its logs, leaves nothing to send.
		if err := s.DeleteTenant(ctxT(t), a.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := pendingIDs(t, s, a.ID); len(got) != 0 {
			t.Fatalf("deleted tenant still has pending replies %v", got)
		}
	})
}

// Migration 10 carries the replies already pending into pending_replies.
func TestPendingRepliesMigrationBackfills(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		s, err := store.Open(ctxT(t), cfg)
		if err != nil {
			t.Fatal(err)
		}
		a := newTenant(t, s, "A", "")
		p := out(a.ID, "c1", "o1", "hello", nil)
		sent := out(a.ID, "c2", "o2", "hello", nil)
		commit(t, s, store.Op{Insert: p}, store.Op{Insert: sent})
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: a.ID, ID: sent.ID, Status: store.StatusSent}})
		// Take the schema back to version 9.
		for _, q := range []string{
			`DROP TABLE pending_replies`,
			`CREATE INDEX message_logs_pending_idx ON message_logs (tenant_id, created_at, id) WHERE status = 'pending'`,
			`DELETE FROM schema_migrations WHERE version >= 10`, // and the later ones, which apply again harmlessly
		} {
			if _, err := s.SQLDB().ExecContext(ctxT(t), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = storetest.Open(t, cfg)
		if got := pendingIDs(t, s, a.ID); !equalIDs(got, []int64{p.ID}) {
			t.Fatalf("after migrating: pending %v, want %v", got, []int64{p.ID})
		}
	})
}

// On PostgreSQL message_logs leaves half of each page free, so marking a
// reply sent stays a heap-only update (migration 11), and the text keys of
// the log's indexes compare bytes (migration 12), also when a query joins
// them with a column of the database's default collation.
func TestPostgresLogStorage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() != store.DialectPostgres {
			t.Skip("PostgreSQL storage settings")
		}
		db := s.SQLDB()
		var opts string
		err := db.QueryRowContext(ctxT(t),
			`SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'message_logs'`).Scan(&opts)
		if err != nil {
			t.Fatal(err)
		}
		if opts != "fillfactor=50" {
			t.Fatalf("message_logs options %q, want fillfactor=50", opts)
		}
		rows, err := db.QueryContext(ctxT(t), `SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_name IN ('message_logs', 'pending_replies') AND collation_name = 'C' ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := "message_logs.chat message_logs.direction message_logs.tenant_id message_logs.wa_message_id pending_replies.tenant_id"
		if got := strings.Join(cols, " "); got != want {
			t.Fatalf("byte-order columns %q, want %q", got, want)
		}
		// A chat page joins chats (default collation) with message_logs.
		a := newTenant(t, s, "A", "")
		msg := in(a.ID, "c1", "i1", "hi")
		commit(t, s, store.Op{Insert: msg})
		chats, err := s.ListChats(ctxT(t), a.ID, store.ListChatsOptions{Limit: 10})
		if err != nil || len(chats) != 1 || chats[0].Chat != "c1" {
			t.Fatalf("chats %+v, %v", chats, err)
		}
	})
}
