package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
)

// Setup requests: the service functions behind both the HTML pages and
// the JSON API. They validate, store, decide and audit; the handlers only
// bind and render.

// inviteTTL is how long an invite link works.
const inviteTTL = 7 * 24 * time.Hour

// setupWindow is the per-address window of FLOWHQ_SETUP_REQUESTS_PER_HOUR.
const setupWindow = time.Hour

// Limits of the request form's free-text fields (characters).
const (
	maxContactName = 120
	maxSetupNote   = 1000
	maxRejectText  = 500
)

// setupRequestInput is a setup request as submitted (form or JSON), before
// validation. Country (KE or TZ) says how to read a local number such as
// 0712345678. Honeypot is a field people never see: bots fill it.
type setupRequestInput struct {
	BusinessName, ContactName, Phone, Country, Email, Template, Language, Note, Honeypot string
}

// validationError is bad input: a message for each field that is wrong,
// keyed by the field's name (business_name, contact_name, phone, country,
// email, template, language, note, reason).
type validationError struct{ Fields map[string]string }

func (e *validationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "app: invalid input: " + strings.Join(parts, "; ")
}

// Errors of submitSetupRequest besides *validationError:
//
//   - errTooManyRequests: the client address sent its allowance of
//     requests in the last hour (FLOWHQ_SETUP_REQUESTS_PER_HOUR); HTTP 429.
//   - errPendingPhone (wraps store.ErrConflict): a request for this phone
//     number is already waiting for a decision; HTTP 409.
var (
	errTooManyRequests = errors.New("app: too many setup requests from this address; try again in an hour")
	errPendingPhone    = fmt.Errorf("app: a setup request for this phone number is already waiting for a decision: %w", store.ErrConflict)
)

// Countries whose local numbers (0712 345 678) the form understands.
var countryCodes = map[string]string{"KE": "254", "TZ": "255"}

// normalizeLocalPhone turns a phone number as people type it into E.164:
// international forms (+255…, 00255…, 255… without the plus) and local
// Kenyan or Tanzanian ones (0712…, or 712… without the 0) read with
// country. Spaces, dashes, dots and brackets are ignored. Kenyan and
// Tanzanian numbers must have nine digits after the country code.
func normalizeLocalPhone(v, country string) (string, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", "Enter the business's WhatsApp number."
	}
	var b strings.Builder
	plus := false
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", "A phone number has only digits, spaces, dashes and a leading +."
		}
	}
	d := b.String()
	cc := countryCodes[strings.ToUpper(strings.TrimSpace(country))]
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case (strings.HasPrefix(d, "254") || strings.HasPrefix(d, "255")) && len(d) == 12:
	case strings.HasPrefix(d, "0") && len(d) == 10, len(d) == 9 && d[0] != '0':
		if cc == "" {
			return "", "Choose the country (Kenya or Tanzania) for a local number, or type it with its country code, e.g. +255712345678."
		}
		d = cc + strings.TrimPrefix(d, "0")
	default:
		return "", "Enter a mobile number such as 0712 345 678, or with its country code, e.g. +255712345678."
	}
	p := "+" + d
	if !store.ValidPhoneNumber(p) {
		return "", "This is not a valid phone number. Use the format +255712345678."
	}
	for _, k := range []string{"254", "255"} {
		if strings.HasPrefix(d, k) && (len(d) != 12 || d[3] == '0') {
			return "", "Kenyan and Tanzanian numbers have nine digits after the country code, e.g. +255712345678."
		}
	}
	return p, ""
}

