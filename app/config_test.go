package app

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.WhatsApp != "whatsmeow" || c.MaxConcurrentLinking != 4 || c.MaxRestarts != 10 ||
		c.Heartbeat != 30*time.Second || c.StaleAfter != 2*time.Minute || c.RateLimit != 20 || c.HandoffPause != 30*time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
}

// A bad FLOWHQ_* value stops start-up with a message naming it, exit 2.
func TestBadEnvironmentIsRefused(t *testing.T) {
	for name, val := range map[string]string{
		"FLOWHQ_MAX_RESTARTS":          "0",
		"FLOWHQ_HEARTBEAT_INTERVAL":    "often",
		"FLOWHQ_STALE_AFTER":           "-1m",
		"FLOWHQ_RATE_LIMIT_PER_MINUTE": "-3",
		"FLOWHQ_WHATSAPP":              "carrier-pigeon",
		"FLOWHQ_LOG_LEVEL":             "loud",
		"FLOWHQ_HANDOFF_PAUSE":         "30",
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := Main(context.Background(), []string{"serve"}, Env{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: envOf(map[string]string{name: val})})
			if code != 2 {
				t.Fatalf("exit code %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), name) {
				t.Fatalf("error does not name %s: %s", name, stderr.String())
			}
		})
	}
}

func TestUnknownCommandAndBadFlags(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"simulate", "--tenants", "0"}, {"simulate", "--duplicates", "150"}, {"simulate", "--concurrency", "-1"}, {"simulate", "--database", "mysql://x"}, {"serve", "--nope"}} {
		var stderr bytes.Buffer
		if code := Main(context.Background(), args, Env{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: envOf(nil)}); code != 2 {
			t.Errorf("%v: exit code %d, want 2 (%s)", args, code, stderr.String())
		}
	}
}

// simulate runs the whole runtime and finds nothing lost or doubled.
func TestSimulateSmall(t *testing.T) {
	for _, extra := range [][]string{nil, {"--concurrency", "4"}, {"--rate", "600"}} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"simulate", "--tenants", "5", "--chats", "3", "--messages", "300", "--duplicates", "10", "--data-dir", t.TempDir()}, extra...)
		code := Main(context.Background(), args, Env{Stdout: &stdout, Stderr: &stderr, Getenv: envOf(nil)})
		if code != 0 {
			t.Fatalf("%v: exit %d: %s %s", extra, code, stdout.String(), stderr.String())
		}
		for _, want := range []string{`"lost":0`, `"double_replies":0`, `"messages_in":300`, `"replies_sent":300`} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%v: summary lacks %s: %s", extra, want, stdout.String())
			}
		}
		if slices.Contains(extra, "--rate") {
			// 300 messages at 600/s: the pacer must spread them over half a second.
			var sum struct {
				LoadS float64 `json:"load_s"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.LoadS < 0.45 {
				t.Errorf("paced run took %.2f s (%v), want about 0.5 s", sum.LoadS, err)
			}
		}
	}
}

// With a rate limit, over-limit replies are suppressed and counted.
func TestSimulateRateLimited(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"simulate", "--tenants", "2", "--chats", "5", "--messages", "40", "--rate-limit", "5", "--data-dir", t.TempDir()},
		Env{Stdout: &stdout, Stderr: &stderr, Getenv: envOf(nil)})
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	// 2 tenants × (5 replies + 1 notice) sent; the other 28 suppressed.
	for _, want := range []string{`"replies_sent":12`, `"suppressed":28`, `"lost":0`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %s: %s", want, stdout.String())
		}
	}
}
