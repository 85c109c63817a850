package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// The portal's conversations. Every handler here takes the tenant from the
// signed-in account (portalTenantID), never from the request: a chat id in
// the URL is looked up within that tenant only, so another tenant's chat
// is simply not found (404).

// portalChatsPerPage is the conversation list's page size.
const portalChatsPerPage = 30

// chatSearchRounds bounds a text search: at most this many windows of
// store.SearchWindow messages are examined per page.
const chatSearchRounds = 3

// phoneQuery reports whether a search is a phone number (digits with the
// usual + - ( ) and spaces), and returns its digits. A local number's
// leading 0 is dropped ("0712 345" finds +255 712 345…).
func phoneQuery(q string) (string, bool) {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	d := b.String()
	if t := strings.TrimLeft(d, "0"); t != "" {
		d = t
	}
	return d, d != ""
}

// portalConversations lists the tenant's chats, most recently active
// first, with search and pages (GET /portal/conversations).
func (w *web) portalConversations(c echo.Context) error {
	l, err := w.portalLayout(c, "", "conversations")
	if err != nil {
		return err
	}
	l.Title = views.T(l.Lang, "conv.title")
	q := searchParam(c.QueryParam("q"))
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	p, err := w.portalChatList(c.Request().Context(), portalTenantID(c), q, max(before, 0))
	if err != nil {
		return err
	}
	p.Lang = l.Lang
	return w.page(c, http.StatusOK, views.PortalChatsPage(l, p), views.PortalChatsPanel(p))
}

// portalChatList loads one page of the conversation list: all chats, the
// chats whose number contains a phone-number search, or the chats with a
// message containing a text search (showing that message).
func (w *web) portalChatList(ctx context.Context, tenantID, q string, before int64) (views.PortalChats, error) {
	ctx, cancel := context.WithTimeout(ctx, formCtx)
	defer cancel()
	p := views.PortalChats{Query: q, Before: before, Now: time.Now()}
	digits, isPhone := phoneQuery(q)
	if q == "" || isPhone {
		chats, err := w.st.ListChats(ctx, tenantID, store.ListChatsOptions{Query: digits, BeforeID: before, Limit: portalChatsPerPage + 1})
		if err != nil {
			return p, fmt.Errorf("app: portal conversations: %w", err)
		}
		if len(chats) > portalChatsPerPage {
			chats = chats[:portalChatsPerPage]
			p.Older = chats[len(chats)-1].Last.ID
		}
		p.Chats = chats
		return p, nil
	}
	p.ByText = true
	p.Matches = map[string]store.MessageLog{}
	paused, err := w.st.PausedChats(ctx, tenantID)
	if err != nil {
		return p, fmt.Errorf("app: portal conversations: %w", err)
	}
	isPaused := make(map[string]bool, len(paused))
	for _, ch := range paused {
		isPaused[ch] = true
	}
	cursor := before
	for round := 0; round < chatSearchRounds; round++ {
		rows, next, err := w.st.SearchLogs(ctx, tenantID, store.ListLogsOptions{Query: q, BeforeID: cursor, Limit: 200}, store.SearchWindow)
		if err != nil {
			return p, fmt.Errorf("app: portal conversations: %w", err)
		}
		for _, m := range rows {
			if m.Chat == "" {
				continue
			}
			if _, dup := p.Matches[m.Chat]; dup {
				continue
			}
			if len(p.Chats) == portalChatsPerPage {
				p.Older = p.Chats[len(p.Chats)-1].Last.ID
				return p, nil
			}
			p.Matches[m.Chat] = m
			p.Chats = append(p.Chats, store.Chat{TenantID: tenantID, Chat: m.Chat, Last: m, Paused: isPaused[m.Chat]})
		}
		switch {
		case len(rows) == 200:
			cursor = rows[len(rows)-1].ID
		case next > 0:
			cursor = next
		default:
			return p, nil
		}
	}
	// More history than this page searched: Older continues below it.
	p.Older = cursor
	return p, nil
}

// portalChatParam is the chat id of the URL, unescaped once (echo leaves the
// parameter escaped when the path had escapes, such as %2F).
func portalChatParam(c echo.Context) (string, error) {
	v := c.Param("chat")
	if c.Request().URL.RawPath != "" {
		u, err := url.PathUnescape(v)
		if err != nil {
			return "", errNotFound("conversation")
		}
		v = u
	}
	if v == "" || len(v) > store.MaxKeyLen {
		return "", errNotFound("conversation")
	}
	return v, nil
}

// loadPortalChat returns the chat of the URL within the signed-in
// tenant, or a 404.
func (w *web) loadPortalChat(c echo.Context) (store.Chat, error) {
	chat, err := portalChatParam(c)
	if err != nil {
		return store.Chat{}, err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	ch, err := w.st.GetChat(ctx, portalTenantID(c), chat)
	if errors.Is(err, store.ErrNotFound) {
		return store.Chat{}, errNotFound("conversation")
	}
	if err != nil {
		return store.Chat{}, fmt.Errorf("app: load conversation: %w", err)
	}
	return ch, nil
}
