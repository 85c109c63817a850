package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// chatsMigration is schema version 5. (Placeholder: the feature fills it in.)
func chatsMigration() migration {
	return migration{version: 5, name: "chats"}
}

// afterLogWrite runs inside every log writer transaction, after its
// inserts and updates: features that must change together with the
// message log (the chat list, the webhook outbox) hook in here. rows are
// the rows actually inserted; ups the status updates applied. An error
// fails the attempt, which the writer retries like any other.
func (s *Store) afterLogWrite(ctx context.Context, tx *sql.Tx, rows []*MessageLog, ups []StatusUpdate) error {
	if err := s.touchChats(ctx, tx, rows); err != nil {
		return fmt.Errorf("chats: %w", err)
	}
	if err := s.queueMessageEvents(ctx, tx, rows, ups); err != nil {
		return fmt.Errorf("webhook outbox: %w", err)
	}
	return nil
}

// touchChats is a placeholder until the chats table lands.
func (s *Store) touchChats(ctx context.Context, tx *sql.Tx, rows []*MessageLog) error { return nil }

// Chat is one conversation of a tenant: a customer's chat and its newest
// message.
type Chat struct {
	TenantID string     `json:"tenant_id"`
	Chat     string     `json:"chat"`
	Last     MessageLog `json:"last_message"` // the newest message, either direction
	LastInAt *time.Time `json:"last_in_at"`   // the customer's newest message
	Paused   bool       `json:"paused"`       // the owner paused the bot here (manual handoff)
}

// ListChatsOptions filters and pages ListChats.
type ListChatsOptions struct {
	Query    string // case-insensitive substring of the chat (phone number)
	BeforeID int64  // keyset cursor: chats whose newest message id < BeforeID; 0 = newest
	Limit    int    // default 50, at most 200
}

// ListChats returns one page of a tenant's chats, most recently active
// first. For the next page pass the last chat's Last.ID as BeforeID.
func (s *Store) ListChats(ctx context.Context, tenantID string, opts ListChatsOptions) ([]Chat, error) {
	return nil, errors.ErrUnsupported // lands this session
}

// GetChat returns one chat of a tenant, or ErrNotFound.
func (s *Store) GetChat(ctx context.Context, tenantID, chat string) (Chat, error) {
	return Chat{}, errors.ErrUnsupported // lands this session
}