// checkText says what is wrong with a free-text field, if anything.
func checkFreeText(v string, max int, required bool, newlines bool) string {
	switch {
	case v == "" && required:
		return "This field is required."
	case !utf8.ValidString(v):
		return "Must be valid text."
	case utf8.RuneCountInString(v) > max:
		return fmt.Sprintf("Too long: at most %d characters.", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(newlines && (r == '\n' || r == '\r' || r == '\t')) {
			return "May not contain control characters."
		}
	}
	return ""
}

// validateSetupRequest checks the input and returns the request to store
// or the field messages.
func validateSetupRequest(in setupRequestInput) (store.SetupRequest, map[string]string) {
	errs := map[string]string{}
	r := store.SetupRequest{
		BusinessName: strings.TrimSpace(in.BusinessName),
		ContactName:  strings.TrimSpace(in.ContactName),
		Email:        store.NormalizeEmail(in.Email),
		Note:         strings.TrimSpace(in.Note),
	}
	if r.BusinessName == "" {
		errs["business_name"] = "Enter the name of the business."
	} else if err := templates.ValidateBusiness(r.BusinessName); err != nil {
		errs["business_name"] = businessError(err, r.BusinessName)
	}
	if r.ContactName == "" {
		errs["contact_name"] = "Enter your name."
	} else if msg := checkFreeText(r.ContactName, maxContactName, true, false); msg != "" {
		errs["contact_name"] = msg
	}
	if c := strings.ToUpper(strings.TrimSpace(in.Country)); c != "" && countryCodes[c] == "" {
		errs["country"] = "Choose Kenya or Tanzania, or leave it empty and type the number with its country code."
	}
	phone, msg := normalizeLocalPhone(in.Phone, in.Country)
	if msg != "" {
		errs["phone"] = msg
	}
	r.Phone = phone
	if err := validateEmail(r.Email); err != nil {
		errs["email"] = "The email " + err.Error() + "."
	}
	if t, err := templates.ParseTemplate(in.Template); err != nil {
		errs["template"] = "Choose what the bot should do: booking, ecommerce or support."
	} else {
		r.Template = string(t)
	}
	lang := in.Language
	if strings.TrimSpace(lang) == "" {
		lang = string(templates.Auto)
	}
	if l, err := templates.ParseLanguage(lang); err != nil {
		errs["language"] = "Choose automatic, English or Swahili."
	} else {
		r.Language = string(l)
	}
	if msg := checkFreeText(r.Note, maxSetupNote, false, true); msg != "" {
		errs["note"] = msg
	}
	return r, errs
}

// submitSetupRequest validates and stores a setup request from the client
// address ip. Errors: *validationError (wrapped) for bad fields,
// errTooManyRequests for an address over its hourly allowance (→ 429) and
// errPendingPhone (wrapping store.ErrConflict, → 409) when the phone has a
// request waiting already. A filled honeypot stores nothing but answers
// like a success, with a request that has a fresh id, so a bot cannot
// tell.
func (w *web) submitSetupRequest(ctx context.Context, in setupRequestInput, ip string) (store.SetupRequest, error) {
	r, errs := validateSetupRequest(in)
	if strings.TrimSpace(in.Honeypot) != "" {
		w.log.Info("setup request honeypot filled; ignored", "ip", ip)
		id, _ := uuid.NewV7()
		r.ID, r.Status, r.CreatedAt, r.UpdatedAt = id.String(), store.SetupPending, time.Now().UTC(), time.Now().UTC()
		return r, nil
	}
	if len(errs) > 0 {
		return store.SetupRequest{}, fmt.Errorf("app: setup request: %w", &validationError{Fields: errs})
	}
	r.IP = ip
	err := w.st.CreateSetupRequest(ctx, &r, w.opts.SetupPerHour, setupWindow)
	switch {
	case errors.Is(err, store.ErrTooMany):
		w.log.Warn("setup requests throttled", "ip", ip)
		return store.SetupRequest{}, errTooManyRequests
	case errors.Is(err, store.ErrConflict):
		return store.SetupRequest{}, errPendingPhone
	case err != nil:
		return store.SetupRequest{}, fmt.Errorf("app: setup request: %w", err)
	}
	w.log.Info("setup request received", "setup_request_id", r.ID, "template", r.Template)
	w.auditAs(ctx, store.User{}, "setup.request", "", r.BusinessName,
		fmt.Sprintf("request %s from %s <%s>, phone %s", r.ID, r.ContactName, r.Email, r.Phone))
	return r, nil
}

// setupApproval is what an approval produced: the invite link (shown once
// to the admin, who forwards it; only its hash is stored) and when it
// stops working.
type setupApproval struct {
	Request       store.SetupRequest
	Tenant        store.Tenant
	InviteURL     string
	InviteExpires time.Time
	// WorkerError says why the worker did not start ("" = it started);
	// the tenant exists either way and can be started from its page.
	WorkerError string
}

// Errors of approveSetupRequest and rejectSetupRequest, all wrapping
// store.ErrConflict (→ 409) or store.ErrNotFound (→ 404).
var (
	errAlreadyDecided = fmt.Errorf("app: this setup request was already decided: %w", store.ErrConflict)
	errEmailTaken     = fmt.Errorf("app: an account with this email exists already: %w", store.ErrConflict)
	errPhoneTaken     = fmt.Errorf("app: another tenant already uses this phone number: %w", store.ErrConflict)
)

// approveSetupRequest turns a pending request into a tenant: the tenant
// and its config (template, language and business name from the request),
// a tenant user with the request's email and a one-time invite link valid
// for inviteTTL; then it starts the worker. It is audited as the admin by.
// If a step after creating the tenant fails, the tenant is removed again,
// so a failed approval leaves the request pending and nothing behind.
func (w *web) approveSetupRequest(ctx context.Context, id string, by store.User) (setupApproval, error) {
	r, err := w.st.GetSetupRequest(ctx, id)
	if err != nil {
		return setupApproval{}, fmt.Errorf("app: approve setup request: %w", err)
	}
	if r.Status != store.SetupPending {
		return setupApproval{}, errAlreadyDecided
	}
	if _, err := w.st.GetUserByEmail(ctx, r.Email); err == nil {
		return setupApproval{}, errEmailTaken
	} else if !errors.Is(err, store.ErrNotFound) {
		return setupApproval{}, fmt.Errorf("app: approve setup request: %w", err)
	}
	name := r.BusinessName
	if utf8.RuneCountInString(name) > maxTenantName {
		name = string([]rune(name)[:maxTenantName])
	}
	t := store.Tenant{Name: name, PhoneNumber: r.Phone}
	cfg := store.TenantConfig{TemplateType: r.Template, BusinessName: r.BusinessName, Language: r.Language}
	if err := w.createTenant(ctx, &t, cfg); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return setupApproval{}, errPhoneTaken
		}
		return setupApproval{}, err
	}
	token := newSecret()
	now := time.Now()
	inv := store.Invite{TokenHash: hashSecret(token), CreatedBy: by.Email, CreatedAt: now, ExpiresAt: now.Add(inviteTTL)}
	u := store.User{Email: r.Email, PasswordHash: unusablePassword()}
	r, err = w.st.ApproveSetupRequest(ctx, id, t.ID, &u, inv, by.Email)
	if err != nil {
		// Undo the tenant: the request stays pending and can be retried.
		if derr := w.st.DeleteTenant(context.WithoutCancel(ctx), t.ID, false); derr != nil {
			w.log.Error("approval failed and its tenant could not be removed", "tenant_id", t.ID, "err", derr)
		}
		switch {
		case errors.Is(err, store.ErrDecided):
			return setupApproval{}, errAlreadyDecided
		case errors.Is(err, store.ErrConflict):
			return setupApproval{}, errEmailTaken
		}
		return setupApproval{}, fmt.Errorf("app: approve setup request: %w", err)
	}
	a := setupApproval{Request: r, Tenant: t, InviteURL: w.inviteURL(token), InviteExpires: inv.ExpiresAt}
	w.auditAs(ctx, by, "tenant.create", t.ID, t.Name, describeConfig(t, cfg))
	w.auditAs(ctx, by, "setup.approve", t.ID, t.Name,
		fmt.Sprintf("request %s approved; account %s invited until %s", r.ID, u.Email, inv.ExpiresAt.UTC().Format(time.RFC3339)))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), workerCtx)
	defer cancel()
	if err := w.sup.Start(sctx, t.ID); err != nil {
		w.log.Error("start worker of an approved tenant", "tenant_id", t.ID, "err", err)
		a.WorkerError = shortError(err)
	} else {
		w.log.Info("setup request approved; worker started", "tenant_id", t.ID, "setup_request_id", r.ID)
	}
	return a, nil
}

