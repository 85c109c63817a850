package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/flowhq/flowhq/store"
)

// runAdmin manages dashboard accounts from the command line:
//
//	flowhq admin create --email E --password P
//	flowhq admin create --email E --password-stdin < file
//	flowhq admin create --email E --password P --role tenant --tenant ID
//
// Bad input (a malformed email, a short password, an email already taken,
// an unknown tenant) exits with code 2.
func runAdmin(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: flowhq admin create --email E (--password P | --password-stdin) [--role admin|tenant --tenant ID]")
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	email := fs.String("email", "", "the account's email address (required)")
	password := fs.String("password", "", "the password, at least 10 characters")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin (keeps it out of the process list)")
	role := fs.String("role", store.RoleAdmin, "admin, or tenant for a tenant portal account")
	tenantID := fs.String("tenant", "", "the tenant a tenant account belongs to")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	if *fromStdin {
		if *password != "" {
			return usagef("give --password or --password-stdin, not both")
		}
		pw, err := readPasswordLine(env.Stdin)
		if err != nil {
			return err
		}
		*password = pw
	}
	if err := validateEmail(*email); err != nil {
		return usagef("--email %v", err)
	}
	if err := validatePassword(*password); err != nil {
		return usagef("--password %v", err)
	}
	u := store.User{Email: store.NormalizeEmail(*email), Role: *role}
	switch *role {
	case store.RoleAdmin:
		if *tenantID != "" {
			return usagef("--tenant is only for --role tenant")
		}
	case store.RoleTenant:
		if *tenantID == "" {
			return usagef("--role tenant needs --tenant ID")
		}
		u.TenantID = tenantID
	default:
		return usagef("--role must be admin or tenant")
	}
	cfg, err := LoadConfig(env.Getenv)
	if err != nil {
		return err
	}
	hash, err := hashPassword(*password, 0)
	if err != nil {
		return err
	}
	u.PasswordHash = string(hash)
	log := newLogger(env.Stderr, max(cfg.LogLevel, slog.LevelWarn))
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch err := st.CreateUser(ctx, &u); {
	case errors.Is(err, store.ErrConflict):
		return usagef("an account with email %s already exists", u.Email)
	case errors.Is(err, store.ErrNotFound):
		return usagef("there is no tenant %q", *tenantID)
	case err != nil:
		return fmt.Errorf("admin create: %w", err)
	}
	e := store.AuditEntry{Action: "user.create", ActorEmail: "flowhq admin create", TenantID: *tenantID,
		Detail: fmt.Sprintf("%s account %s created from the command line", u.Role, u.Email)}
	if err := st.AddAudit(ctx, &e); err != nil {
		log.Warn("audit log write failed", "err", err)
	}
	fmt.Fprintf(env.Stdout, "created %s account %s (id %s)\n", u.Role, u.Email, u.ID)
	return nil
}

// readPasswordLine reads one line from r, without its line ending.
func readPasswordLine(r io.Reader) (string, error) {
	if r == nil {
		return "", usagef("--password-stdin: no input")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("admin create: read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
