package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowhq/flowhq/store"
)

// bootstrapAdmin makes sure someone can sign in. With FLOWHQ_ADMIN_EMAIL
// and FLOWHQ_ADMIN_PASSWORD it creates that admin when no admin exists;
// with neither, and no admin yet, it opens a one-time setup link and logs
// it. An existing admin is never changed.
func (w *web) bootstrapAdmin(ctx context.Context, email, password string) error {
	if (email == "") != (password == "") {
		return usagef("set both FLOWHQ_ADMIN_EMAIL and FLOWHQ_ADMIN_PASSWORD, or neither")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	has, err := w.st.HasAdmin(ctx)
	if err != nil {
		return fmt.Errorf("app: bootstrap admin: %w", err)
	}
	if has {
		return nil
	}
	if email == "" {
		w.setupToken = encodeSecret(newSecret())
		w.log.Warn("no admin account yet: open this one-time link to create one (it works until the first admin exists)",
			"url", w.opts.BaseURL+"/admin/setup?token="+w.setupToken)
		return nil
	}
	hash, err := hashPassword(password, w.opts.BcryptCost)
	if err != nil {
		return err
	}
	u := store.User{Email: email, PasswordHash: string(hash), Role: store.RoleAdmin}
	switch err := w.st.CreateFirstAdmin(ctx, &u); {
	case errors.Is(err, store.ErrConflict):
		return nil // another process created one meanwhile
	case err != nil:
		return fmt.Errorf("app: bootstrap admin: %w", err)
	}
	e := store.AuditEntry{Action: "user.create", ActorEmail: "FLOWHQ_ADMIN_EMAIL", Detail: "first admin " + u.Email + " created at start"}
	if err := w.st.AddAudit(ctx, &e); err != nil {
		w.log.Warn("audit log write failed", "err", err)
	}
	w.log.Info("created the first admin from FLOWHQ_ADMIN_EMAIL", "email", u.Email)
	return nil
}
