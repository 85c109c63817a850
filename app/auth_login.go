package app

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/flowhq/flowhq/store"
)

// Why checkPassword refused, besides an internal error.
var (
	errLoginThrottled = errors.New("too many failed sign-ins")
	errLoginEmpty     = errors.New("email and password are required")
	errLoginWrong     = errors.New("wrong email or password")
)

// checkPassword is the one credential check of every sign-in form: the
// per-account and per-address throttle, the same bcrypt work whether or
// not the account exists, and the throttle's bookkeeping. On
// errLoginThrottled it has set Retry-After and returns the wait. where
// names the form in log lines.
func (w *web) checkPassword(c echo.Context, email, password, where string) (store.User, time.Duration, error) {
	ip := c.RealIP()
	if wait := w.throttle.wait(email, ip); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		w.log.Warn("sign-in throttled", "form", where, "email", email, "ip", ip, "retry_after", wait.Round(time.Second))
		return store.User{}, wait, errLoginThrottled
	}
	if email == "" || password == "" {
		return store.User{}, 0, errLoginEmpty
	}
	ctx, cancel := reqCtx(c, 10*time.Second)
	defer cancel()
	u, err := w.st.GetUserByEmail(ctx, email)
	hash := []byte(u.PasswordHash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		hash = w.dummyHash // spend the same time as for a real account
	case err != nil:
		return store.User{}, 0, fmt.Errorf("app: sign in: %w", err)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil {
		w.throttle.fail(email, ip)
		w.log.Info("sign-in failed", "form", where, "email", email, "ip", ip)
		return store.User{}, 0, errLoginWrong
	}
	w.throttle.succeed(email)
	return u, 0, nil
}
