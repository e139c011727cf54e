package transform

import (
	"testing"
	"time"
)

// FuzzParseSubmitted checks the RFC 3339 reader against time.Parse on any
// input: the same acceptance, instant, and year and month of the offset.
func FuzzParseSubmitted(f *testing.F) {
	for _, s := range []string{"2026-11-05T09:12:00+08:00", "2026-11-05T09:12:00Z", "2024-02-29T23:59:59-05:30",
		"2023-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59+23:59", "2026-11-05T24:00:00Z",
		"2026-11-05T09:12:60Z", "2026-11-05T09:12:00.123+08:00", "2026-11-05t09:12:00z", "2026-13-05T09:12:00Z",
		"2026-11-05T09:12:00+24:00", "2026-11-05T09:12:00-00:00", "1969-12-31T23:59:59Z", "2026-04-31T00:00:00Z", "+026-11-05T09:12:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		us, y, m, err := parseSubmitted(s)
		want, werr := time.Parse(time.RFC3339, s)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: got error %v, time.Parse %v", s, err, werr)
		}
		if err != nil {
			return
		}
		if us != want.UnixMicro() || y != want.Year() || m != int(want.Month()) {
			t.Fatalf("%q: got %d %d-%d, time.Parse %d %d-%d", s, us, y, m, want.UnixMicro(), want.Year(), want.Month())
		}
		if _, _, _, ok := fastRFC3339(s); ok && (len(s) != 20 && len(s) != 25) {
			t.Fatalf("%q: fast path took an unexpected form", s)
		}
	})
}
