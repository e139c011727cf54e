package transform

import "time"

// parseSubmitted parses an RFC 3339 time and returns its instant in
// microseconds since the epoch and the year and month of its own offset
// (the month the filer was in).
func parseSubmitted(s string) (micros int64, year, month int, err error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, 0, 0, err
	}
	return t.UnixMicro(), t.Year(), int(t.Month()), nil
}
