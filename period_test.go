package ictstat_test

import (
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
)

func TestParseMonth(t *testing.T) {
	tests := []struct {
		s           string
		year, month int
		ok          bool
	}{
		{"2026-10", 2026, 10, true},
		{"2026-01", 2026, 1, true},
		{"2026-12", 2026, 12, true},
		{"1990-01", 1990, 1, true},
		{"2100-12", 2100, 12, true},
		{"", 0, 0, false},
		{"2026-13", 0, 0, false},
		{"2026-00", 0, 0, false},
		{"1989-12", 0, 0, false},
		{"2101-01", 0, 0, false},
		{"2026-1", 0, 0, false},
		{"2026/10", 0, 0, false},
		{"202610", 0, 0, false},
		{"2026-10-01", 0, 0, false},
		{"2026-1a", 0, 0, false},
		{"abcd-ef", 0, 0, false},
		{"+026-10", 0, 0, false},
		{" 2026-10", 0, 0, false},
		{"2026-10 ", 0, 0, false},
		{"2026--10", 0, 0, false},
		{"２026-10", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			y, m, err := ictstat.ParseMonth(tt.s)
			if tt.ok {
				if err != nil {
					t.Fatalf("ParseMonth(%q): got error %v, want nil", tt.s, err)
				}
				if y != tt.year || m != tt.month {
					t.Errorf("ParseMonth(%q) = %d, %d, want %d, %d", tt.s, y, m, tt.year, tt.month)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseMonth(%q) = %d, %d, nil, want an error", tt.s, y, m)
			}
			if y != 0 || m != 0 {
				t.Errorf("ParseMonth(%q) with error = %d, %d, want 0, 0", tt.s, y, m)
			}
		})
	}
}

func TestMonthDate(t *testing.T) {
	tests := []struct {
		year, month int
		want        string
		days        ictstat.Date
	}{
		{1970, 1, "1970-01-01", 0},
		{1970, 2, "1970-02-01", 31},
		{1969, 12, "1969-12-01", -31},
		{2026, 10, "2026-10-01", 20727},
		{2000, 3, "2000-03-01", 11017},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			d := ictstat.MonthDate(tt.year, tt.month)
			if d != tt.days {
				t.Errorf("MonthDate(%d, %d) = %d, want %d", tt.year, tt.month, d, tt.days)
			}
			if got := d.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if y, m := d.YearMonth(); y != tt.year || m != tt.month {
				t.Errorf("YearMonth() = %d, %d, want %d, %d", y, m, tt.year, tt.month)
			}
			if got, want := d.Time(), time.Date(tt.year, time.Month(tt.month), 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Time() = %v, want %v", got, want)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	ulaanbaatar := time.FixedZone("UTC+8", 8*3600)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"utc", time.Date(2026, 11, 5, 23, 59, 59, 0, time.UTC), "2026-11-05"},
		// 2026-11-05 01:00 in Ulaanbaatar is still 11-04 in UTC: the local day counts.
		{"local day", time.Date(2026, 11, 5, 1, 0, 0, 0, ulaanbaatar), "2026-11-05"},
		{"before epoch", time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC), "1969-12-31"},
		{"leap day", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ictstat.DateOf(tt.t).String(); got != tt.want {
				t.Errorf("DateOf(%v) = %s, want %s", tt.t, got, tt.want)
			}
		})
	}
}

// TestDaysFromCivil checks the arithmetic against the time package on
// every day from 1899 to 2101.
func TestDaysFromCivil(t *testing.T) {
	for d := time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2102; d = d.AddDate(0, 0, 1) {
		if got, want := ictstat.DaysFromCivil(d.Year(), int(d.Month()), d.Day()), int64(ictstat.DateOf(d)); got != want {
			t.Fatalf("%s: got %d, want %d", d.Format(time.DateOnly), got, want)
		}
	}
}
