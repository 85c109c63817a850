package views

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/flowhq/flowhq/store"
)

// stateClass picks the badge colour of a tenant, worker, session or
// message state (the state names are distinct across kinds, or mean the
// same, as ERROR does).
func stateClass(state string) string {
	switch state {
	case store.TenantActive, store.WorkerRunning, store.SessionConnected, store.StatusSent:
		return "badge ok"
	case store.WorkerStarting, store.SessionQRReady, store.SessionPairCodeReady, store.TenantPending, store.StatusPending, store.StatusReceived:
		return "badge info"
	case store.WorkerBackoff, store.StatusSuppressed, store.StatusSkipped, store.TenantPaused:
		return "badge warn"
	case store.WorkerError, store.SessionLoggedOut, store.StatusFailed:
		return "badge bad"
	}
	return "badge"
}

// orDash shows "—" for an empty value.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// timeFull formats a time for a tooltip or a fact list, in the server's zone.
func timeFull(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// timePtrFull is timeFull for an optional time.
func timePtrFull(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return timeFull(*t)
}

// timeShort formats a log time: the clock today, the date otherwise.
func timeShort(t time.Time, now time.Time) string {
	l, n := t.Local(), now.Local()
	if l.Year() == n.Year() && l.YearDay() == n.YearDay() {
		return l.Format("15:04:05")
	}
	return l.Format("Jan 2 15:04")
}

// ago says how long before now t was, coarsely ("12s ago", "3 h ago").
func ago(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := now.Sub(*t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// itoa formats an int64 with thousands separators.
func itoa(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// countLabel shows a capped per-tenant count ("10,000+" past the cap).
func countLabel(n int64) string {
	if n > store.TodayCountCap {
		return itoa(store.TodayCountCap) + "+"
	}
	return itoa(n)
}

// TenantURL is the path of a tenant's page, or of one of its actions when
// parts are given ("start", "logs"...).
func TenantURL(id string, parts ...string) string {
	u := "/admin/tenants/" + url.PathEscape(id)
	for _, p := range parts {
		u += "/" + p
	}
	return u
}

// withQuery adds non-empty values to a path as a query string.
func withQuery(p string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return p
	}
	return p + "?" + q.Encode()
}

// nameOr shows a placeholder for a tenant without a name.
func nameOr(name, id string) string {
	if name == "" {
		return "(unnamed " + id + ")"
	}
	return name
}
