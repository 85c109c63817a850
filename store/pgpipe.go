package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The PostgreSQL fast path of the log writer.
//
// Written the plain way, a batch costs five round trips to the server
// (BEGIN, the customer messages, the replies that depend on them, the
// status updates, COMMIT), each a write and a wake-up on both sides, and
// every statement planned afresh. At the batch sizes of a paced load (a
// few messages per transaction) that overhead cost more than the rows
// themselves. A pipe instead sends the whole batch as one pipeline ending
// in a single Sync: PostgreSQL runs the statements in one implicit
// transaction and commits at the Sync, so the batch is one round trip and
// still all-or-nothing. Messages and the replies that depend on them go in
// one statement, and the statements are prepared once per connection and
// run from their generic plans.
//
// Each writer goroutine owns its pipe and the connection in it, outside
// the shared pool, opened with planner settings for exactly these
// statements (pipeParams). A batch the pipe cannot write in one go (one
// with rows for a tenant that has webhooks, whose outbox entries depend on
// which rows were inserted) takes the transaction path of writer.attempt.
// (The index of tenants with webhooks is read from memory; a webhook added
// while a batch is being written misses that batch on either path.)

// pipeParams are the writer connection's session settings. Generic plans
// are made once, at the first execution on a connection, which on a new
// database is while message_logs is nearly empty: left to its costs the
// planner would then join the status updates to message_logs by scanning
// the whole table, and keep that plan as the table grows. Seq scans, hash
// and merge joins are priced out so that every plan made here looks rows
// up by index, which is right for any table size since a batch touches at
// most a few thousand rows.
var pipeParams = map[string]string{
	"plan_cache_mode":  "force_generic_plan",
	"enable_seqscan":   "off",
	"enable_hashjoin":  "off",
	"enable_mergejoin": "off",
}

// pipe is one writer goroutine's connection for pipelined batches.
type pipe struct {
	cfg  *pgx.ConnConfig
	conn *pgx.Conn // nil until first used, and after a failure
}

func newPipe(url string) (*pipe, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: writer connection: %w", err)
	}
	for k, v := range pipeParams {
		cfg.RuntimeParams[k] = v
	}
	return &pipe{cfg: cfg}, nil
}

func (p *pipe) close() {
	if p != nil && p.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.conn.Close(ctx)
		p.conn = nil
	}
}

func (p *pipe) connect(ctx context.Context) (*pgx.Conn, error) {
	if p.conn != nil && !p.conn.IsClosed() {
		return p.conn, nil
	}
	p.conn = nil
	conn, err := pgx.ConnectConfig(ctx, p.cfg.Copy())
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	p.conn = conn
	return conn, nil
}

// pipeTakes reports whether a pipe can write b on its own: no row or
// update of b belongs to a tenant with webhooks.
func (s *Store) pipeTakes(ctx context.Context, b *batch) (bool, error) {
	hooks, err := s.hookMap(ctx, s.sqlDB)
	if err != nil {
		return false, fmt.Errorf("webhooks: %w", err)
	}
	if len(hooks) == 0 {
		return true, nil
	}
	for _, r := range b.rows {
		if _, ok := hooks[r.TenantID]; ok {
			return false, nil
		}
	}
	for _, u := range b.ups {
		if _, ok := hooks[u.TenantID]; ok {
			return false, nil
		}
	}
	return true, nil
}

// pgPipeInsertSQL inserts a batch's rows and enters the pending replies
// among them in pending_replies, in one statement. Rows with dep set
// depend on another row of the batch (their reply_to): they are inserted
// only if that row was, after all rows without dep.
const pgPipeInsertSQL = `WITH v AS (
	SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::timestamptz[], $15::timestamptz[],
		$16::bool[]) AS v(` + logColumns + `, dep)
), p AS (
	INSERT INTO message_logs (` + logColumns + `)
	SELECT ` + logColumns + ` FROM v WHERE NOT dep` +
	logConflict + ` RETURNING id, tenant_id, direction, status, created_at
), c AS (
	INSERT INTO message_logs (` + logColumns + `)
	SELECT ` + logColumns + ` FROM v WHERE dep AND reply_to IN (SELECT id FROM p)` +
	logConflict + ` RETURNING id, tenant_id, direction, status, created_at
), ins AS (
	SELECT * FROM p UNION ALL SELECT * FROM c
), pend AS (
	INSERT INTO pending_replies (id, tenant_id, created_at)
	SELECT id, tenant_id, created_at FROM ins WHERE direction = 'OUT' AND status = 'pending'
)
SELECT id FROM ins`

