package app

import (
	"context"
	"errors"
)

// runServe runs the server. It lands with the tenant runtime.
func runServe(ctx context.Context, args []string, env Env) error {
	return usageError{errors.New("serve is not available yet: it lands with the tenant runtime")}
}
