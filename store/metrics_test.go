package store_test

import (
	"fmt"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func TestMetricStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		// An empty database: every known state is reported, as zero.
		g, err := s.MetricStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Tenants) != 4 || len(g.Sessions) != 5 {
			t.Fatalf("empty database: got %v", g)
		}
		for k, n := range g.Tenants {
			if n != 0 {
				t.Errorf("empty database: tenants %s = %d", k, n)
			}
		}
		var ids []string
		for i := range 4 {
			tn := newTenant(t, s, fmt.Sprintf("Shop %d", i), fmt.Sprintf("+2557100000%02d", i))
			ids = append(ids, tn.ID)
		}
		for i, st := range []string{store.SessionConnected, store.SessionConnected, store.SessionQRReady} {
			if err := s.SaveSession(ctx, store.WhatsAppSession{TenantID: ids[i], State: st}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetTenantStatus(ctx, ids[3], store.TenantPaused); err != nil {
			t.Fatal(err)
		}
		g, err = s.MetricStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantSessions := map[string]int64{store.SessionConnected: 2, store.SessionQRReady: 1, store.SessionDisconnected: 1, store.SessionPairCodeReady: 0, store.SessionLoggedOut: 0}
		for k, n := range wantSessions {
			if g.Sessions[k] != n {
				t.Errorf("sessions %s = %d, want %d (all: %v)", k, g.Sessions[k], n, g.Sessions)
			}
		}
		if g.Tenants[store.TenantPaused] != 1 || g.Tenants[store.TenantPending]+g.Tenants[store.TenantActive] != 3 {
			t.Errorf("tenants = %v", g.Tenants)
		}
	})
}
