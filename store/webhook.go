package store

import (
	"context"
	"database/sql"
)

// webhookMigration is schema version 8. (Placeholder: the feature fills it in.)
func webhookMigration() migration {
	return migration{version: 8, name: "webhooks"}
}

// queueMessageEvents writes message.in / message.out events for the
// tenants with webhooks into the outbox, in the log writer's transaction.
// (Placeholder until webhooks land.)
func (s *Store) queueMessageEvents(ctx context.Context, tx *sql.Tx, rows []*MessageLog, ups []StatusUpdate) error {
	return nil
}
