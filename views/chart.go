package views

import (
	"strconv"
	"time"

	"github.com/flowhq/flowhq/store"
)

// Chart is a server-rendered bar chart of messages per hour: for each hour
// a bar for customer messages and one for replies (sent or failed) with
// the suppressed replies stacked on top.
type Chart struct {
	Width, Height int
	Bars          []chartBar
	XTicks        []chartTick
	YTicks        []chartTick
	Max           int64
	Total         [3]int64 // in, out, suppressed
	Label         string   // accessible summary
}

type chartBar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

type chartTick struct {
	X, Y  int
	Label string
}

// Chart geometry, in SVG user units.
const (
	chartW      = 720
	chartH      = 220
	chartLeft   = 40
	chartBottom = 24
	chartTop    = 8
)

// NewChart lays out hours as bars.
func NewChart(hours []store.HourCount) Chart {
	c := Chart{Width: chartW, Height: chartH}
	for _, h := range hours {
		c.Max = max(c.Max, h.In, h.Out+h.Suppressed)
		c.Total[0] += h.In
		c.Total[1] += h.Out
		c.Total[2] += h.Suppressed
	}
	scale := niceCeil(max(c.Max, 10))
	plotH := chartH - chartBottom - chartTop
	n := max(len(hours), 1)
	slot := (chartW - chartLeft) / n
	barW := max((slot-4)/2, 1)
	y := func(v int64) int { return chartTop + plotH - int(v*int64(plotH)/scale) }
	for i, h := range hours {
		x := chartLeft + i*slot + 2
		label := h.Start.Local().Format("15:04")
		title := label + ": " + itoa(h.In) + " in, " + itoa(h.Out) + " replies, " + itoa(h.Suppressed) + " suppressed"
		if h.In > 0 {
			c.Bars = append(c.Bars, chartBar{X: x, Y: y(h.In), W: barW, H: y(0) - y(h.In), Class: "bar-in", Title: title})
		}
		if h.Out > 0 {
			c.Bars = append(c.Bars, chartBar{X: x + barW, Y: y(h.Out), W: barW, H: y(0) - y(h.Out), Class: "bar-out", Title: title})
		}
		if h.Suppressed > 0 {
			top := y(h.Out + h.Suppressed)
			c.Bars = append(c.Bars, chartBar{X: x + barW, Y: top, W: barW, H: y(h.Out) - top, Class: "bar-sup", Title: title})
		}
		if i%3 == 0 {
			c.XTicks = append(c.XTicks, chartTick{X: x, Y: chartH - 6, Label: label})
		}
	}
	for _, v := range []int64{0, scale / 2, scale} {
		c.YTicks = append(c.YTicks, chartTick{X: chartLeft - 6, Y: y(v) + 4, Label: itoa(v)})
	}
	c.Label = "Messages per hour over the last " + strconv.Itoa(len(hours)) + " hours: " +
		itoa(c.Total[0]) + " in, " + itoa(c.Total[1]) + " replies, " + itoa(c.Total[2]) + " suppressed"
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v int64) int64 {
	p := int64(1)
	for {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= v {
				return m * p
			}
		}
		p *= 10
	}
}

// dayStart is midnight of t's day in the server's zone.
func dayStart(t time.Time) time.Time {
	l := t.Local()
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, l.Location())
}

// DayStart is exported for handlers: the start of "today".
func DayStart(t time.Time) time.Time { return dayStart(t) }
