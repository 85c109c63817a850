package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// This file holds the read-only queries behind the admin dashboard: the
// tenant list joined with worker and session state, message counts for
// "today" and the last 24 hours, and the tenants that need attention.
//
// Message counts rely on the time-ordered log ids (see MessageLog): every
// row committed at or after time t has id >= t.UnixMilli() << 20, so "rows
// since t" is an id range served by the primary key or by
// message_logs_tenant_idx, never a scan of created_at.

// logIDFloor is the smallest log id the writer can assign at or after t.
func logIDFloor(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli() << 20
}

// TenantRow is a tenant as the dashboard lists it.
type TenantRow struct {
	Tenant
	WorkerStatus  string
	LastError     string
	Restarts      int
	StartedAt     *time.Time
	SessionState  string
	SessionReason string
	LastSeenAt    *time.Time
	InToday       int64 // IN rows since TenantRowsOptions.Since
	OutToday      int64 // OUT rows since TenantRowsOptions.Since (any status)
}

// Why a tenant needs attention; "" when it does not.
const (
	AttentionError     = "error"
	AttentionStale     = "stale"
	AttentionLoggedOut = "logged out"
	AttentionBanned    = "banned"
	AttentionBackoff   = "restarting"
)

// Attention says why the tenant needs an operator, if it does. staleBefore
// is the heartbeat cut-off: a running worker whose session was last seen
// before it (and that started before it) is stale.
func (r TenantRow) Attention(staleBefore time.Time) string {
	switch {
	case strings.HasPrefix(r.SessionReason, bannedPrefix):
		return AttentionBanned
	case r.SessionState == SessionLoggedOut:
		return AttentionLoggedOut
	case r.WorkerStatus == WorkerError && strings.HasPrefix(r.LastError, "stale"):
		return AttentionStale
	case r.Status == TenantError || r.WorkerStatus == WorkerError:
		return AttentionError
	case r.WorkerStatus == WorkerBackoff:
		return AttentionBackoff
	case r.WorkerStatus == WorkerRunning && r.StartedAt != nil && r.StartedAt.Before(staleBefore) &&
		(r.LastSeenAt == nil || r.LastSeenAt.Before(staleBefore)):
		return AttentionStale
	}
	return ""
}

// bannedPrefix starts the session reason the actor writes during a
// temporary ban.
const bannedPrefix = "temporarily banned"

// TenantRowsOptions filters and pages ListTenantRows. The three state
// filters combine with AND.
type TenantRowsOptions struct {
	Query        string    // case-insensitive substring of name, phone number or id
	TenantStatus string    // exact tenant status; "" = any
	WorkerStatus string    // exact worker status; "" = any
	SessionState string    // exact session state; "" = any
	Attention    bool      // only tenants that need attention (see TenantRow.Attention)
	StaleBefore  time.Time // heartbeat cut-off for Attention
	Since        time.Time // start of the period InToday/OutToday count; zero = all time
	Limit        int       // default 25, at most 500
	Offset       int
}

const tenantRowColumns = `t.id, t.name, t.phone_number, t.status, t.created_at, t.updated_at,
	COALESCE(w.status, '') AS worker_status, COALESCE(w.last_error, '') AS last_error,
	COALESCE(w.restarts, 0) AS restarts, w.started_at,
	COALESCE(s.state, '') AS session_state, COALESCE(s.reason, '') AS session_reason, s.last_seen_at`

const tenantRowFrom = ` FROM tenants t
	LEFT JOIN workers w ON w.tenant_id = t.id
	LEFT JOIN whatsapp_sessions s ON s.tenant_id = t.id`

