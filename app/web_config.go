package app

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowhq/flowhq/store"
)

// Password rules for dashboard accounts. bcrypt reads at most 72 bytes, so
// longer passwords are refused rather than silently cut.
const (
	minPasswordLen   = 10 // characters
	maxPasswordBytes = 72
)

// validatePassword says what is wrong with a new password, if anything.
func validatePassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return fmt.Errorf("must be valid text")
	case utf8.RuneCountInString(pw) < minPasswordLen:
		return fmt.Errorf("must be at least %d characters", minPasswordLen)
	case len(pw) > maxPasswordBytes:
		return fmt.Errorf("must be at most %d bytes", maxPasswordBytes)
	}
	return nil
}

// validateEmail says what is wrong with an account email, if anything.
func validateEmail(email string) error {
	if email == "" {
		return fmt.Errorf("is required")
	}
	if !store.ValidEmail(store.NormalizeEmail(email)) {
		return fmt.Errorf("is not an email address like ops@example.com")
	}
	return nil
}

func parseBaseURL(v string, dst *string) error {
	if v == "" {
		*dst = ""
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("want an absolute http:// or https:// URL such as https://flowhq.example.com")
	}
	*dst = strings.TrimRight(u.String(), "/")
	return nil
}

func parseAdminEmail(v string, dst *string) error {
	if v == "" {
		return nil
	}
	if err := validateEmail(v); err != nil {
		return err
	}
	*dst = store.NormalizeEmail(v)
	return nil
}

func parseAdminPassword(v string, dst *string) error {
	if v == "" {
		return nil
	}
	if err := validatePassword(v); err != nil {
		return err
	}
	*dst = v
	return nil
}

func parseBool(v string, dst *bool) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*dst = b
	return nil
}

// baseURL is the server's public URL: FLOWHQ_BASE_URL, or
// http://localhost:PORT from FLOWHQ_ADDR.
func (c Config) baseURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || port == "" {
		return "http://localhost"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// webOptions are the dashboard's settings, taken from Config.
type webOptions struct {
	BaseURL       string
	SecureCookies bool
	SessionIdle   time.Duration
	SessionMaxAge time.Duration
	LoginFailures int // per account per window
	LoginPerIP    int // per client address per window
	LoginWindow   time.Duration
	TrustProxy    bool
	StaleAfter    time.Duration // attention: a worker silent this long is stale
	Heartbeat     time.Duration
	BcryptCost    int // 0 = bcrypt.DefaultCost
	// DefaultRateLimit is FLOWHQ_RATE_LIMIT_PER_MINUTE, shown on the form.
	DefaultRateLimit int
	SetupPerHour     int // FLOWHQ_SETUP_REQUESTS_PER_HOUR: per client address; 0 = no limit
}

func (c Config) webOptions() webOptions {
	base := c.baseURL()
	return webOptions{
		BaseURL:          base,
		SecureCookies:    strings.HasPrefix(base, "https://"),
		SessionIdle:      c.SessionIdle,
		SessionMaxAge:    c.SessionMaxAge,
		LoginFailures:    c.LoginMaxFailures,
		LoginPerIP:       c.LoginMaxPerIP,
		LoginWindow:      c.LoginWindow,
		TrustProxy:       c.TrustProxyHeaders,
		StaleAfter:       c.StaleAfter,
		Heartbeat:        c.Heartbeat,
		DefaultRateLimit: c.RateLimit,
		SetupPerHour:     c.SetupRequestsPerHour,
	}
}
