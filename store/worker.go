package store

import (
	"context"
	"fmt"
	"time"
)

// Worker statuses.
const (
	WorkerStopped  = "STOPPED"
	WorkerStarting = "STARTING"
	WorkerRunning  = "RUNNING"
	WorkerBackoff  = "BACKOFF"
	WorkerError    = "ERROR"
)

// Worker is the supervisor's record of a tenant's actor.
type Worker struct {
	TenantID  string     `gorm:"column:tenant_id;primaryKey" json:"tenant_id"`
	Status    string     `gorm:"column:status" json:"status"`
	LastError string     `gorm:"column:last_error" json:"last_error"`
	Restarts  int        `gorm:"column:restarts" json:"restarts"`
	StartedAt *time.Time `gorm:"column:started_at" json:"started_at"`
	UpdatedAt time.Time  `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the workers table.
func (Worker) TableName() string { return "workers" }

// ValidWorkerStatus reports whether s is one of the Worker* statuses.
func ValidWorkerStatus(s string) bool {
	switch s {
	case WorkerStopped, WorkerStarting, WorkerRunning, WorkerBackoff, WorkerError:
		return true
	}
	return false
}

// GetWorker returns a tenant's worker row, or ErrNotFound.
func (s *Store) GetWorker(ctx context.Context, tenantID string) (Worker, error) {
	var w Worker
	if err := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID).Take(&w).Error; err != nil {
		return Worker{}, fmt.Errorf("store: get worker %s: %w", tenantID, notFound(err))
	}
	return w, nil
}

// SaveWorker writes the whole worker row (insert or replace).
// ErrNotFound if the tenant does not exist.
func (s *Store) SaveWorker(ctx context.Context, w Worker) error {
	if !ValidWorkerStatus(w.Status) {
		return fmt.Errorf("store: save worker %s: %w: status %q", w.TenantID, ErrInvalid, w.Status)
	}
	if err := checkText("last error", w.LastError); err != nil {
		return fmt.Errorf("store: save worker %s: %w", w.TenantID, err)
	}
	w.StartedAt = utcPtr(w.StartedAt)
	w.UpdatedAt = stamp(time.Now())
	if err := s.upsert(ctx, "tenant_id", &w); err != nil {
		return fmt.Errorf("store: save worker %s: %w", w.TenantID, err)
	}
	return nil
}
