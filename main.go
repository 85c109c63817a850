// Command flowhq is a multi-tenant WhatsApp automation server.
//
// The binary dispatches subcommands (serve, reply, simulate, ...); all wiring
// lives in package app so this file stays tiny.
package main

import (
	"context"
	"os"

	"github.com/flowhq/flowhq/app"
)

func main() {
	os.Exit(app.Main(context.Background(), os.Args[1:], app.Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
	}))
}
