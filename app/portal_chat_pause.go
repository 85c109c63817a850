package app

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// portalChatPause stops the bot from answering one conversation: the
// owner takes over by hand (POST /portal/conversations/:chat/pause).
func (w *web) portalChatPause(c echo.Context) error { return w.portalChatSetPaused(c, true) }

// portalChatResume lets the bot answer the conversation again, also after
// an automatic pause (POST /portal/conversations/:chat/resume).
func (w *web) portalChatResume(c echo.Context) error { return w.portalChatSetPaused(c, false) }

func (w *web) portalChatSetPaused(c echo.Context, paused bool) error {
	ch, err := w.loadPortalChat(c)
	if err != nil {
		return err
	}
	l, err := w.portalLayout(c, "", "conversations")
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	action, notice := "chat.resume", "chat.resumed"
	if paused {
		action, notice = "chat.pause", "chat.paused"
		err = w.sup.PauseChat(ctx, ch.TenantID, ch.Chat)
	} else {
		err = w.sup.ResumeChat(ctx, ch.TenantID, ch.Chat)
	}
	if err != nil {
		return fmt.Errorf("app: %s: %w", action, err)
	}
	w.log.Info("portal: bot switched in a chat", "tenant_id", ch.TenantID, "chat", ch.Chat, "paused", paused)
	w.audit(c, action, ch.TenantID, l.TenantName, "chat "+ch.Chat)
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, views.ChatURL(ch.Chat))
	}
	cur, err := w.st.GetChat(ctx, ch.TenantID, ch.Chat)
	if err != nil {
		return fmt.Errorf("app: %s: %w", action, err)
	}
	// Just resumed: any automatic pause is over too.
	ctl := chatControl(cur, nil, time.Now())
	ctl.Lang, ctl.CSRF, ctl.Notice = l.Lang, l.CSRF, views.T(l.Lang, notice)
	return w.render(c, http.StatusOK, views.ChatControlBox(ctl))
}
