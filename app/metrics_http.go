package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// routeUnmatched labels requests that matched no route, so scanners
// probing random paths add one series, not one per path.
const routeUnmatched = "unmatched"

// middleware counts and times every request by method, route pattern and
// status. It runs before routing (echo's Pre), so it also sees requests
// that other middleware refuses (CSRF, body limit); once the inner chain
// returns, the router has set the route pattern. An error from the chain
// is rendered here by the error handler, as echo would right after, so
// the status is the one the client gets.
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		defer func() {
			if r := recover(); r != nil {
				m.record(c, http.StatusInternalServerError, start)
				panic(r)
			}
		}()
		if err := next(c); err != nil {
			c.Error(err)
		}
		m.record(c, c.Response().Status, start)
		return nil
	}
}

func (m *metrics) record(c echo.Context, status int, start time.Time) {
	method := metricMethod(c.Request().Method)
	route := c.Path()
	if route == "" {
		route = routeUnmatched
	}
	m.httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.httpSeconds.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
}

// metricMethod bounds the method label to the standard methods.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
