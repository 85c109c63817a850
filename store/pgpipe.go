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
// every statement planned afresh, an overhead that counts most at the
// small batches of a moderate load (a few messages per transaction). A
// pipe instead sends the whole batch as one pipeline ending
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

	// Reused from batch to batch: the encoded parameters and the order of
	// the rows.
	arena  []byte
	params [][]byte
	order  []int
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

// The pipe's prepared statements.
var pipeStatements = []struct{ name, sql string }{
	{"flowhq_chats", pgChatsSQL},
	{"flowhq_insert", pgPipeInsertSQL},
	{"flowhq_update", pgUpdateSQL},
}

// warm connects ahead of the first batch, so that the first messages do
// not wait for it. A failure is left for the first batch to meet again.
func (p *pipe) warm() {
	if p == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = p.connect(ctx)
}

// connect returns the pipe's connection, opening it and preparing the
// statements if needed.
func (p *pipe) connect(ctx context.Context) (*pgconn.PgConn, error) {
	if p.conn != nil && !p.conn.IsClosed() {
		return p.conn.PgConn(), nil
	}
	p.conn = nil
	conn, err := pgx.ConnectConfig(ctx, p.cfg.Copy())
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	for _, st := range pipeStatements {
		if _, err := conn.PgConn().Prepare(ctx, st.name, st.sql, nil); err != nil {
			_ = conn.Close(ctx)
			return nil, fmt.Errorf("prepare %s: %w", st.name, err)
		}
	}
	p.conn = conn
	return conn.PgConn(), nil
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

// pipeResult is what a committed pipelined batch did.
type pipeResult struct {
	inserted map[int64]struct{} // ids of the rows inserted
	newChats []newChat          // chats entered
	matched  int64              // rows the status updates found
}

// Parameters and results travel in PostgreSQL's binary format, encoded
// here into one reused buffer (pgbinary.go): through pgx's generic encoders
// the parameters of a batch cost about 4 kB of garbage per message, a
// third of all Flow HQ allocated under load.
var binaryFormat = []int16{1} // for every parameter, or every result column

// attempt writes b in one round trip. As with writer.attempt, ambiguous
// reports a failure after which the batch may or may not be committed:
// any failure other than an error reported by the server, which means the
// implicit transaction was rolled back.
func (p *pipe) attempt(ctx context.Context, s *Store, b *batch) (res pipeResult, ambiguous bool, err error) {
	conn, err := p.connect(ctx)
	if err != nil {
		return res, false, err
	}
	p.arena, p.params = p.arena[:0], p.params[:0]
	q := &pgconn.Batch{}
	res.newChats = s.newChats(b.rows)
	if len(res.newChats) > 0 {
		q.ExecPrepared("flowhq_chats", p.chatParams(res.newChats), binaryFormat, nil)
	}
	if len(b.rows) > 0 {
		q.ExecPrepared("flowhq_insert", p.insertParams(b), binaryFormat, binaryFormat)
	}
	if len(b.ups) > 0 {
		q.ExecPrepared("flowhq_update", p.updateParams(b.ups, b.upAt), binaryFormat, binaryFormat)
	}
	mrr := conn.ExecBatch(ctx, q)
	err = readPipe(mrr, b, &res)
	if cerr := mrr.Close(); err == nil {
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

// readPipe reads the results of the statements attempt queued, in order.
// It stops at the first error; the reader's Close reports it too.
func readPipe(mrr *pgconn.MultiResultReader, b *batch, res *pipeResult) error {
	next := func(what string) (*pgconn.ResultReader, error) {
		if !mrr.NextResult() {
			if err := mrr.Close(); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			return nil, fmt.Errorf("%s: no result", what)
		}
		return mrr.ResultReader(), nil
	}
	if len(res.newChats) > 0 {
		rr, err := next("chats")
		if err != nil {
			return err
		}
		if _, err := rr.Close(); err != nil {
			return fmt.Errorf("chats: %w", err)
		}
	}
	res.inserted = make(map[int64]struct{}, len(b.rows))
	if len(b.rows) > 0 {
		what := fmt.Sprintf("insert %d logs", len(b.rows))
		rr, err := next(what)
		if err != nil {
			return err
		}
		for rr.NextRow() {
			id, err := int8Value(rr.Values())
			if err != nil {
				_, _ = rr.Close()
				return fmt.Errorf("%s: %w", what, err)
			}
			res.inserted[id] = struct{}{}
		}
		if _, err := rr.Close(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if len(b.ups) > 0 {
		what := fmt.Sprintf("update %d logs", len(b.ups))
		rr, err := next(what)
		if err != nil {
			return err
		}
		var rows int
		for rr.NextRow() {
			if res.matched, err = int8Value(rr.Values()); err != nil {
				_, _ = rr.Close()
				return fmt.Errorf("%s: %w", what, err)
			}
			rows++
		}
		if _, err := rr.Close(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if rows != 1 {
			return fmt.Errorf("%s: %d result rows", what, rows)
		}
	}
	return nil
}

// chatParams encodes chats for pgChatsSQL.
func (p *pipe) chatParams(chats []newChat) [][]byte {
	e := p.encoder()
	e.texts(len(chats), func(i int) string { return chats[i].tenant })
	e.texts(len(chats), func(i int) string { return chats[i].chat })
	e.times(len(chats), func(i int) time.Time { return chats[i].at })
	return p.finish(e)
}

// insertParams encodes b's rows for pgPipeInsertSQL, in key order: two
// writers inserting the same keys then take the unique index's locks in
// the same order and cannot deadlock.
func (p *pipe) insertParams(b *batch) [][]byte {
	order := p.order[:0]
	for i := range b.rows {
		order = append(order, i)
	}
	slices.SortFunc(order, func(i, j int) int {
		x, y := b.rows[i], b.rows[j]
		return cmp.Or(strings.Compare(x.TenantID, y.TenantID), strings.Compare(x.Direction, y.Direction),
			strings.Compare(x.Chat, y.Chat), strings.Compare(x.WAMessageID, y.WAMessageID))
	})
	p.order = order
	n := len(order)
	row := func(i int) *MessageLog { return b.rows[order[i]] }
	e := p.encoder()
	e.int8s(n, func(i int) (int64, bool) { return row(i).ID, true })
	e.texts(n, func(i int) string { return row(i).TenantID })
	e.texts(n, func(i int) string { return row(i).Direction })
	e.texts(n, func(i int) string { return row(i).Chat })
	e.texts(n, func(i int) string { return row(i).FromNumber })
	e.texts(n, func(i int) string { return row(i).ToNumber })
	e.texts(n, func(i int) string { return row(i).MessageText })
	e.texts(n, func(i int) string { return row(i).WAMessageID })
	e.texts(n, func(i int) string { return row(i).Intent })
	e.texts(n, func(i int) string { return row(i).Status })
	e.texts(n, func(i int) string { return row(i).Source })
	e.texts(n, func(i int) string { return row(i).Error })
	e.int8s(n, func(i int) (int64, bool) {
		if r := row(i).ReplyTo; r != nil {
			return *r, true
		}
		return 0, false
	})
	e.times(n, func(i int) time.Time { return row(i).CreatedAt })
	e.times(n, func(i int) time.Time { return row(i).UpdatedAt })
	e.bools(n, func(i int) bool { return b.parent != nil && b.parent[order[i]] >= 0 })
	return p.finish(e)
}

// updateParams encodes status updates for pgUpdateSQL.
func (p *pipe) updateParams(ups []StatusUpdate, at []time.Time) [][]byte {
	n := len(ups)
	e := p.encoder()
	e.texts(n, func(i int) string { return ups[i].TenantID })
	e.int8s(n, func(i int) (int64, bool) { return ups[i].ID, true })
	e.texts(n, func(i int) string { return ups[i].Status })
	e.texts(n, func(i int) string { return ups[i].Error })
	e.times(n, func(i int) time.Time { return at[i] })
	return p.finish(e)
}

// encoder starts the parameters of one statement in the pipe's arena.
func (p *pipe) encoder() *arrayEncoder {
	return &arrayEncoder{buf: p.arena, start: len(p.arena)}
}

// finish takes the statement's parameters out of e and keeps its buffer.
func (p *pipe) finish(e *arrayEncoder) [][]byte {
	p.arena = e.buf
	first := len(p.params)
	for _, end := range e.ends {
		p.params = append(p.params, p.arena[e.start:end:end])
		e.start = end
	}
	return p.params[first:]
}

func updateArgs(ups []StatusUpdate, at []time.Time) []any {
	n := len(ups)
	tenant, ids, status, errs := make([]string, n), make([]int64, n), make([]string, n), make([]string, n)
	for i, u := range ups {
		tenant[i], ids[i], status[i], errs[i] = u.TenantID, u.ID, u.Status, u.Error
	}
	return []any{tenant, ids, status, errs, at}
}
