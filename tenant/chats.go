package tenant

import (
	"context"
	"errors"

	"github.com/flowhq/flowhq/store"
)

// Errors of SendText.
var (
	// ErrNotRunning: the tenant's worker is not running, so nothing can be
	// sent for it.
	ErrNotRunning = errors.New("tenant: worker not running")
	// ErrChatClosed: the chat has not written to the tenant in the last
	// 24 hours. WhatsApp bans numbers that message people out of the blue,
	// so Flow HQ only answers.
	ErrChatClosed = errors.New("tenant: no customer message in this chat in the last 24 hours")
	// ErrRateLimited: the tenant's reply rate limit is used up for now.
	ErrRateLimited = errors.New("tenant: reply rate limit reached")
)

// SourceAPI marks OUT rows sent through the JSON API.
const SourceAPI = store.SourceAPI

// PauseChat stops the bot from answering one chat of a tenant until
// ResumeChat (a manual handoff: the owner answers by hand). It is stored,
// so it holds across restarts, and applies at once to a running worker.
func (s *Supervisor) PauseChat(ctx context.Context, tenantID, chat string) error {
	return errors.ErrUnsupported // lands this session
}

// ResumeChat lets the bot answer the chat again; it also ends an automatic
// pause after the owner wrote from their phone.
func (s *Supervisor) ResumeChat(ctx context.Context, tenantID, chat string) error {
	return errors.ErrUnsupported // lands this session
}

// SendText sends text to a chat of a running tenant through the chat's
// lane: same rate limit, same log (an OUT row with source "api"), same
// outbox as the bot's replies. It returns the pending OUT row once it is
// stored; delivery follows on the lane. Errors: ErrUnknownTenant,
// ErrNotRunning, ErrChatClosed, ErrRateLimited, or a store error.
func (s *Supervisor) SendText(ctx context.Context, tenantID, chat, text string) (store.MessageLog, error) {
	return store.MessageLog{}, errors.ErrUnsupported // lands this session
}