// tenantRowScan is one row of tenantRowColumns.
type tenantRowScan struct {
	ID            string     `gorm:"column:id"`
	Name          string     `gorm:"column:name"`
	PhoneNumber   string     `gorm:"column:phone_number"`
	Status        string     `gorm:"column:status"`
	CreatedAt     time.Time  `gorm:"column:created_at"`
	UpdatedAt     time.Time  `gorm:"column:updated_at"`
	WorkerStatus  string     `gorm:"column:worker_status"`
	LastError     string     `gorm:"column:last_error"`
	Restarts      int        `gorm:"column:restarts"`
	StartedAt     *time.Time `gorm:"column:started_at"`
	SessionState  string     `gorm:"column:session_state"`
	SessionReason string     `gorm:"column:session_reason"`
	LastSeenAt    *time.Time `gorm:"column:last_seen_at"`
}

func (r tenantRowScan) row() TenantRow {
	return TenantRow{
		Tenant: Tenant{ID: r.ID, Name: r.Name, PhoneNumber: r.PhoneNumber, Status: r.Status,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()},
		WorkerStatus: r.WorkerStatus, LastError: r.LastError, Restarts: r.Restarts, StartedAt: utcPtr(r.StartedAt),
		SessionState: r.SessionState, SessionReason: r.SessionReason, LastSeenAt: utcPtr(r.LastSeenAt),
	}
}

// attentionSQL is the SQL form of TenantRow.Attention; it takes the stale
// cut-off twice.
const attentionSQL = `(t.status = 'ERROR' OR w.status IN ('ERROR', 'BACKOFF') OR s.state = 'LOGGED_OUT'
	OR s.reason LIKE 'temporarily banned%'
	OR (w.status = 'RUNNING' AND w.started_at < ? AND (s.last_seen_at IS NULL OR s.last_seen_at < ?)))`

// ListTenantRows returns one page of tenants, newest first, joined with
// their worker and session state and today's message counts, and the number
// of tenants matching the filters.
func (s *Store) ListTenantRows(ctx context.Context, opts TenantRowsOptions) ([]TenantRow, int64, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 25
	}
	limit = min(limit, 500)
	var where []string
	var args []any
	if opts.Query != "" {
		pat := strings.ToLower(likePattern(opts.Query))
		where = append(where, `(LOWER(t.name) LIKE ? ESCAPE '\' OR t.phone_number LIKE ? ESCAPE '\' OR LOWER(t.id) LIKE ? ESCAPE '\')`)
		args = append(args, pat, likePattern(opts.Query), pat)
	}
	if opts.TenantStatus != "" {
		where = append(where, "t.status = ?")
		args = append(args, opts.TenantStatus)
	}
	if opts.WorkerStatus != "" {
		where = append(where, "w.status = ?")
		args = append(args, opts.WorkerStatus)
	}
	if opts.SessionState != "" {
		where = append(where, "s.state = ?")
		args = append(args, opts.SessionState)
	}
	if opts.Attention {
		cut := stamp(opts.StaleBefore)
		where = append(where, attentionSQL)
		args = append(args, cut, cut)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	db := s.db.WithContext(ctx)

	var total int64
	countQ := `SELECT COUNT(*) FROM tenants t` + cond
	if opts.WorkerStatus != "" || opts.SessionState != "" || opts.Attention {
		countQ = `SELECT COUNT(*)` + tenantRowFrom + cond
	}
	if err := db.Raw(countQ, args...).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: list tenant rows: count: %w", err)
	}
	var scans []tenantRowScan
	q := `SELECT ` + tenantRowColumns + tenantRowFrom + cond +
		` ORDER BY t.created_at DESC, t.id DESC LIMIT ? OFFSET ?`
	if err := db.Raw(q, append(args, limit, max(opts.Offset, 0))...).Scan(&scans).Error; err != nil {
		return nil, 0, fmt.Errorf("store: list tenant rows: %w", err)
	}
	rows := make([]TenantRow, len(scans))
	for i, r := range scans {
		rows[i] = r.row()
	}
	if err := s.fillTodayCounts(ctx, rows, opts.Since); err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// GetTenantRows returns the rows of the given tenants (missing ids are
