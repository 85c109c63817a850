package app

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// setupOpen reports whether token opens the first-admin form: the server
// logged a setup link at start and no admin exists yet. Anything else is a
// plain 404, so the page does not advertise itself.
func (w *web) setupOpen(c echo.Context, token string) error {
	if w.setupToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(w.setupToken)) != 1 {
		return errNotFound("page")
	}
	ctx, cancel := reqCtx(c, 5*time.Second)
	defer cancel()
	has, err := w.st.HasAdmin(ctx)
	if err != nil {
		return fmt.Errorf("app: setup: %w", err)
	}
	if has {
		return errNotFound("page")
	}
	return nil
}

// adminSetupForm shows the first-admin form (GET /admin/setup?token=…).
func (w *web) adminSetupForm(c echo.Context) error {
	token := c.QueryParam("token")
	if err := w.setupOpen(c, token); err != nil {
		return err
	}
	p := views.Setup{Token: token}
	return w.page(c, http.StatusOK, views.SetupPage(w.layout(c, "Set up", ""), p), views.SetupPanel(w.csrfToken(c), p))
}

// adminSetup creates the first admin and signs them in (POST /admin/setup).
func (w *web) adminSetup(c echo.Context) error {
	token := c.FormValue("token")
	if err := w.setupOpen(c, token); err != nil {
		return err
	}
	email, password := store.NormalizeEmail(c.FormValue("email")), c.FormValue("password")
	p := views.Setup{Token: token, Email: email, Errors: map[string]string{}}
	if err := validateEmail(email); err != nil {
		p.Errors["email"] = "Email " + err.Error() + "."
	}
	if err := validatePassword(password); err != nil {
		p.Errors["password"] = "The password " + err.Error() + "."
	} else if c.FormValue("confirm") != password {
		p.Errors["confirm"] = "The two passwords differ."
	}
	if len(p.Errors) > 0 {
		return w.page(c, http.StatusUnprocessableEntity, views.SetupPage(w.layout(c, "Set up", ""), p), views.SetupPanel(w.csrfToken(c), p))
	}
	hash, err := hashPassword(password, w.opts.BcryptCost)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, 10*time.Second)
	defer cancel()
	u := store.User{Email: email, PasswordHash: string(hash), Role: store.RoleAdmin}
	if err := w.st.CreateFirstAdmin(ctx, &u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return errNotFound("page") // someone else finished the set-up first
		}
		return fmt.Errorf("app: setup: %w", err)
	}
	w.log.Info("first admin created through the setup link", "email", u.Email)
	if err := w.signIn(c, u); err != nil {
		return err
	}
	w.audit(c, "auth.setup", "", "", "first admin created through the setup link")
	return redirect(c, adminHome)
}