// pgChatsSQL enters new chats (see touchChats).
const pgChatsSQL = `INSERT INTO chats (tenant_id, chat, created_at)
	SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
	ON CONFLICT (tenant_id, chat) DO NOTHING`

// attempt writes b in one round trip. As with writer.attempt, ambiguous
// reports a failure after which the batch may or may not be committed:
// any failure other than an error reported by the server, which means the
// implicit transaction was rolled back.
// pipeResult is what a committed pipelined batch did.
type pipeResult struct {
	inserted map[int64]struct{} // ids of the rows inserted
	newChats []newChat          // chats entered
	matched  int64              // rows the status updates found
}

func (p *pipe) attempt(ctx context.Context, s *Store, b *batch) (res pipeResult, ambiguous bool, err error) {
	conn, err := p.connect(ctx)
	if err != nil {
		return res, false, err
	}
	q := &pgx.Batch{}
	res.newChats = s.newChats(b.rows)
	if len(res.newChats) > 0 {
		q.Queue(pgChatsSQL, chatArgs(res.newChats)...)
	}
	if len(b.rows) > 0 {
		q.Queue(pgPipeInsertSQL, pipeInsertArgs(b)...)
	}
	if len(b.ups) > 0 {
		q.Queue(pgUpdateSQL, updateArgs(b.ups, b.upAt)...)
	}
	br := conn.SendBatch(ctx, q)
	err = readPipe(br, b, &res)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && !conn.IsClosed() {
			return pipeResult{}, false, err
		}
		p.close()
		return pipeResult{}, true, err
	}
	return res, false, nil
}

func readPipe(br pgx.BatchResults, b *batch, res *pipeResult) error {
	if len(res.newChats) > 0 {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("chats: %w", err)
		}
	}
	res.inserted = make(map[int64]struct{}, len(b.rows))
	if len(b.rows) > 0 {
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("insert %d logs: %w", len(b.rows), err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("insert %d logs: %w", len(b.rows), err)
			}
			res.inserted[id] = struct{}{}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("insert %d logs: %w", len(b.rows), err)
		}
	}
	if len(b.ups) > 0 {
		if err := br.QueryRow().Scan(&res.matched); err != nil {
			return fmt.Errorf("update %d logs: %w", len(b.ups), err)
		}
	}
	return nil
}

// pipeInsertArgs binds b's rows for pgPipeInsertSQL, in key order: two
// writers inserting the same keys then take the unique index's locks in
// the same order and cannot deadlock.
func pipeInsertArgs(b *batch) []any {
	order := make([]int, len(b.rows))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		x, y := b.rows[i], b.rows[j]
		return cmp.Or(strings.Compare(x.TenantID, y.TenantID), strings.Compare(x.Direction, y.Direction),
			strings.Compare(x.Chat, y.Chat), strings.Compare(x.WAMessageID, y.WAMessageID))
	})
	n := len(b.rows)
	var (
		ids                                   = make([]int64, n)
		tenant, dir, chat, from, to, text, wa = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		intent, status, source, errs          = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		replyTo                               = make([]*int64, n)
		created, updated                      = make([]time.Time, n), make([]time.Time, n)
		dep                                   = make([]bool, n)
	)
	for i, k := range order {
		m := b.rows[k]
		ids[i], tenant[i], dir[i], chat[i] = m.ID, m.TenantID, m.Direction, m.Chat
		from[i], to[i], text[i], wa[i] = m.FromNumber, m.ToNumber, m.MessageText, m.WAMessageID
		intent[i], status[i], source[i], errs[i] = m.Intent, m.Status, m.Source, m.Error
		replyTo[i], created[i], updated[i] = m.ReplyTo, m.CreatedAt, m.UpdatedAt
		dep[i] = b.parent != nil && b.parent[k] >= 0
	}
	return []any{ids, tenant, dir, chat, from, to, text, wa, intent, status, source, errs, replyTo, created, updated, dep}
}

func updateArgs(ups []StatusUpdate, at []time.Time) []any {
	n := len(ups)
	tenant, ids, status, errs := make([]string, n), make([]int64, n), make([]string, n), make([]string, n)
	for i, u := range ups {
		tenant[i], ids[i], status[i], errs[i] = u.TenantID, u.ID, u.Status, u.Error
	}
	return []any{tenant, ids, status, errs, at}
}
