package publish_test

import (
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/publish"
)

func TestParsePeriod(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		id         string
		grain      publish.Grain
		start, end time.Time
	}{
		{"2026Q3", publish.Quarter, day(2026, 7, 1), day(2026, 10, 1)},
		{"2026Q4", publish.Quarter, day(2026, 10, 1), day(2027, 1, 1)},
		{"2026-10", publish.Month, day(2026, 10, 1), day(2026, 11, 1)},
		{"2026-12", publish.Month, day(2026, 12, 1), day(2027, 1, 1)},
		{"2026", publish.Year, day(2026, 1, 1), day(2027, 1, 1)},
	} {
		p, err := publish.ParsePeriod(c.id)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if p.Grain != c.grain || !p.Start.Equal(c.start) || !p.End.Equal(c.end) {
			t.Errorf("%s: got %s %s..%s, want %s %s..%s", c.id, p.Grain, p.Start, p.End, c.grain, c.start, c.end)
		}
	}
	for _, bad := range []string{"", "2026Q5", "2026Q0", "26", "2026-13", "2026-1", "2026-Q3", "1899", "2026Q3 "} {
		if _, err := publish.ParsePeriod(bad); err == nil {
			t.Errorf("%q: got no error", bad)
		}
	}
}

// TestPublishAt checks the default publication rule on days counted by
// hand on the 2026 calendar.
func TestPublishAt(t *testing.T) {
	ub := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 9, 30, 0, 0, publish.Ulaanbaatar) }
	mustPeriod := func(id string) publish.Period {
		p, err := publish.ParsePeriod(id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name   string
		rule   publish.CalendarRule
		period string
		want   time.Time
	}{
		// 2026-09-30 is a Wednesday: October has 22 working days, then
		// November 2-6 and 9-11 make 30.
		{"default 30 working days", publish.CalendarRule{}, "2026Q3", ub(2026, 11, 11)},
		{"a holiday moves it a day", publish.CalendarRule{Holidays: []ictstat.Date{ictstat.DateOf(time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC))}}, "2026Q3", ub(2026, 11, 12)},
		// 2026-10-31 is a Saturday: the first working day after is Monday.
		{"skips the weekend", publish.CalendarRule{LagWorkingDays: 1}, "2026-10", ub(2026, 11, 2)},
		{"own time", publish.CalendarRule{LagWorkingDays: 1, Hour: 14}, "2026-10", time.Date(2026, 11, 2, 14, 0, 0, 0, publish.Ulaanbaatar)},
	} {
		got := c.rule.PublishAt(mustPeriod(c.period))
		if !got.Equal(c.want) {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	if got := (publish.CalendarRule{LagWorkingDays: 1}).PublishAt(mustPeriod("2026-10")).UTC(); got != time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC) {
		t.Errorf("09:30 in Ulaanbaatar: got %s UTC, want 01:30", got)
	}
}
