package tenant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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

// ReplyWindow is how long after a customer's last message the tenant may
// still write to them.
const ReplyWindow = 24 * time.Hour

// MaxSendText bounds a message sent through SendText, in bytes.
const MaxSendText = 4096

// PauseChat stops the bot from answering one chat of a tenant until
// ResumeChat (a manual handoff: the owner answers by hand). It is stored,
// so it holds across restarts, and applies at once to a running worker.
// Only chats with messages can be paused (store.ErrNotFound otherwise).
func (s *Supervisor) PauseChat(ctx context.Context, tenantID, chat string) error {
	return s.setChatPaused(ctx, tenantID, chat, true)
}

// ResumeChat lets the bot answer the chat again; it also ends an automatic
// pause after the owner wrote from their phone.
func (s *Supervisor) ResumeChat(ctx context.Context, tenantID, chat string) error {
	return s.setChatPaused(ctx, tenantID, chat, false)
}

func (s *Supervisor) setChatPaused(ctx context.Context, tenantID, chat string, paused bool) error {
	if _, err := s.checkTenant(ctx, tenantID); err != nil {
		return err
	}
	if _, err := s.opts.Store.GetChat(ctx, tenantID, chat); err != nil {
		return fmt.Errorf("tenant: pause chat: %w", err)
	}
	if err := s.opts.Store.SetChatPaused(ctx, tenantID, chat, paused); err != nil {
		return fmt.Errorf("tenant: pause chat: %w", err)
	}
	// A worker starting right now loads the stored flag; a running one
	// hears it here. Either way the next message sees it.
	if a := s.entryFor(tenantID).current(); a != nil {
		a.notify(func() {
			if paused {
				a.paused[chat] = true
				a.log.Info("bot paused in chat by the owner", "chat", chat)
				return
			}
			delete(a.paused, chat)
			delete(a.handoff, chat)
			a.log.Info("bot resumed in chat", "chat", chat)
		})
	}
	return nil
}

// SendText sends text to a chat of a running tenant through the chat's
// lane: same rate limit, same log (an OUT row with source "api"), same
// outbox as the bot's replies. It returns the pending OUT row once it is
// stored; delivery follows on the lane, in order with the chat's replies.
// Errors: ErrUnknownTenant, ErrNotRunning, ErrChatClosed, ErrRateLimited,
// store.ErrInvalid for empty or oversized text, or a store error.
func (s *Supervisor) SendText(ctx context.Context, tenantID, chat, text string) (store.MessageLog, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxSendText || !utf8.ValidString(text) || chat == "" {
		return store.MessageLog{}, fmt.Errorf("tenant: send: %w: chat and a text of 1 to %d bytes of UTF-8 are required",
			store.ErrInvalid, MaxSendText)
	}
	if _, err := s.checkTenant(ctx, tenantID); err != nil {
		return store.MessageLog{}, err
	}
	a := s.entryFor(tenantID).current()
	if a == nil {
		return store.MessageLog{}, fmt.Errorf("tenant: send for %s: %w", tenantID, ErrNotRunning)
	}
	last, err := s.opts.Store.LastCustomerMessageAt(ctx, tenantID, chat)
	if errors.Is(err, store.ErrNotFound) || err == nil && time.Since(last) > ReplyWindow {
		return store.MessageLog{}, fmt.Errorf("tenant: send to %s: %w", chat, ErrChatClosed)
	}
	if err != nil {
		return store.MessageLog{}, fmt.Errorf("tenant: send: %w", err)
	}
	var (
		allowed bool
		own     string
	)
	if err := a.call(ctx, func() { allowed, own = a.limiter.tryTake(time.Now()), a.ownNumber() }); err != nil {
		return store.MessageLog{}, fmt.Errorf("tenant: send for %s: %w", tenantID, ErrNotRunning)
	}
	if !allowed {
		return store.MessageLog{}, fmt.Errorf("tenant: send for %s: %w", tenantID, ErrRateLimited)
	}
	out := &store.MessageLog{
		TenantID:    tenantID,
		Direction:   store.DirOut,
		Chat:        chat,
		FromNumber:  own,
		ToNumber:    bareUser(chat),
		MessageText: text,
		WAMessageID: a.link.NewMessageID(),
		Status:      store.StatusPending,
		Source:      store.SourceAPI,
	}
	// The caller going away must not leave a row that is stored after
	// all (and sent) while it was told the send failed: the commit gets a
	// deadline of its own.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.InboundTimeout)
	defer cancel()
	if err := s.opts.Store.Commit(cctx, store.Op{Insert: out}); err != nil {
		a.giveBack(allow, false)
		return store.MessageLog{}, fmt.Errorf("tenant: send: %w", err)
	}
	a.publishMessage(*out)
	row := *out
	// If the actor stopped meanwhile, the pending row is sent by the next
	// run's recovery, under the same message id.
	a.notify(func() { a.dispatch(chat, job{out: &row}) })
	return *out, nil
}
