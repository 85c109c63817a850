package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func TestChats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")
		if chats, err := s.ListChats(ctx, a.ID, store.ListChatsOptions{}); err != nil || len(chats) != 0 {
			t.Fatalf("no messages: %v %v", chats, err)
		}
		// Three chats of A, written in one batch and then one by one; B
		// shares a chat id with A.
		c1, c2, c3 := "255700000001", "255700000002", "255700000003"
		m1 := in(a.ID, c1, "w1", "hello one")
		m2 := in(a.ID, c2, "w2", "hello two")
		commit(t, s, store.Op{Insert: m1}, store.Op{Insert: m2}, store.Op{Insert: in(b.ID, c1, "w1", "other tenant")})
		r1 := out(a.ID, c1, "r1", "reply one", &m1.ID)
		r1.Status = store.StatusSent
		commit(t, s, store.Op{Insert: r1})
		m3 := in(a.ID, c3, "w3", "hello three")
		commit(t, s, store.Op{Insert: m3})
		// A duplicate adds nothing.
		commit(t, s, store.Op{Insert: in(a.ID, c2, "w2", "hello two")})

		chats, err := s.ListChats(ctx, a.ID, store.ListChatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := chatNames(chats)
		if want := fmt.Sprint([]string{c3, c1, c2}); fmt.Sprint(got) != want {
			t.Fatalf("order %v, want %v", got, want)
		}
		if chats[1].Last.ID != r1.ID || chats[1].Last.MessageText != "reply one" || chats[1].LastInAt == nil ||
			!chats[1].LastInAt.Equal(m1.CreatedAt) {
			t.Fatalf("chat 1 = %+v", chats[1])
		}
		for _, c := range chats {
			if c.TenantID != a.ID || c.Last.TenantID != a.ID {
				t.Fatalf("another tenant's data in %+v", c)
			}
		}
		// Paging and search.
		page, err := s.ListChats(ctx, a.ID, store.ListChatsOptions{Limit: 2})
		if err != nil || len(page) != 2 {
			t.Fatalf("page 1: %v %v", page, err)
		}
		rest, err := s.ListChats(ctx, a.ID, store.ListChatsOptions{Limit: 2, BeforeID: page[1].Last.ID})
		if err != nil || fmt.Sprint(chatNames(rest)) != fmt.Sprint([]string{c2}) {
			t.Fatalf("page 2: %v %v", chatNames(rest), err)
		}
		found, err := s.ListChats(ctx, a.ID, store.ListChatsOptions{Query: "0003"})
		if err != nil || fmt.Sprint(chatNames(found)) != fmt.Sprint([]string{c3}) {
			t.Fatalf("search: %v %v", chatNames(found), err)
		}
		if found, _ := s.ListChats(ctx, a.ID, store.ListChatsOptions{Query: "%"}); len(found) != 0 {
			t.Fatalf("wildcards must be literal: %v", chatNames(found))
		}

		// Pause and resume.
		if err := s.SetChatPaused(ctx, a.ID, c2, true); err != nil {
			t.Fatal(err)
		}
		c, err := s.GetChat(ctx, a.ID, c2)
		if err != nil || !c.Paused || c.PausedAt == nil || c.Last.ID != m2.ID {
			t.Fatalf("paused chat: %+v %v", c, err)
		}
		if p, err := s.PausedChats(ctx, a.ID); err != nil || fmt.Sprint(p) != fmt.Sprint([]string{c2}) {
			t.Fatalf("paused chats: %v %v", p, err)
		}
		if p, err := s.PausedChats(ctx, b.ID); err != nil || len(p) != 0 {
			t.Fatalf("B's paused chats: %v %v", p, err)
		}
		if err := s.SetChatPaused(ctx, a.ID, c2, false); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.GetChat(ctx, a.ID, c2); c.Paused || c.PausedAt != nil {
			t.Fatalf("resumed chat: %+v", c)
		}
		// Pausing a chat with no messages yet is remembered but not listed.
		if err := s.SetChatPaused(ctx, a.ID, "255799999999", true); err != nil {
			t.Fatal(err)
		}
		if chats, _ := s.ListChats(ctx, a.ID, store.ListChatsOptions{}); len(chats) != 3 {
			t.Fatalf("empty chat listed: %v", chatNames(chats))
		}
		if _, err := s.GetChat(ctx, b.ID, c2); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("B's view of A's chat: %v", err)
		}
		if err := s.SetChatPaused(ctx, a.ID, "", true); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("empty chat: %v", err)
		}

		// The 24-hour window reads the newest customer message.
		at, err := s.LastCustomerMessageAt(ctx, a.ID, c1)
		if err != nil || !at.Equal(m1.CreatedAt) || time.Since(at) > time.Hour {
			t.Fatalf("last customer message: %v %v", at, err)
		}
		if _, err := s.LastCustomerMessageAt(ctx, a.ID, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown chat: %v", err)
		}

		// Deleting a tenant with its history drops its chats; a chat
		// written again afterwards gets its row again (the writer's memory
		// of known chats forgets the tenant too).
		if err := s.DeleteTenant(ctx, b.ID, false); err != nil {
			t.Fatal(err)
		}
		if chats, _ := s.ListChats(ctx, b.ID, store.ListChatsOptions{}); len(chats) != 0 {
			t.Fatalf("deleted tenant's chats: %v", chatNames(chats))
		}
		commit(t, s, store.Op{Insert: in(b.ID, c1, "w9", "back again")})
		if chats, _ := s.ListChats(ctx, b.ID, store.ListChatsOptions{}); fmt.Sprint(chatNames(chats)) != fmt.Sprint([]string{c1}) {
			t.Fatalf("chat written after delete: %v", chatNames(chats))
		}
	})
}

func chatNames(chats []store.Chat) []string {
	out := make([]string, len(chats))
	for i, c := range chats {
		out[i] = c.Chat
	}
	return out
}
