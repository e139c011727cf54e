package transform

import (
	"time"

	"github.com/npit-mn/ictstat"
)

// parseSubmitted parses an RFC 3339 time as time.Parse(time.RFC3339, s)
// does, and returns its instant in microseconds since the epoch and the
// year and month of its own offset. The common form, seconds with a Z or
// ±hh:mm offset, is read directly; any other, and anything out of range,
// goes to time.Parse, which gives the same result or error.
func parseSubmitted(s string) (micros int64, year, month int, err error) {
	if y, mo, us, ok := fastRFC3339(s); ok {
		return us, y, mo, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, 0, 0, err
	}
	return t.UnixMicro(), t.Year(), int(t.Month()), nil
}

// fastRFC3339 reads "2006-01-02T15:04:05Z" and "2006-01-02T15:04:05+08:00".
func fastRFC3339(s string) (year, month int, micros int64, ok bool) {
	if len(s) != 20 && len(s) != 25 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return 0, 0, 0, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return 0, 0, 0, false
	}
	off := 0
	if len(s) == 20 {
		if s[19] != 'Z' {
			return 0, 0, 0, false
		}
	} else {
		oh, om := num(20, 2), num(23, 2)
		if s[19] != '+' && s[19] != '-' || s[22] != ':' || oh < 0 || oh > 23 || om < 0 || om > 59 {
			return 0, 0, 0, false
		}
		off = oh*3600 + om*60
		if s[19] == '-' {
			off = -off
		}
	}
	secs := ictstat.DaysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+sec-off)
	return y, mo, secs * 1e6, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