// left out), in no particular order, with message counts since since. At
// most 500 ids.
func (s *Store) GetTenantRows(ctx context.Context, ids []string, since time.Time) ([]TenantRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > 500 {
		return nil, fmt.Errorf("store: get tenant rows: %w: %d ids (at most 500)", ErrInvalid, len(ids))
	}
	var scans []tenantRowScan
	q := `SELECT ` + tenantRowColumns + tenantRowFrom + ` WHERE t.id IN ?`
	if err := s.db.WithContext(ctx).Raw(q, ids).Scan(&scans).Error; err != nil {
		return nil, fmt.Errorf("store: get tenant rows: %w", err)
	}
	rows := make([]TenantRow, len(scans))
	for i, r := range scans {
		rows[i] = r.row()
	}
	if err := s.fillTodayCounts(ctx, rows, since); err != nil {
		return nil, err
	}
	return rows, nil
}

// GetTenantRow returns one tenant's row, or ErrNotFound.
func (s *Store) GetTenantRow(ctx context.Context, id string, since time.Time) (TenantRow, error) {
	rows, err := s.GetTenantRows(ctx, []string{id}, since)
	if err != nil {
		return TenantRow{}, err
	}
	if len(rows) == 0 {
		return TenantRow{}, fmt.Errorf("store: get tenant row %s: %w", id, ErrNotFound)
	}
	return rows[0], nil
}

// TodayCountCap bounds the per-tenant message counts of the tenant list
// and the tenant page: a count above it is reported as TodayCountCap+1
// (shown as "10,000+"), so a very busy tenant never slows a page down.
const TodayCountCap = 10000

// countChunk is how many tenants one capped-count statement covers.
const countChunk = 50

// fillTodayCounts sets InToday and OutToday of rows, each capped at
// TodayCountCap+1: one statement per chunk of tenants, made of one small
// index-only count per tenant and direction over message_logs_tenant_idx
// (tenant_id, id, direction).
func (s *Store) fillTodayCounts(ctx context.Context, rows []TenantRow, since time.Time) error {
	floor := logIDFloor(since)
	for start := 0; start < len(rows); start += countChunk {
		chunk := rows[start:min(start+countChunk, len(rows))]
		ids := make([]string, len(chunk))
		for i, r := range chunk {
			ids[i] = r.ID
		}
		counts, err := s.cappedCounts(ctx, ids, floor)
		if err != nil {
			return err
		}
		for i := range chunk {
			chunk[i].InToday, chunk[i].OutToday = counts[i][0], counts[i][1]
		}
	}
	return nil
}

// cappedCounts counts IN and OUT rows with id >= floor for each tenant,
// each count stopping at TodayCountCap+1.
func (s *Store) cappedCounts(ctx context.Context, ids []string, floor int64) ([][2]int64, error) {
	var q strings.Builder
	args := make([]any, 0, len(ids)*6)
	for i, id := range ids {
		for d, dir := range []string{DirIn, DirOut} {
			if i > 0 || d > 0 {
				q.WriteString(" UNION ALL ")
			}
			q.WriteString(`SELECT CAST(? AS INTEGER) AS k, (SELECT COUNT(*) FROM (SELECT 1 FROM message_logs
				WHERE tenant_id = ? AND direction = ? AND id >= ? LIMIT ?) c) AS n`)
			args = append(args, i*2+d, id, dir, floor, TodayCountCap+1)
		}
	}
	var res []struct {
		K int   `gorm:"column:k"`
		N int64 `gorm:"column:n"`
	}
	if err := s.db.WithContext(ctx).Raw(q.String(), args...).Scan(&res).Error; err != nil {
		return nil, fmt.Errorf("store: count today's messages: %w", err)
	}
	out := make([][2]int64, len(ids))
	for _, r := range res {
		if r.K >= 0 && r.K < 2*len(ids) {
			out[r.K/2][r.K%2] = r.N
		}
	}
	return out, nil
}

