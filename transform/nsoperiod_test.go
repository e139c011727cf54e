package transform

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseNSOPeriod(t *testing.T) {
	for _, tc := range []struct{ in, freq, period, start string }{
		{"2024", "A", "2024", "2024-01-01"},
		{"  1995 ", "A", "1995", "1995-01-01"},
		{"2024-03", "M", "2024-03", "2024-03-01"},
		{"2024-3", "M", "2024-03", "2024-03-01"},
		{"2016M3", "M", "2016-03", "2016-03-01"},
		{"2016M03", "M", "2016-03", "2016-03-01"},
		{"2016m12", "M", "2016-12", "2016-12-01"},
		{"2024.03", "M", "2024-03", "2024-03-01"},
		{"2024/11", "M", "2024-11", "2024-11-01"},
		{"2024-I", "Q", "2024-Q1", "2024-01-01"},
		{"2024-II", "Q", "2024-Q2", "2024-04-01"},
		{"2024-III", "Q", "2024-Q3", "2024-07-01"},
		{"2024-IV", "Q", "2024-Q4", "2024-10-01"},
		{"2024 IV", "Q", "2024-Q4", "2024-10-01"},
		{"2024-iv", "Q", "2024-Q4", "2024-10-01"},
		{"2024Q2", "Q", "2024-Q2", "2024-04-01"},
		{"2024-Q2", "Q", "2024-Q2", "2024-04-01"},
		{"2024 Q2", "Q", "2024-Q2", "2024-04-01"},
		{"2024q1", "Q", "2024-Q1", "2024-01-01"},
	} {
		p, err := ParseNSOPeriod(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if p.Freq != tc.freq || p.Period != tc.period || p.Start.String() != tc.start || fmt.Sprint(p.Year) != tc.start[:4] {
			t.Errorf("%q: got %+v (start %s), want %s %s %s", tc.in, p, p.Start, tc.freq, tc.period, tc.start)
		}
	}
	for _, in := range []string{"", "24", "20x4", "1899", "2101", "2024-13", "2024M0", "2024-V", "2024Q5", "2024Q02", "2024-", "2024 3",
		"2024-I-II", "2024–II", "2024:03", "2024-031", "２０２４", "2024QII"} {
		if p, err := ParseNSOPeriod(in); err == nil {
			t.Errorf("%q: got %+v, want an error", in, p)
		}
	}
}

// FuzzNSOPeriod checks every accepted label against an independent
// reading: the normalised period reads back to itself, and the start is
// the first day of the period's first month in the label's year.
func FuzzNSOPeriod(f *testing.F) {
	for _, s := range []string{"2024", "2024-03", "2016M3", "2024.03", "2024-II", "2024Q2", "2024-Q2", " 2024 IV ", "2024/1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseNSOPeriod(s)
		if err != nil {
			if !strings.Contains(err.Error(), "period") {
				t.Fatalf("%q: error %q does not say what is wrong", s, err)
			}
			return
		}
		again, err := ParseNSOPeriod(p.Period)
		if err != nil || again != p {
			t.Fatalf("%q: normalised %q reads back as %+v, %v", s, p.Period, again, err)
		}
		var y, n int
		var month int
		switch p.Freq {
		case "A":
			_, err = fmt.Sscanf(p.Period, "%4d", &y)
			month = 1
		case "Q":
			_, err = fmt.Sscanf(p.Period, "%4d-Q%1d", &y, &n)
			month = 3*n - 2
		case "M":
			_, err = fmt.Sscanf(p.Period, "%4d-%2d", &y, &n)
			month = n
		default:
			t.Fatalf("%q: freq %q", s, p.Freq)
		}
		want := time.Date(y, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
		if err != nil || p.Year != y || !p.Start.Time().Equal(want) || y < 1900 || y > 2100 || month < 1 || month > 12 {
			t.Fatalf("%q: got %+v (start %s), want year %d start %s (%v)", s, p, p.Start, y, want.Format(time.DateOnly), err)
		}
		if !strings.HasPrefix(strings.TrimSpace(s), fmt.Sprint(y)) {
			t.Fatalf("%q: year %d is not the label's", s, y)
		}
	})
}
