package app

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration, read once from the environment at
// start and passed down explicitly.
type Config struct {
	DatabaseURL     string        // DATABASE_URL
	DataDir         string        // FLOWHQ_DATA_DIR
	Addr            string        // FLOWHQ_ADDR
	WhatsApp        string        // FLOWHQ_WHATSAPP: whatsmeow or sim
	LogLevel        slog.Level    // FLOWHQ_LOG_LEVEL
	MaxRestarts     int           // FLOWHQ_MAX_RESTARTS
	BackoffBase     time.Duration // FLOWHQ_BACKOFF_BASE
	BackoffMax      time.Duration // FLOWHQ_BACKOFF_MAX
	BackoffReset    time.Duration // FLOWHQ_BACKOFF_RESET
	Heartbeat       time.Duration // FLOWHQ_HEARTBEAT_INTERVAL
	StaleAfter      time.Duration // FLOWHQ_STALE_AFTER
	RateLimit       int           // FLOWHQ_RATE_LIMIT_PER_MINUTE
	HandoffPause    time.Duration // FLOWHQ_HANDOFF_PAUSE
	ShutdownTimeout time.Duration // FLOWHQ_SHUTDOWN_TIMEOUT

	// Dashboard and sign-in.
	BaseURL           string        // FLOWHQ_BASE_URL: the public URL of the server
	AdminEmail        string        // FLOWHQ_ADMIN_EMAIL
	AdminPassword     string        // FLOWHQ_ADMIN_PASSWORD
	SessionIdle       time.Duration // FLOWHQ_SESSION_IDLE_TIMEOUT
	SessionMaxAge     time.Duration // FLOWHQ_SESSION_MAX_AGE
	LoginMaxFailures  int           // FLOWHQ_LOGIN_MAX_FAILURES: per account per window
	LoginMaxPerIP     int           // FLOWHQ_LOGIN_MAX_FAILURES_PER_IP: per client address per window
	LoginWindow       time.Duration // FLOWHQ_LOGIN_THROTTLE_WINDOW
	TrustProxyHeaders bool          // FLOWHQ_TRUST_PROXY: client address from X-Forwarded-For

	// Onboarding.
	SetupRequestsPerHour int // FLOWHQ_SETUP_REQUESTS_PER_HOUR: per client address; 0 = no limit

	// Webhook delivery (webhook.go).
	WebhookTimeout   time.Duration // FLOWHQ_WEBHOOK_TIMEOUT
	WebhookRetryBase time.Duration // FLOWHQ_WEBHOOK_RETRY_BASE
	WebhookRetryMax  time.Duration // FLOWHQ_WEBHOOK_RETRY_MAX
	WebhookMaxAge    time.Duration // FLOWHQ_WEBHOOK_MAX_AGE
	// FLOWHQ_WEBHOOK_ALLOW_PRIVATE: deliveries may reach internal addresses.
	WebhookAllowPrivate bool

	// The whatsmeow link.
	MaxConcurrentLinking int           // FLOWHQ_MAX_CONCURRENT_LINKING
	WatchdogNotLoggedIn  time.Duration // FLOWHQ_WATCHDOG_NOT_LOGGED_IN
	WatchdogSilent       time.Duration // FLOWHQ_WATCHDOG_SILENT
	WatchdogKeepAlive    int           // FLOWHQ_WATCHDOG_KEEPALIVE_FAILURES
	TypingDelay          time.Duration // FLOWHQ_TYPING_DELAY: 0 = no typing indicator

	// Prometheus metrics.
	MetricsAddr      string // FLOWHQ_METRICS_ADDR: own listener for /metrics; "" = main address, admin token
	MetricsPerTenant bool   // FLOWHQ_METRICS_PER_TENANT: tenant_id labelled series too

	GCHeadroomMB int // FLOWHQ_GC_HEADROOM_MB: see gctune.go
}

// envVar documents one setting; the table drives parsing, defaults and the
// README's list.
type envVar struct {
	name, def, help string
	set             func(c *Config, v string) error
}

