package store

import (
	"context"
	"fmt"
)

// StateGauges are the current tenant statuses and session states, for the
// Prometheus gauges read at scrape time.
type StateGauges struct {
	Tenants  map[string]int64 // by tenant status
	Sessions map[string]int64 // by WhatsApp session state
}

// MetricStates counts tenants by status and WhatsApp sessions by state in
// one round trip (one grouped query per table joined by UNION ALL), so a
// scrape costs a single statement however many tenants there are. Every
// known status and state is present, with zero when no row has it.
func (s *Store) MetricStates(ctx context.Context) (StateGauges, error) {
	out := StateGauges{
		Tenants:  map[string]int64{TenantPending: 0, TenantActive: 0, TenantPaused: 0, TenantError: 0},
		Sessions: map[string]int64{SessionDisconnected: 0, SessionQRReady: 0, SessionPairCodeReady: 0, SessionConnected: 0, SessionLoggedOut: 0},
	}
	var rows []struct {
		Kind  string `gorm:"column:kind"`
		State string `gorm:"column:state"`
		N     int64  `gorm:"column:n"`
	}
	const q = `SELECT 't' AS kind, status AS state, COUNT(*) AS n FROM tenants GROUP BY status
UNION ALL
SELECT 's' AS kind, state AS state, COUNT(*) AS n FROM whatsapp_sessions GROUP BY state`
	if err := s.db.WithContext(ctx).Raw(q).Scan(&rows).Error; err != nil {
		return StateGauges{}, fmt.Errorf("store: metric states: %w", err)
	}
	for _, r := range rows {
		switch r.Kind {
		case "t":
			out.Tenants[r.State] = r.N
		case "s":
			out.Sessions[r.State] = r.N
		}
	}
	return out, nil
}
