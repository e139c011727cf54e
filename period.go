package ictstat

import (
	"fmt"
	"time"
)

// Date is a calendar date stored as days since 1970-01-01, the Parquet DATE
// representation.
type Date int32

// DateOf returns the Date of t's calendar day in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// MonthDate returns the first day of the given month.
func MonthDate(year, month int) Date {
	return Date(time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Time returns d at midnight UTC.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// YearMonth returns d's year and month (1-12).
func (d Date) YearMonth() (int, int) {
	t := d.Time()
	return t.Year(), int(t.Month())
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return d.Time().Format(time.DateOnly) }

// ParseMonth parses a YYYY-MM period label and returns its year and month.
func ParseMonth(s string) (year, month int, err error) {
	if len(s) != 7 || s[4] != '-' {
		return 0, 0, fmt.Errorf("%q is not a YYYY-MM month", s)
	}
	for i, c := range []byte(s) {
		if i != 4 && (c < '0' || c > '9') {
			return 0, 0, fmt.Errorf("%q is not a YYYY-MM month", s)
		}
	}
	year = int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	month = int(s[5]-'0')*10 + int(s[6]-'0')
	if month < 1 || month > 12 {
		return 0, 0, fmt.Errorf("%q: month %d is not 01-12", s, month)
	}
	if year < 1990 || year > 2100 {
		return 0, 0, fmt.Errorf("%q: year %d is outside 1990-2100", s, year)
	}
	return year, month, nil
}

// DaysFromCivil returns the days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (Howard Hinnant's algorithm): a Date without going
// through time.Time, for hot paths.
func DaysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
