package publish

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/npit-mn/ictstat"
)

// Grain is the length of a release's period.
type Grain string

// Grains of a release period.
const (
	Month   Grain = "month"
	Quarter Grain = "quarter"
	Year    Grain = "year"
)

// Period is the span a release covers.
type Period struct {
	ID    string    `json:"id"`    // 2026Q3, 2026-10 or 2026
	Grain Grain     `json:"grain"` // month, quarter or year
	Start time.Time `json:"start"` // first day, UTC
	End   time.Time `json:"end"`   // first day after the period, UTC
}

// Year returns the calendar year of the period.
func (p Period) Year() int { return p.Start.Year() }

// LastDay returns the period's last day as a date.
func (p Period) LastDay() ictstat.Date { return ictstat.DateOf(p.End.AddDate(0, 0, -1)) }

var periodRE = regexp.MustCompile(`^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$`)

// ParsePeriod reads a release id as the period it covers: 2026 (a year),
// 2026Q3 (a quarter) or 2026-10 (a month).
func ParsePeriod(id string) (Period, error) {
	m := periodRE.FindStringSubmatch(id)
	if m == nil {
		return Period{}, fmt.Errorf("%w: release id %q: want a period: 2026, 2026Q3 or 2026-10", ictstat.ErrUsage, id)
	}
	y, _ := strconv.Atoi(m[1])
	if y < 1990 || y > 2100 {
		return Period{}, fmt.Errorf("%w: release id %q: year outside 1990..2100", ictstat.ErrUsage, id)
	}
	p := Period{ID: id}
	switch {
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		p.Grain, p.Start = Quarter, time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		p.End = p.Start.AddDate(0, 3, 0)
	case m[3] != "":
		mo, _ := strconv.Atoi(m[3])
		p.Grain, p.Start = Month, time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
		p.End = p.Start.AddDate(0, 1, 0)
	default:
		p.Grain, p.Start = Year, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		p.End = p.Start.AddDate(1, 0, 0)
	}
	return p, nil
}

// Ulaanbaatar is the time zone of publication times: Mongolia keeps UTC+8
// all year (no daylight saving since 2017), so a fixed zone is exact and
// needs no time-zone database on the server.
var Ulaanbaatar = time.FixedZone("Asia/Ulaanbaatar", 8*3600)

// CalendarRule is how a release's publication time follows from its period
// when the calendar does not give one.
type CalendarRule struct {
	// LagWorkingDays is the number of working days after the period ends on
	// which the release is published; default 30.
	LagWorkingDays int
	// Hour and Minute of publication, Ulaanbaatar time; default 09:30.
	Hour, Minute int
	// Holidays are non-working days besides Saturdays and Sundays.
	Holidays []ictstat.Date
}

// WithDefaults fills the zero fields.
func (r CalendarRule) WithDefaults() CalendarRule {
	if r.LagWorkingDays <= 0 {
		r.LagWorkingDays = 30
	}
	if r.Hour == 0 && r.Minute == 0 {
		r.Hour, r.Minute = 9, 30
	}
	return r
}

// working reports whether day d (a calendar day) is a working day.
func (r CalendarRule) working(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	day := ictstat.DateOf(d)
	for _, h := range r.Holidays {
		if h == day {
			return false
		}
	}
	return true
}

// PublishAt returns the default publication time of period p: the
// LagWorkingDays-th working day after the period's last day, at Hour:Minute
// in Ulaanbaatar.
func (r CalendarRule) PublishAt(p Period) time.Time {
	r = r.WithDefaults()
	d := time.Date(p.End.Year(), p.End.Month(), p.End.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	for n := 0; n < r.LagWorkingDays; {
		d = d.AddDate(0, 0, 1)
		if r.working(d) {
			n++
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), r.Hour, r.Minute, 0, 0, Ulaanbaatar)
}

// Release is one entry of the release calendar.
type Release struct {
	ID        string    `json:"id"`
	Period    Period    `json:"period"`
	PublishAt time.Time `json:"publish_at"`
	Tables    []string  `json:"tables"`
}

// Calendar is the configured schedule of releases.
type Calendar struct {
	Releases []Release
	// PrepareAhead is how long before its publication time the scheduler
	// builds a release (it stays under embargo until then); default 24h.
	PrepareAhead time.Duration
}

// Find returns the release with id.
func (c Calendar) Find(id string) (Release, bool) {
	for _, r := range c.Releases {
		if r.ID == id {
			return r, true
		}
	}
	return Release{}, false
}

// Next returns the first release published after t.
func (c Calendar) Next(t time.Time) (Release, bool) {
	var best Release
	found := false
	for _, r := range c.Releases {
		if r.PublishAt.After(t) && (!found || r.PublishAt.Before(best.PublishAt)) {
			best, found = r, true
		}
	}
	return best, found
}
