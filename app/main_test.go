package app

import (
	"context"
	"os"
	"strings"
	"testing"
)

// childEnv makes the test binary act as the flowhq binary, so tests can run
// the real program as a child process (and kill it).
const childEnv = "FLOWHQ_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Exit(Main(context.Background(), strings.Split(args, "\x1f"), Env{
			Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		}))
	}
	os.Exit(m.Run())
}
