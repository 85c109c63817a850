package app

import (
	"context"
	"errors"
)

// runReply previews replies. It lands with the templates package.
func runReply(ctx context.Context, args []string, env Env) error {
	return usageError{errors.New("reply is not available yet")}
}
