package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowhq/flowhq/store"
)

// runToken manages API tokens from the command line:
//
//	flowhq token create --admin [--name N]
//	flowhq token create --tenant ID [--name N]
//
// The token is printed once, alone on stdout (so TOKEN=$(flowhq token
// create --admin) works); only its hash is stored. Bad flags, an unknown
// tenant or a bad name exit with code 2.
func runToken(ctx context.Context, args []string, env Env) error {
	const usage = "usage: flowhq token create (--admin | --tenant ID) [--name N]"
	if len(args) == 0 || args[0] != "create" {
		return usagef(usage)
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	admin := fs.Bool("admin", false, "an admin token: every tenant and the admin-only endpoints")
	tenantID := fs.String("tenant", "", "a tenant token for the tenant with this id")
	name := fs.String("name", "", "a name to recognise the token by (default: command line)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v; %s", fs.Args(), usage)
	}
	*tenantID = strings.TrimSpace(*tenantID)
	if *admin == (*tenantID != "") {
		return usagef("give exactly one of --admin and --tenant ID; %s", usage)
	}
	n := strings.TrimSpace(*name)
	if n == "" {
		n = "command line"
	}
	if msg := checkTokenName(n); msg != "" {
		return usagef("--name: %s", msg)
	}
	cfg, err := LoadConfig(env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(env.Stderr, max(cfg.LogLevel, slog.LevelWarn))
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()

	token, hash, prefix := newAPIToken()
	t := store.APIToken{Name: n, Prefix: prefix, TokenHash: hash, Scope: store.TokenScopeAdmin, CreatedBy: "flowhq token create"}
	if !*admin {
		t.Scope, t.TenantID = store.TokenScopeTenant, tenantID
	}
	switch err := st.CreateAPIToken(ctx, &t); {
	case errors.Is(err, store.ErrNotFound):
		return usagef("there is no tenant %q", *tenantID)
	case err != nil:
		return fmt.Errorf("token create: %w", err)
	}
	e := store.AuditEntry{Action: "token.create", ActorEmail: "flowhq token create", TenantID: t.Tenant(),
		Detail: fmt.Sprintf("%s token %q (%s…) created from the command line", t.Scope, t.Name, t.Prefix)}
	if err := st.AddAudit(ctx, &e); err != nil {
		log.Warn("audit log write failed", "err", err)
	}
	fmt.Fprintln(env.Stdout, token)
	fmt.Fprintf(env.Stderr, "created %s token %q (id %s). It is shown only this once: keep it now.\n", t.Scope, t.Name, t.ID)
	return nil
}

// checkTokenName says what is wrong with a token name, if anything.
func checkTokenName(n string) string {
	switch {
	case !utf8.ValidString(n) || strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "the name must be plain text"
	case len(n) > store.MaxTokenName:
		return fmt.Sprintf("the name is too long: at most %d bytes", store.MaxTokenName)
	}
	return ""
}
