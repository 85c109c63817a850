package wa

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/flowhq/flowhq/tenant"
)

// handle is the client's only event handler. For messages its result is
// whatsmeow's success status: false withholds the delivery receipt, so
// WhatsApp delivers the message again later. whatsmeow's own recover would
// count a panic as success (and acknowledge the message); this one counts
// it as failure.
func (l *Link) handle(cli *whatsmeow.Client, evt any) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			l.log.Error("whatsapp event handler panic", "event", fmt.Sprintf("%T", evt), "panic", r, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	l.touch()
	l.mu.Lock()
	current := !l.closed && l.cli == cli
	l.mu.Unlock()
	if msg, isMsg := evt.(*events.Message); isMsg {
		if !current {
			return false // a closed link does not store messages; they come again
		}
		return l.onMessage(cli, msg)
	}
	if !current {
		return true
	}
	switch e := evt.(type) {
	case *events.QR:
		l.onQR(e)
	case *events.PairSuccess:
		l.onPairSuccess(e)
	case *events.PairError:
		l.mu.Lock()
		if l.state == stPairing {
			l.endPairingLocked("pairing failed: " + e.Error.Error())
		}
		l.mu.Unlock()
	case *events.ManualLoginReconnect:
		// WhatsApp ended the stream asking for a new login (code 515):
		// after pairing, and possibly at other times.
		l.mu.Lock()
		l.relogin = true
		if !l.jid.IsEmpty() {
			if l.state == stConnected {
				l.setStateLocked(stLoggingIn)
				l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: "WhatsApp asked for a new login; reconnecting"})
			}
			if l.state == stLoggingIn {
				l.relogLocked()
			}
		}
		l.mu.Unlock()
	case *events.Connected:
		l.onConnected(cli)
	case *events.Disconnected:
		l.onDisconnected()
	case *events.LoggedOut:
		l.onLoggedOut(cli, e)
	case *events.StreamReplaced:
		l.fail(cli, "linked in another place")
	case *events.ClientOutdated:
		l.fail(cli, "WhatsApp rejected this client version as outdated: update Flow HQ")
	case *events.ConnectFailure:
		l.fail(cli, fmt.Sprintf("WhatsApp refused the connection: %s (%d)", e.Reason, int(e.Reason)))
	case *events.CATRefreshError:
		l.fail(cli, "WhatsApp refused the connection: "+e.PermanentDisconnectDescription())
	case *events.TemporaryBan:
		l.onBan(cli, e)
	case *events.KeepAliveTimeout:
		l.kaFailures.Store(int32(e.ErrorCount))
		l.log.Warn("whatsapp keepalive failed", "failures", e.ErrorCount, "last_success", e.LastSuccess)
	case *events.KeepAliveRestored:
		l.kaFailures.Store(0)
		l.log.Info("whatsapp keepalive restored")
	case *events.StreamError:
		l.log.Warn("whatsapp stream error", "code", e.Code)
	case *events.UndecryptableMessage:
		// whatsmeow has asked the sender to encrypt it again (retry receipt).
		l.log.Warn("whatsapp message could not be decrypted; the sender is asked to send it again",
			"wa_message_id", e.Info.ID, "chat", e.Info.Chat, "unavailable", e.IsUnavailable)
	case *events.OfflineSyncCompleted:
		l.log.Debug("offline messages delivered", "count", e.Count)
	}
	return true
}

func (l *Link) onQR(e *events.QR) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != stPairing || l.pairCode != "" || len(e.Codes) == 0 {
		return
	}
	l.codes = e.Codes
	l.showQRLocked(0)
}

