package store

import (
	"context"
	"fmt"
	"time"
)

// WhatsApp session states.
const (
	SessionDisconnected  = "DISCONNECTED"
	SessionQRReady       = "QR_READY"
	SessionPairCodeReady = "PAIR_CODE_READY"
	SessionConnected     = "CONNECTED"
	SessionLoggedOut     = "LOGGED_OUT"
)

// WhatsAppSession is the state of a tenant's WhatsApp link as the
// dashboard shows it. The device keys themselves live in whatsmeow's
// sqlstore tables.
type WhatsAppSession struct {
	TenantID    string     `gorm:"column:tenant_id;primaryKey" json:"tenant_id"`
	State       string     `gorm:"column:state" json:"state"`
	Reason      string     `gorm:"column:reason" json:"reason"`
	LastQR      string     `gorm:"column:last_qr" json:"last_qr"` // PNG data URL
	QRExpiresAt *time.Time `gorm:"column:qr_expires_at" json:"qr_expires_at"`
	PairCode    string     `gorm:"column:pair_code" json:"pair_code"`
	JID         string     `gorm:"column:jid" json:"jid"`
	LastSeenAt  *time.Time `gorm:"column:last_seen_at" json:"last_seen_at"`
	UpdatedAt   time.Time  `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the whatsapp_sessions table.
func (WhatsAppSession) TableName() string { return "whatsapp_sessions" }

// ValidSessionState reports whether s is one of the Session* states.
func ValidSessionState(s string) bool {
	switch s {
	case SessionDisconnected, SessionQRReady, SessionPairCodeReady, SessionConnected, SessionLoggedOut:
		return true
	}
	return false
}

// GetSession returns a tenant's session row, or ErrNotFound.
func (s *Store) GetSession(ctx context.Context, tenantID string) (WhatsAppSession, error) {
	var ws WhatsAppSession
	if err := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID).Take(&ws).Error; err != nil {
		return WhatsAppSession{}, fmt.Errorf("store: get session %s: %w", tenantID, notFound(err))
	}
	return ws, nil
}

// SaveSession writes the whole session row (insert or replace).
// ErrNotFound if the tenant does not exist.
func (s *Store) SaveSession(ctx context.Context, ws WhatsAppSession) error {
	if !ValidSessionState(ws.State) {
		return fmt.Errorf("store: save session %s: %w: state %q", ws.TenantID, ErrInvalid, ws.State)
	}
	if err := checkTexts("reason", ws.Reason, "qr", ws.LastQR, "pair code", ws.PairCode, "jid", ws.JID); err != nil {
		return fmt.Errorf("store: save session %s: %w", ws.TenantID, err)
	}
	ws.QRExpiresAt = utcPtr(ws.QRExpiresAt)
	ws.LastSeenAt = utcPtr(ws.LastSeenAt)
	ws.UpdatedAt = stamp(time.Now())
	if err := s.upsert(ctx, "tenant_id", &ws); err != nil {
		return fmt.Errorf("store: save session %s: %w", ws.TenantID, err)
	}
	return nil
}

// TouchLastSeen sets whatsapp_sessions.last_seen_at for many tenants at
// once: one UPDATE per chunk of ids, all chunks in one transaction. Ids
// without a session row are ignored.
func (s *Store) TouchLastSeen(ctx context.Context, tenantIDs []string, at time.Time) error {
	if len(tenantIDs) == 0 {
		return nil
	}
	at = stamp(at)
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: touch last seen: %w", err)
	}
	defer unlock()
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: touch last seen: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for start := 0; start < len(tenantIDs); start += touchChunk {
		chunk := tenantIDs[start:min(start+touchChunk, len(tenantIDs))]
		var (
			q    string
			args []any
		)
		if s.dialect == DialectPostgres {
			// One array parameter, whatever the chunk size.
			q = `UPDATE whatsapp_sessions SET last_seen_at = $1 WHERE tenant_id = ANY($2)`
			args = []any{at, chunk}
		} else {
			q = `UPDATE whatsapp_sessions SET last_seen_at = ? WHERE tenant_id IN (` + placeholders(len(chunk)) + `)`
			args = make([]any, 0, len(chunk)+1)
			args = append(args, at)
			for _, id := range chunk {
				args = append(args, id)
			}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: touch last seen: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: touch last seen: %w", err)
	}
	return nil
}

// touchChunk keeps TouchLastSeen's statements well under SQLite's 32766
// and PostgreSQL's 65535 parameter limits.
const touchChunk = 5000

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
