// Package app wires configuration, the store, the tenant supervisor and the
// HTTP server together, and implements the flowhq command line.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Env is everything a command takes from its process, passed explicitly so
// commands are testable and no configuration lives in globals.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // a runtime failure
	exitUsage = 2 // bad flags, bad input or bad configuration
)

// usageError marks an error caused by the caller's input; it exits with code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef builds a usageError.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env Env) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (default)", runServe},
		{"reply", "preview bot replies for messages read from stdin", runReply},
		{"healthcheck", "exit 0 if the server on FLOWHQ_ADDR answers /healthz", runHealthcheck},
		{"simulate", "load-test the runtime with simulated phones and print a JSON summary", runSimulate},
		{"admin", "manage dashboard accounts: admin create --email E --password P", runAdmin},
		{"token", "create an API token: token create (--admin | --tenant ID) [--name N]", runToken},
	}
}

// Main runs the flowhq command line and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		printUsage(env.Stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args, env)
		if err == nil {
			return exitOK
		}
		fmt.Fprintf(env.Stderr, "flowhq %s: %v\n", name, err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitError
	}
	fmt.Fprintf(env.Stderr, "flowhq: unknown command %q\n\n", name)
	printUsage(env.Stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: flowhq <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help       show this help")
}