func (l *Link) onPairSuccess(e *events.PairSuccess) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempt++ // the QR timers of the attempt are void now
	l.stopTimerLocked()
	l.codes, l.qr, l.qrExpires, l.pairCode = nil, "", time.Time{}, ""
	l.jid = e.ID
	l.setStateLocked(stLoggingIn)
	l.log.Info("whatsapp device paired", "jid", e.ID, "platform", e.Platform, "business_name", e.BusinessName)
	l.emitLocked(tenant.Event{Kind: tenant.EventPaired, JID: e.ID.String()})
	if l.relogin {
		l.relogLocked()
	}
	// WhatsApp ends the stream now (events.ManualLoginReconnect) and the
	// link logs in as the new device. The linking slot is kept until that
	// first login is done, or for at most firstLoginTimeout.
	attempt := l.attempt
	l.timer = time.AfterFunc(firstLoginTimeout, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.attempt == attempt {
			l.releaseSlotLocked()
		}
	})
}

func (l *Link) onConnected(cli *whatsmeow.Client) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cli.Store.ID == nil {
		return
	}
	l.jid = *cli.Store.ID
	l.attempt++
	l.stopTimerLocked()
	l.releaseSlotLocked()
	l.kaFailures.Store(0)
	l.banUntil = time.Time{}
	l.setStateLocked(stConnected)
	l.emitLocked(tenant.Event{Kind: tenant.EventConnected, JID: l.jid.String()})
}

func (l *Link) onDisconnected() {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch l.state {
	case stPairing:
		reason := "the connection closed before the QR code was scanned"
		if l.pairCode != "" {
			reason = "the connection closed before the pairing code was entered"
		}
		l.endPairingLocked(reason)
	case stConnected:
		l.setStateLocked(stLoggingIn)
		l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: "connection to WhatsApp lost; reconnecting"})
	case stLoggingIn:
		// The first dial of a paired device failed and whatsmeow retries
		// in the background: say so instead of leaving no reason.
		if !l.jid.IsEmpty() {
			l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: "cannot reach WhatsApp; retrying"})
		}
	}
}

func (l *Link) onLoggedOut(cli *whatsmeow.Client, e *events.LoggedOut) {
	// whatsmeow has deleted the device; its socket is about to be closed by
	// the server. Close it from our side now.
	cli.Disconnect()
	reason := fmt.Sprintf("the device was removed from the phone (%s)", e.Reason)
	if e.OnConnect {
		reason = fmt.Sprintf("WhatsApp refused the login: %s", e.Reason)
	}
	l.mu.Lock()
	jid := l.jid
	l.jid = types.EmptyJID
	l.attempt++
	l.stopTimerLocked()
	l.releaseSlotLocked()
	l.setStateLocked(stLoggedOut)
	l.log.Warn("whatsapp logged out", "jid", jid, "reason", reason)
	l.emitLocked(tenant.Event{Kind: tenant.EventLoggedOut, Reason: reason})
	l.mu.Unlock()
	if !jid.IsEmpty() {
		ctx, cancel := context.WithTimeout(l.ctx, 10*time.Second)
		defer cancel()
		if err := l.m.deletePrivacyTokens(ctx, jid); err != nil {
			l.log.Warn("logged out: delete privacy tokens", "err", err)
		}
	}
}

// fail reports a permanent failure: whatsmeow will not reconnect, and the
// worker waits for an operator.
func (l *Link) fail(cli *whatsmeow.Client, reason string) {
	cli.Disconnect()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempt++
	l.stopTimerLocked()
	l.releaseSlotLocked()
	l.setStateLocked(stFailed)
	l.emitLocked(tenant.Event{Kind: tenant.EventFailed, Reason: reason})
}

// onBan stops the link until the ban ends, then logs in again.
func (l *Link) onBan(cli *whatsmeow.Client, e *events.TemporaryBan) {
	cli.Disconnect()
	until := time.Now().Add(e.Expire)
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.state
	l.banUntil = until
	l.setStateLocked(stBanned)
	if prev == stConnected {
		l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: "temporarily banned"})
	}
	l.log.Warn("whatsapp temporary ban", "until", until, "code", int(e.Code), "reason", e.Code.String())
	l.emitLocked(tenant.Event{Kind: tenant.EventBanned, Expires: until, Reason: e.Code.String()})
	if l.banTimer != nil {
		l.banTimer.Stop()
	}
	l.banTimer = time.AfterFunc(e.Expire, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.state != stBanned || time.Now().Before(l.banUntil) {
			return
		}
		l.log.Info("temporary ban over; logging in again")
		l.loginLocked()
	})
}