// CountTenantMessagesSince counts one tenant's IN and OUT rows committed
// since since, each capped at TodayCountCap+1.
func (s *Store) CountTenantMessagesSince(ctx context.Context, tenantID string, since time.Time) (in, out int64, err error) {
	c, err := s.cappedCounts(ctx, []string{tenantID}, logIDFloor(since))
	if err != nil {
		return 0, 0, err
	}
	return c[0][0], c[0][1], nil
}

// StateCounts are how many tenants, workers and sessions are in each state.
type StateCounts struct {
	Tenants  map[string]int64
	Workers  map[string]int64
	Sessions map[string]int64
	Total    int64 // tenants
}

// CountStates counts tenants by status, workers by status and sessions by
// state.
func (s *Store) CountStates(ctx context.Context) (StateCounts, error) {
	out := StateCounts{Tenants: map[string]int64{}, Workers: map[string]int64{}, Sessions: map[string]int64{}}
	for _, q := range []struct {
		sql string
		dst map[string]int64
	}{
		{`SELECT status AS k, COUNT(*) AS n FROM tenants GROUP BY status`, out.Tenants},
		{`SELECT status AS k, COUNT(*) AS n FROM workers GROUP BY status`, out.Workers},
		{`SELECT state AS k, COUNT(*) AS n FROM whatsapp_sessions GROUP BY state`, out.Sessions},
	} {
		var rows []struct {
			K string `gorm:"column:k"`
			N int64  `gorm:"column:n"`
		}
		if err := s.db.WithContext(ctx).Raw(q.sql).Scan(&rows).Error; err != nil {
			return StateCounts{}, fmt.Errorf("store: count states: %w", err)
		}
		for _, r := range rows {
			q.dst[r.K] = r.N
		}
	}
	for _, n := range out.Tenants {
		out.Total += n
	}
	return out, nil
}

// MessageCounts are message log rows by direction and status.
type MessageCounts map[string]map[string]int64

// Get returns the count for direction and status ("" = every status).
func (m MessageCounts) Get(direction, status string) int64 {
	if status != "" {
		return m[direction][status]
	}
	var n int64
	for _, v := range m[direction] {
		n += v
	}
	return n
}

// CountMessagesSince counts the log rows committed since since, by
// direction and status; tenantID "" counts every tenant. It reads every
// such row (an index range scan), so it suits the overview's totals;
// per-tenant pages use CountTenantMessagesSince.
func (s *Store) CountMessagesSince(ctx context.Context, tenantID string, since time.Time) (MessageCounts, error) {
	q := `SELECT direction, status, COUNT(*) AS n FROM message_logs WHERE id >= ?`
	args := []any{logIDFloor(since)}
	if tenantID != "" {
		q = `SELECT direction, status, COUNT(*) AS n FROM message_logs
			WHERE tenant_id = ? AND direction IN ('IN', 'OUT') AND id >= ?`
		args = []any{tenantID, logIDFloor(since)}
	}
	var rows []struct {
		Direction string `gorm:"column:direction"`
		Status    string `gorm:"column:status"`
		N         int64  `gorm:"column:n"`
	}
	if err := s.db.WithContext(ctx).Raw(q+` GROUP BY direction, status`, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: count messages: %w", err)
	}
	out := MessageCounts{}
	for _, r := range rows {
		if out[r.Direction] == nil {
			out[r.Direction] = map[string]int64{}
		}
		out[r.Direction][r.Status] += r.N
	}
	return out, nil
}

// HourCount is the traffic of one hour.
type HourCount struct {
	Start      time.Time
	In, Out    int64
	Suppressed int64 // OUT rows the rate limiter held back
}