func envVars() []envVar {
	return []envVar{
		{"DATABASE_URL", "", "postgres:// or postgresql:// URL selects PostgreSQL; empty selects embedded SQLite",
			func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
		{"FLOWHQ_DATA_DIR", "./data", "directory of the SQLite database file flowhq.db",
			func(c *Config, v string) error { c.DataDir = v; return nonEmpty(v) }},
		{"FLOWHQ_ADDR", ":8080", "HTTP listen address",
			func(c *Config, v string) error { c.Addr = v; return nonEmpty(v) }},
		{"FLOWHQ_WHATSAPP", "whatsmeow", "WhatsApp link: whatsmeow (real phones) or sim (simulated phones)",
			func(c *Config, v string) error {
				c.WhatsApp = v
				if v != "whatsmeow" && v != "sim" {
					return fmt.Errorf("want whatsmeow or sim")
				}
				return nil
			}},
		{"FLOWHQ_LOG_LEVEL", "info", "debug, info, warn or error",
			func(c *Config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
		{"FLOWHQ_MAX_RESTARTS", "10", "consecutive worker failures before it stops in ERROR",
			func(c *Config, v string) error { return parseInt(v, 1, &c.MaxRestarts) }},
		{"FLOWHQ_BACKOFF_BASE", "1s", "first restart delay of a failed worker (doubles per failure)",
			func(c *Config, v string) error { return parseDuration(v, &c.BackoffBase) }},
		{"FLOWHQ_BACKOFF_MAX", "5m", "longest restart delay",
			func(c *Config, v string) error { return parseDuration(v, &c.BackoffMax) }},
		{"FLOWHQ_BACKOFF_RESET", "10m", "healthy run time after which past failures are forgiven",
			func(c *Config, v string) error { return parseDuration(v, &c.BackoffReset) }},
		{"FLOWHQ_HEARTBEAT_INTERVAL", "30s", "how often the supervisor pings every worker",
			func(c *Config, v string) error { return parseDuration(v, &c.Heartbeat) }},
		{"FLOWHQ_STALE_AFTER", "2m", "a worker silent this long is marked ERROR (stale) and restarted",
			func(c *Config, v string) error { return parseDuration(v, &c.StaleAfter) }},
		{"FLOWHQ_RATE_LIMIT_PER_MINUTE", "20", "bot replies per minute per tenant (tenant config can override; 0 = off)",
			func(c *Config, v string) error { return parseInt(v, 0, &c.RateLimit) }},
		{"FLOWHQ_HANDOFF_PAUSE", "30m", "bot silence in a chat after the business replies from its phone",
			func(c *Config, v string) error { return parseDuration(v, &c.HandoffPause) }},
		{"FLOWHQ_SHUTDOWN_TIMEOUT", "10s", "how long SIGINT/SIGTERM waits for work to drain",
			func(c *Config, v string) error { return parseDuration(v, &c.ShutdownTimeout) }},
		{"FLOWHQ_BASE_URL", "", "public URL of the server (https:// makes cookies Secure); default http://localhost:PORT",
			func(c *Config, v string) error { return parseBaseURL(v, &c.BaseURL) }},
		{"FLOWHQ_ADMIN_EMAIL", "", "with FLOWHQ_ADMIN_PASSWORD: create this admin at start when no admin exists",
			func(c *Config, v string) error { return parseAdminEmail(v, &c.AdminEmail) }},
		{"FLOWHQ_ADMIN_PASSWORD", "", "password of FLOWHQ_ADMIN_EMAIL (at least 10 characters)",
			func(c *Config, v string) error { return parseAdminPassword(v, &c.AdminPassword) }},
		{"FLOWHQ_SESSION_IDLE_TIMEOUT", "12h", "a dashboard session unused this long is signed out",
			func(c *Config, v string) error { return parseDuration(v, &c.SessionIdle) }},
		{"FLOWHQ_SESSION_MAX_AGE", "168h", "a dashboard session ends this long after sign-in, used or not",
			func(c *Config, v string) error { return parseDuration(v, &c.SessionMaxAge) }},
		{"FLOWHQ_LOGIN_MAX_FAILURES", "5", "failed sign-ins per account within the throttle window before it is locked for the window",
			func(c *Config, v string) error { return parseInt(v, 1, &c.LoginMaxFailures) }},
		{"FLOWHQ_LOGIN_MAX_FAILURES_PER_IP", "20", "failed sign-ins per client address within the throttle window before it is locked for the window",
			func(c *Config, v string) error { return parseInt(v, 1, &c.LoginMaxPerIP) }},
		{"FLOWHQ_LOGIN_THROTTLE_WINDOW", "15m", "the sign-in throttle window",
			func(c *Config, v string) error { return parseDuration(v, &c.LoginWindow) }},
		{"FLOWHQ_TRUST_PROXY", "false", "true behind a reverse proxy: take the client address from X-Forwarded-For",
			func(c *Config, v string) error { return parseBool(v, &c.TrustProxyHeaders) }},
		{"FLOWHQ_SETUP_REQUESTS_PER_HOUR", "5", "setup requests the public form accepts per client address per hour (0 = no limit)",
			func(c *Config, v string) error { return parseInt(v, 0, &c.SetupRequestsPerHour) }},
		{"FLOWHQ_WEBHOOK_TIMEOUT", "10s", "one webhook delivery attempt gives up after this long",
			func(c *Config, v string) error { return parseDuration(v, &c.WebhookTimeout) }},
		{"FLOWHQ_WEBHOOK_RETRY_BASE", "5s", "first retry delay of a failed webhook delivery (doubles per failure, ±20% jitter)",
			func(c *Config, v string) error { return parseDuration(v, &c.WebhookRetryBase) }},
		{"FLOWHQ_WEBHOOK_RETRY_MAX", "1h", "longest retry delay of a webhook delivery",
			func(c *Config, v string) error { return parseDuration(v, &c.WebhookRetryMax) }},
		{"FLOWHQ_WEBHOOK_MAX_AGE", "24h", "a webhook event still failing this long after its first attempt becomes a dead letter",
			func(c *Config, v string) error { return parseDuration(v, &c.WebhookMaxAge) }},
		{"FLOWHQ_WEBHOOK_ALLOW_PRIVATE", "false", "true lets webhooks reach loopback, private and link-local addresses (off: a tenant cannot make the server POST into its own network)",
			func(c *Config, v string) error { return parseBool(v, &c.WebhookAllowPrivate) }},
		{"FLOWHQ_MAX_CONCURRENT_LINKING", "4", "tenants that may be pairing (QR or pairing code) at once; the others wait for a slot",
			func(c *Config, v string) error { return parseInt(v, 1, &c.MaxConcurrentLinking) }},
		{"FLOWHQ_WATCHDOG_NOT_LOGGED_IN", "3m", "a linked WhatsApp session not logged in for this long is reconnected",
			func(c *Config, v string) error { return parseDuration(v, &c.WatchdogNotLoggedIn) }},
		{"FLOWHQ_WATCHDOG_SILENT", "3m", "a connected WhatsApp session that received nothing for this long (not even keepalive answers) is reconnected",
			func(c *Config, v string) error { return parseDuration(v, &c.WatchdogSilent) }},
		{"FLOWHQ_WATCHDOG_KEEPALIVE_FAILURES", "3", "keepalive pings failed in a row after which a WhatsApp session is reconnected",
			func(c *Config, v string) error { return parseInt(v, 1, &c.WatchdogKeepAlive) }},
		{"FLOWHQ_TYPING_DELAY", "800ms", "average time \"typing…\" shows before a bot reply (varies ±50%); 0 turns it off",
			func(c *Config, v string) error {
				if v == "0" {
					c.TypingDelay = 0
					return nil
				}
				return parseDuration(v, &c.TypingDelay)
			}},
		{"FLOWHQ_METRICS_ADDR", "", "listen address (e.g. 127.0.0.1:9090) of a separate, unauthenticated /metrics listener; empty serves /metrics on FLOWHQ_ADDR behind an admin API token",
			func(c *Config, v string) error { return parseListenAddr(v, &c.MetricsAddr) }},
		{"FLOWHQ_GC_HEADROOM_MB", "160", "room the heap may grow into between garbage collections while little is live: raises Go's GOGC up to 400 for a small heap, never below 100; 0, or GOGC in the environment, leaves Go's pacing alone",
			func(c *Config, v string) error { return parseInt(v, 0, &c.GCHeadroomMB) }},
		{"FLOWHQ_METRICS_PER_TENANT", "false", "true adds per-tenant series (tenant_id label) to /metrics; mind the cardinality with many tenants",
			func(c *Config, v string) error { return parseBool(v, &c.MetricsPerTenant) }},
	}
}

// LoadConfig reads the configuration. An invalid value is an error naming
// the variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	var c Config
	for _, v := range envVars() {
		val := strings.TrimSpace(getenv(v.name))
		if val == "" {
			val = v.def
		}
		if err := v.set(&c, val); err != nil {
			return Config{}, usagef("invalid %s=%q: %v", v.name, val, err)
		}
	}
	if c.BackoffMax < c.BackoffBase {
		return Config{}, usagef("invalid FLOWHQ_BACKOFF_MAX=%s: shorter than FLOWHQ_BACKOFF_BASE=%s", c.BackoffMax, c.BackoffBase)
	}
	return c, nil
}

func nonEmpty(v string) error {
	if v == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func parseInt(v string, min int, dst *int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("not a whole number")
	}
	if n < min {
		return fmt.Errorf("must be at least %d", min)
	}
	*dst = n
	return nil
}

func parseDuration(v string, dst *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("not a duration like 30s or 5m")
	}
	if d <= 0 {
		return fmt.Errorf("must be positive")
	}
	*dst = d
	return nil
}