// onMessage hands a 1:1 text message to the tenant's handler and returns
// its verdict. Everything else (groups, status updates, newsletters,
// reactions, media, protocol messages) is acknowledged and ignored.
func (l *Link) onMessage(cli *whatsmeow.Client, e *events.Message) bool {
	info := &e.Info
	if info.IsGroup || (info.Chat.Server != types.DefaultUserServer && info.Chat.Server != types.HiddenUserServer) {
		l.log.Debug("ignored message outside a 1:1 chat", "chat", info.Chat, "wa_message_id", info.ID)
		return true
	}
	text := messageText(e.Message)
	if text == "" {
		l.log.Debug("ignored message without text", "chat", info.Chat, "wa_message_id", info.ID, "type", info.Type)
		return true
	}
	ctx, cancel := context.WithTimeout(l.ctx, 10*time.Second)
	defer cancel()
	chatAlt := info.SenderAlt
	if info.IsFromMe {
		chatAlt = info.RecipientAlt
	}
	chat, err := l.phoneJIDWith(ctx, cli, info.Chat, chatAlt)
	if err != nil {
		l.log.Warn("resolve chat of a message; WhatsApp will deliver it again", "err", err, "wa_message_id", info.ID)
		return false
	}
	sender, err := l.phoneJIDWith(ctx, cli, info.Sender, info.SenderAlt)
	if err != nil {
		l.log.Warn("resolve sender of a message; WhatsApp will deliver it again", "err", err, "wa_message_id", info.ID)
		return false
	}
	if info.IsFromMe {
		if own := cli.Store.ID; own != nil {
			sender = own.ToNonAD()
		}
	}
	l.deliverMu.Lock()
	defer l.deliverMu.Unlock()
	l.deliverQueued()
	return l.h.Inbound(tenant.Inbound{
		ID:     info.ID,
		Chat:   chat.String(),
		Sender: sender.String(),
		Text:   text,
		FromMe: info.IsFromMe,
		Time:   info.Timestamp,
	})
}

// messageText is the text of a plain or extended text message.
func messageText(m *waE2E.Message) string {
	if m == nil {
		return ""
	}
	if t := m.GetConversation(); t != "" {
		return t
	}
	return m.GetExtendedTextMessage().GetText()
}

// phoneJID turns jid into a phone-number JID without device, so that the
// same person always has the same chat and sender (and the same dedup
// key), whether WhatsApp addressed them by LID or by phone number. alt is
// the other form when the message carried it. When no mapping is known the
// LID is kept.
func (l *Link) phoneJID(ctx context.Context, jid, alt types.JID) (types.JID, error) {
	l.mu.Lock()
	cli := l.cli
	l.mu.Unlock()
	return l.phoneJIDWith(ctx, cli, jid, alt)
}

func (l *Link) phoneJIDWith(ctx context.Context, cli *whatsmeow.Client, jid, alt types.JID) (types.JID, error) {
	jid = jid.ToNonAD()
	if jid.Server != types.HiddenUserServer {
		return jid, nil
	}
	if alt.Server == types.DefaultUserServer {
		return alt.ToNonAD(), nil
	}
	pn, err := cli.Store.LIDs.GetPNForLID(ctx, jid)
	if err != nil {
		return types.EmptyJID, fmt.Errorf("wa: phone number of %s: %w", jid, err)
	}
	if pn.IsEmpty() {
		l.log.Debug("no phone number known for a LID; keeping the LID", "lid", jid)
		return jid, nil
	}
	return pn.ToNonAD(), nil
}
