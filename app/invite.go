package app

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// Invite links: /invite/<token>, where the token is 256 random bits
// (base64url). The store knows only its SHA-256. Opening the link shows a
// set-password form; sending it redeems the invite (once, before it
// expires), sets the password and signs the user in.

// inviteOf finds the invite of the request's token. A token that cannot
// be used gives the status to answer with: 404 for an unknown one, 410
// (with the invite, for its language) for one that was used or has
// expired.
func (w *web) inviteOf(c echo.Context) (store.Invite, store.User, int, error) {
	secret, ok := decodeSecret(c.Param("token"))
	if !ok {
		return store.Invite{}, store.User{}, http.StatusNotFound, nil
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	inv, err := w.st.GetInvite(ctx, hashSecret(secret))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Invite{}, store.User{}, http.StatusNotFound, nil
	case err != nil:
		return store.Invite{}, store.User{}, 0, fmt.Errorf("app: invite: %w", err)
	case inv.UsedAt != nil || !time.Now().Before(inv.ExpiresAt):
		return inv, store.User{}, http.StatusGone, nil
	}
	u, err := w.st.GetUser(ctx, inv.UserID)
	if err != nil {
		return store.Invite{}, store.User{}, 0, fmt.Errorf("app: invite: %w", err)
	}
	return inv, u, 0, nil
}

// inviteGone answers with the page of an unusable invite.
func (w *web) inviteGone(c echo.Context, l views.PortalLayout, status int) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Retarget", "#invite-panel")
		c.Response().Header().Set("HX-Reswap", "outerHTML")
	}
	return w.render(c, status, views.InviteGonePage(l, views.T(l.Lang, "invite.gone")))
}

// inviteLayout is the frame of an invite page, in the tenant's language.
func (w *web) inviteLayout(c echo.Context, tenantID string) views.PortalLayout {
	l := w.signedOutLayout(c, "invite.title")
	if tenantID == "" {
		return l
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if cfg, err := w.st.GetTenantConfig(ctx, tenantID); err == nil {
		l.Lang = portalLang(cfg)
		l.Title = views.T(l.Lang, "invite.title")
		l.TenantName = cfg.BusinessName
	}
	return l
}

// inviteForm shows the set-password form of an invite (GET /invite/:token).
func (w *web) inviteForm(c echo.Context) error {
	inv, u, gone, err := w.inviteOf(c)
	if err != nil {
		return err
	}
	if gone != 0 {
		return w.inviteGone(c, w.inviteLayout(c, inv.TenantID), gone)
	}
	l := w.inviteLayout(c, inv.TenantID)
	p := views.InviteForm{Token: c.Param("token"), Email: u.Email}
	return w.page(c, http.StatusOK, views.InvitePage(l, p), views.InvitePanel(l, p))
}

// inviteAccept sets the password, redeems the invite and signs the user in
// (POST /invite/:token); then the portal opens.
func (w *web) inviteAccept(c echo.Context) error {
	inv, u, gone, err := w.inviteOf(c)
	if err != nil {
		return err
	}
	if gone != 0 {
		return w.inviteGone(c, w.inviteLayout(c, inv.TenantID), gone)
	}
	l := w.inviteLayout(c, inv.TenantID)
	p := views.InviteForm{Token: c.Param("token"), Email: u.Email, Errors: map[string]string{}}
	pw, pw2 := c.FormValue("password"), c.FormValue("password2")
	if err := validatePassword(pw); err != nil {
		p.Errors["password"] = views.T(l.Lang, "invite.short")
		if len(pw) > maxPasswordBytes {
			p.Errors["password"] = views.T(l.Lang, "invite.long")
		}
	} else if pw != pw2 {
		p.Errors["password2"] = views.T(l.Lang, "invite.mismatch")
	}
	if len(p.Errors) > 0 {
		return w.page(c, http.StatusUnprocessableEntity, views.InvitePage(l, p), views.InvitePanel(l, p))
	}
	hash, err := hashPassword(pw, w.opts.BcryptCost)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	u, err = w.st.UseInvite(ctx, inv.TokenHash, time.Now(), string(hash))
	switch {
	case store.IsInviteGone(err), errors.Is(err, store.ErrNotFound):
		return w.inviteGone(c, l, http.StatusGone)
	case err != nil:
		return fmt.Errorf("app: accept invite: %w", err)
	}
	if err := w.signIn(c, u); err != nil {
		return err
	}
	w.log.Info("invite accepted", "tenant_id", inv.TenantID, "user_id", u.ID)
	w.audit(c, "user.invite_accept", inv.TenantID, "", "password set by "+u.Email)
	return redirect(c, tenantHome)
}