// MessagesPerHour returns hours buckets of one hour each, the first
// starting at from, counting log rows by the time they were committed.
func (s *Store) MessagesPerHour(ctx context.Context, from time.Time, hours int) ([]HourCount, error) {
	if hours <= 0 || hours > 24*31 {
		return nil, fmt.Errorf("store: messages per hour: %w: %d hours", ErrInvalid, hours)
	}
	out := make([]HourCount, hours)
	for i := range out {
		out[i].Start = from.Add(time.Duration(i) * time.Hour)
	}
	fromMs := from.UnixMilli()
	var rows []struct {
		Bucket    int64  `gorm:"column:bucket"`
		Direction string `gorm:"column:direction"`
		Status    string `gorm:"column:status"`
		N         int64  `gorm:"column:n"`
	}
	// (id >> 20) is the commit time in Unix milliseconds.
	q := `SELECT ((id / 1048576) - ?) / 3600000 AS bucket, direction, status, COUNT(*) AS n
		FROM message_logs WHERE id >= ? AND id < ?
		GROUP BY 1, 2, 3`
	end := from.Add(time.Duration(hours) * time.Hour)
	if err := s.db.WithContext(ctx).Raw(q, fromMs, logIDFloor(from), logIDFloor(end)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: messages per hour: %w", err)
	}
	for _, r := range rows {
		if r.Bucket < 0 || r.Bucket >= int64(hours) {
			continue
		}
		b := &out[r.Bucket]
		switch {
		case r.Direction == DirIn:
			b.In += r.N
		case r.Status == StatusSuppressed:
			b.Suppressed += r.N
		default:
			b.Out += r.N
		}
	}
	return out, nil
}

// SearchWindow is how many of a tenant's rows SearchLogs examines per call.
const SearchWindow = 20000

// SearchLogs is ListLogs for a text search, with bounded work: it examines
// at most window rows (newest first, below opts.BeforeID, of the direction
// if set; default SearchWindow) and returns the matches among them, up to
// opts.Limit. next is the cursor to continue the search below the examined
// rows (pass it as BeforeID), or 0 when the tenant's history is exhausted.
// When the page is full, continue from the last match instead.
func (s *Store) SearchLogs(ctx context.Context, tenantID string, opts ListLogsOptions, window int) (rows []MessageLog, next int64, err error) {
	if window <= 0 {
		window = SearchWindow
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultLogPage
	}
	limit = min(limit, MaxLogPage)
	where := "tenant_id = ?"
	args := []any{tenantID}
	if opts.Direction != "" {
		where += " AND direction = ?"
		args = append(args, opts.Direction)
	}
	if opts.Chat != "" {
		where += " AND chat = ?"
		args = append(args, opts.Chat)
	}
	if opts.BeforeID > 0 {
		where += " AND id < ?"
		args = append(args, opts.BeforeID)
	}
	op := "LIKE" // case-insensitive for ASCII in SQLite
	if s.dialect == DialectPostgres {
		op = "ILIKE"
	}
	db := s.db.WithContext(ctx)
	windowQ := `SELECT * FROM message_logs WHERE ` + where + ` ORDER BY id DESC LIMIT ?`
	q := `SELECT * FROM (` + windowQ + `) w WHERE message_text ` + op + ` ? ESCAPE '\' ORDER BY id DESC LIMIT ?`
	qargs := append(append([]any{}, args...), window, likePattern(opts.Query), limit)
	if err := db.Raw(q, qargs...).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("store: search logs %s: %w", tenantID, err)
	}
	var edge struct {
		N   int64 `gorm:"column:n"`
		Low int64 `gorm:"column:low"`
	}
	eq := `SELECT COUNT(*) AS n, COALESCE(MIN(id), 0) AS low FROM (SELECT id FROM message_logs WHERE ` + where + ` ORDER BY id DESC LIMIT ?) w`
	if err := db.Raw(eq, append(append([]any{}, args...), window)...).Scan(&edge).Error; err != nil {
		return nil, 0, fmt.Errorf("store: search logs %s: %w", tenantID, err)
	}
	if edge.N == int64(window) {
		next = edge.Low
	}
	return rows, next, nil
}