// rejectSetupRequest declines a pending request with a reason the admin
// gives (required), audited as by.
func (w *web) rejectSetupRequest(ctx context.Context, id, reason string, by store.User) (store.SetupRequest, error) {
	reason = strings.TrimSpace(reason)
	if msg := checkFreeText(reason, maxRejectText, true, true); msg != "" {
		if reason == "" {
			msg = "Give a reason: it is kept with the request."
		}
		return store.SetupRequest{}, fmt.Errorf("app: reject setup request: %w", &validationError{Fields: map[string]string{"reason": msg}})
	}
	r, err := w.st.RejectSetupRequest(ctx, id, reason, by.Email)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.SetupRequest{}, errAlreadyDecided
		}
		return store.SetupRequest{}, fmt.Errorf("app: reject setup request: %w", err)
	}
	w.log.Info("setup request rejected", "setup_request_id", r.ID)
	w.auditAs(ctx, by, "setup.reject", "", r.BusinessName, fmt.Sprintf("request %s (%s) rejected: %s", r.ID, r.Phone, reason))
	return r, nil
}

// reissueInvite gives the tenant user of an approved request a new invite
// link (the old unused one stops working), for when the first expired or
// got lost. It is audited as by.
func (w *web) reissueInvite(ctx context.Context, id string, by store.User) (setupApproval, error) {
	r, err := w.st.GetSetupRequest(ctx, id)
	if err != nil {
		return setupApproval{}, fmt.Errorf("app: new invite: %w", err)
	}
	if r.Status != store.SetupApproved || r.TenantID == nil {
		return setupApproval{}, fmt.Errorf("app: new invite: the request has no tenant: %w", store.ErrConflict)
	}
	t, err := w.st.GetTenant(ctx, *r.TenantID)
	if err != nil {
		return setupApproval{}, fmt.Errorf("app: new invite: %w", err)
	}
	u, err := w.st.GetUserByEmail(ctx, r.Email)
	if err != nil || tenantOf(u) != t.ID {
		return setupApproval{}, fmt.Errorf("app: new invite: the tenant's account is gone: %w", store.ErrNotFound)
	}
	token := newSecret()
	now := time.Now()
	inv := store.Invite{TokenHash: hashSecret(token), UserID: u.ID, TenantID: t.ID, CreatedBy: by.Email, CreatedAt: now, ExpiresAt: now.Add(inviteTTL)}
	if err := w.st.CreateInvite(ctx, inv); err != nil {
		return setupApproval{}, fmt.Errorf("app: new invite: %w", err)
	}
	w.auditAs(ctx, by, "user.invite", t.ID, t.Name, fmt.Sprintf("new invite for %s until %s", u.Email, inv.ExpiresAt.UTC().Format(time.RFC3339)))
	return setupApproval{Request: r, Tenant: t, InviteURL: w.inviteURL(token), InviteExpires: inv.ExpiresAt}, nil
}

// inviteURL is the link of an invite token.
func (w *web) inviteURL(token []byte) string {
	return w.opts.BaseURL + "/invite/" + encodeSecret(token)
}

// unusablePassword is the password hash of an account that has not
// chosen a password yet: no bcrypt hash, so no password matches it.
func unusablePassword() string { return "!invited:" + encodeSecret(newSecret()) }

// clientIPKey carries the client address to auditAs.
type clientIPKey struct{}

// withClientIP returns ctx carrying the request's client address, which
// auditAs records.
func withClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// auditAs records an action by the account by (zero for the public) from
// a context that may carry the client address (withClientIP). Failures are
// logged: the action has happened already.
func (w *web) auditAs(ctx context.Context, by store.User, action, tenantID, tenantName, detail string) {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	e := store.AuditEntry{Action: action, TenantID: tenantID, TenantName: tenantName, Detail: detail, IP: ip,
		ActorID: by.ID, ActorEmail: by.Email}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.st.AddAudit(actx, &e); err != nil {
		w.log.Error("audit log write failed", "action", action, "tenant_id", tenantID, "err", err)
	}
}
