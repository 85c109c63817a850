package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The outbox: events are queued in the transaction that makes the change
// they describe. Event ids are "evt_" + 16 hex digits + a letter for the
// kind; the digits are the message log id for message events (so the
// same row can never queue the same event twice: the (webhook_id,
// event_id) key drops repeats) and a time-ordered sequence for session
// events. Both are Unix milliseconds << 20 | sequence, so event ids sort
// by time.

// messageEventID is the public id of a message event.
func messageEventID(typ string, logID int64) string {
	suffix := "i"
	if typ == EventMessageOut {
		suffix = "o"
	}
	return fmt.Sprintf("evt_%016x%s", logID, suffix)
}

// MessageEventData is the data object of message.in and message.out
// events.
type MessageEventData struct {
	MessageID   int64     `json:"message_id"`
	Direction   string    `json:"direction"`
	Chat        string    `json:"chat"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Text        string    `json:"text"`
	WAMessageID string    `json:"wa_message_id,omitempty"`
	Status      string    `json:"status"`
	Source      string    `json:"source,omitempty"`
	Intent      string    `json:"intent,omitempty"`
	Error       string    `json:"error,omitempty"`
	ReplyTo     *int64    `json:"reply_to,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// SessionEventData is the data object of session.state events.
type SessionEventData struct {
	TenantID string `json:"tenant_id"`
	State    string `json:"state"`
	Previous string `json:"previous_state,omitempty"`
	Reason   string `json:"reason,omitempty"`
	JID      string `json:"jid,omitempty"`
	Number   string `json:"number,omitempty"` // the linked phone number, from the jid
}

func messageData(m *MessageLog) MessageEventData {
	return MessageEventData{
		MessageID: m.ID, Direction: m.Direction, Chat: m.Chat, From: m.FromNumber, To: m.ToNumber,
		Text: m.MessageText, WAMessageID: m.WAMessageID, Status: m.Status, Source: m.Source,
		Intent: m.Intent, Error: m.Error, ReplyTo: m.ReplyTo, CreatedAt: m.CreatedAt,
	}
}

// finalOut reports an OUT status that ends the row's life.
func finalOut(status string) bool {
	return status == StatusSent || status == StatusFailed || status == StatusSuppressed
}

// outboxEvent is one event before it is fanned out to webhooks.
type outboxEvent struct {
	id       string
	tenantID string
	typ      string
	mask     eventMask
	payload  []byte
	at       time.Time
}

// queueMessageEvents writes message.in / message.out events for the
// tenants with webhooks into the outbox, in the log writer's transaction:
// rows are the rows actually inserted (duplicates are not among them),
// ups the status updates applied. A batch of tenants without webhooks
// returns after one map lookup per row.
func (s *Store) queueMessageEvents(ctx context.Context, tx *sql.Tx, rows []*MessageLog, ups []StatusUpdate) error {
	hooks, err := s.hookMap(ctx, tx)
	if err != nil {
		return err
	}
	if len(hooks) == 0 {
		return nil
	}
	var evs []outboxEvent
	add := func(m *MessageLog, typ string, mask eventMask) error {
		b, err := json.Marshal(messageData(m))
		if err != nil {
			return err
		}
		evs = append(evs, outboxEvent{id: messageEventID(typ, m.ID), tenantID: m.TenantID, typ: typ, mask: mask, payload: b, at: m.UpdatedAt})
		return nil
	}
	for _, m := range rows {
		refs, ok := hooks[m.TenantID]
		if !ok {
			continue
		}
		mask := maskAll(refs)
		switch {
		case m.Direction == DirIn && mask&maskIn != 0:
			if err := add(m, EventMessageIn, maskIn); err != nil {
				return err
			}
		case m.Direction == DirOut && mask&maskOut != 0 && finalOut(m.Status):
			if err := add(m, EventMessageOut, maskOut); err != nil {
				return err
			}
		}
	}
	// Updates carry only the status: read the OUT rows they finished.
	var ids []int64
	for _, u := range ups {
		if refs, ok := hooks[u.TenantID]; ok && maskAll(refs)&maskOut != 0 && finalOut(u.Status) {
			ids = append(ids, u.ID)
		}
	}
	if len(ids) > 0 {
		outs, err := s.readOutRows(ctx, tx, ids)
		if err != nil {
			return fmt.Errorf("read updated rows: %w", err)
		}
		for i := range outs {
			m := &outs[i]
			if refs, ok := hooks[m.TenantID]; ok && maskAll(refs)&maskOut != 0 && finalOut(m.Status) {
				if err := add(m, EventMessageOut, maskOut); err != nil {
					return err
				}
			}
		}
	}
	return s.insertEvents(ctx, tx, hooks, evs)
}

func maskAll(refs []hookRef) eventMask {
	var m eventMask
	for _, r := range refs {
		m |= r.mask
	}
	return m
}

// readOutRows reads OUT rows by id, in the transaction.
func (s *Store) readOutRows(ctx context.Context, q querier, ids []int64) ([]MessageLog, error) {
	const cols = `id, tenant_id, direction, chat, from_number, to_number, message_text, wa_message_id, intent, status, source, error, reply_to, created_at, updated_at`
	var out []MessageLog
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		var (
			rows *sql.Rows
			err  error
		)
		if s.dialect == DialectPostgres {
			rows, err = q.QueryContext(ctx, `SELECT `+cols+` FROM message_logs WHERE id = ANY($1) AND direction = 'OUT'`, part)
		} else {
			args := make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			rows, err = q.QueryContext(ctx, `SELECT `+cols+` FROM message_logs WHERE id IN (`+placeholders(len(part))+`) AND direction = 'OUT'`, args...)
		}
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var m MessageLog
			var replyTo sql.NullInt64
			if err := rows.Scan(&m.ID, &m.TenantID, &m.Direction, &m.Chat, &m.FromNumber, &m.ToNumber, &m.MessageText,
				&m.WAMessageID, &m.Intent, &m.Status, &m.Source, &m.Error, &replyTo, &m.CreatedAt, &m.UpdatedAt); err != nil {
				rows.Close()
				return nil, err
			}
			if replyTo.Valid {
				v := replyTo.Int64
				m.ReplyTo = &v
			}
			m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
			out = append(out, m)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// insertEvents fans evs out to the subscribed webhooks of their tenants
// and inserts them, skipping (webhook, event id) pairs already queued.
// Rows go in as one JSON document per chunk (see the log writer for why).
func (s *Store) insertEvents(ctx context.Context, q querier, hooks map[string][]hookRef, evs []outboxEvent) error {
	if len(evs) == 0 {
		return nil
	}
	now := stamp(time.Now())
	doc := make([]byte, 0, 256*len(evs))
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		doc = append(doc, ']')
		var err error
		if s.dialect == DialectPostgres {
			_, err = q.ExecContext(ctx, pgInsertEventsSQL, string(doc))
		} else {
			_, err = q.ExecContext(ctx, sqliteInsertEventsSQL, string(doc))
		}
		doc, n = doc[:0], 0
		return err
	}
	for _, e := range evs {
		for _, h := range hooks[e.tenantID] {
			if h.mask&e.mask == 0 {
				continue
			}
			if n == 0 {
				doc = append(doc, '[')
			} else {
				doc = append(doc, ',')
			}
			doc = append(doc, '[')
			doc = appendJSONString(doc, e.id)
			doc = append(doc, ',')
			doc = appendJSONString(doc, h.id)
			doc = append(doc, ',')
			doc = appendJSONString(doc, e.tenantID)
			doc = append(doc, ',')
			doc = appendJSONString(doc, e.typ)
			doc = append(doc, ',')
			doc = appendJSONString(doc, string(e.payload))
			doc = append(doc, ',', '"')
			doc = s.appendTime(doc, e.at)
			doc = append(doc, '"', ',', '"')
			doc = s.appendTime(doc, now)
			doc = append(doc, '"', ']')
			n++
			if n >= 2000 {
				if err := flush(); err != nil {
					return fmt.Errorf("insert events: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	s.notifyWebhooks(false)
	return nil
}

func (s *Store) appendTime(b []byte, t time.Time) []byte {
	if s.dialect == DialectPostgres {
		return t.UTC().AppendFormat(b, time.RFC3339Nano)
	}
	return appendSQLiteTime(b, t)
}

const eventColumns = `event_id, webhook_id, tenant_id, type, payload, created_at, next_attempt_at, updated_at`

const sqliteInsertEventsSQL = `INSERT INTO webhook_events (` + eventColumns + `)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 6
FROM json_each(?) WHERE true ON CONFLICT (webhook_id, event_id) DO NOTHING`

const pgInsertEventsSQL = `INSERT INTO webhook_events (` + eventColumns + `)
SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, (v ->> 5)::timestamptz, (v ->> 6)::timestamptz, (v ->> 6)::timestamptz
FROM json_array_elements($1::json) WITH ORDINALITY AS t(v, n) ORDER BY n
ON CONFLICT (webhook_id, event_id) DO NOTHING`

// saveSessionsQueuingEvents upserts session rows and, for tenants with
// session.state webhooks whose state changes, queues session.state events,
// all in tx (SaveSessions' transaction).
func (s *Store) saveSessionsQueuingEvents(tx *gorm.DB, ss []WhatsAppSession, columns []string) error {
	ctx := tx.Statement.Context
	conn := tx.Statement.ConnPool
	hooks, err := s.hookMap(ctx, conn)
	if err != nil {
		return err
	}
	var watched []string
	for _, x := range ss {
		if refs, ok := hooks[x.TenantID]; ok && maskAll(refs)&maskSession != 0 {
			watched = append(watched, x.TenantID)
		}
	}
	var before map[string]string
	if len(watched) > 0 {
		if before, err = s.sessionStates(ctx, conn, watched); err != nil {
			return fmt.Errorf("read session states: %w", err)
		}
	}
	if err := saveBatchRows(tx, ss, columns); err != nil {
		return err
	}
	if len(watched) == 0 {
		return nil
	}
	var evs []outboxEvent
	for _, x := range ss {
		prev, known := before[x.TenantID]
		refs, ok := hooks[x.TenantID]
		if !ok || maskAll(refs)&maskSession == 0 || (known && prev == x.State) {
			continue
		}
		b, err := json.Marshal(SessionEventData{
			TenantID: x.TenantID, State: x.State, Previous: prev, Reason: x.Reason, JID: x.JID, Number: numberOfJID(x.JID),
		})
		if err != nil {
			return err
		}
		s.hooks.seqMu.Lock()
		seq := s.hooks.seq.next(time.Now())
		s.hooks.seqMu.Unlock()
		evs = append(evs, outboxEvent{
			id: fmt.Sprintf("evt_%016xs", seq), tenantID: x.TenantID, typ: EventSessionState, mask: maskSession,
			payload: b, at: x.UpdatedAt,
		})
	}
	return s.insertEvents(ctx, conn, hooks, evs)
}

// sessionStates reads the current session state of tenants.
func (s *Store) sessionStates(ctx context.Context, q querier, tenants []string) (map[string]string, error) {
	out := make(map[string]string, len(tenants))
	for start := 0; start < len(tenants); start += touchChunk {
		part := tenants[start:min(start+touchChunk, len(tenants))]
		args := make([]any, len(part))
		for i, t := range part {
			args[i] = t
		}
		rows, err := q.QueryContext(ctx, s.rebind(`SELECT tenant_id, state FROM whatsapp_sessions WHERE tenant_id IN (`+placeholders(len(part))+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t, st string
			if err := rows.Scan(&t, &st); err != nil {
				rows.Close()
				return nil, err
			}
			out[t] = st
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// numberOfJID returns the phone number of a WhatsApp jid such as
// 255712345678:7@s.whatsapp.net.
func numberOfJID(jid string) string {
	user, _, _ := strings.Cut(jid, "@")
	user, _, _ = strings.Cut(user, ":")
	if _, err := strconv.ParseUint(user, 10, 64); err != nil {
		return ""
	}
	return user
}
