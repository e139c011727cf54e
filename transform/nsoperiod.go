package transform

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/npit-mn/ictstat"
)

// Frequencies of a national-accounts period.
const (
	FreqAnnual    = "A"
	FreqQuarterly = "Q"
	FreqMonthly   = "M"
)

// NSOPeriod is a period label of NSO's PX-Web tables, normalised.
type NSOPeriod struct {
	Freq   string       // A, Q or M
	Period string       // normalised: 2024, 2024-Q2, 2024-03
	Start  ictstat.Date // first day of the period
	Year   int          // calendar year
}

// romanQuarters are the quarter numerals NSO writes after the year.
var romanQuarters = map[string]int{"I": 1, "II": 2, "III": 3, "IV": 4}

// ParseNSOPeriod reads a period label as NSO publishes it: 2024 (a year);
// 2024-03, 2024M3, 2024M03, 2024.03, 2024/03 (a month); 2024-II, 2024 IV,
// 2024Q2, 2024-Q2, 2024 Q2 (a quarter). Surrounding space is ignored;
// years run from 1900 to 2100.
func ParseNSOPeriod(label string) (NSOPeriod, error) {
	s := strings.TrimSpace(label)
	bad := func(why string) (NSOPeriod, error) {
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return NSOPeriod{}, fmt.Errorf("period %q: %s (want 2024, 2024-03, 2016M3, 2024.03, 2024-II or 2024Q2)", s, why)
	}
	if len(s) < 4 {
		return bad("no 4-digit year")
	}
	for i := range 4 {
		if s[i] < '0' || s[i] > '9' {
			return bad("no 4-digit year")
		}
	}
	year, _ := strconv.Atoi(s[:4])
	if year < 1900 || year > 2100 {
		return bad(fmt.Sprintf("year %d is outside 1900-2100", year))
	}
	rest := s[4:]
	if rest == "" {
		return NSOPeriod{Freq: FreqAnnual, Period: s[:4], Start: ictstat.MonthDate(year, 1), Year: year}, nil
	}
	sep := rest[0]
	switch sep {
	case '-', '.', '/', ' ', 'M', 'm', 'Q', 'q':
	default:
		return bad("unknown separator after the year")
	}
	body := rest[1:]
	if sep == '-' || sep == ' ' {
		if strings.HasPrefix(body, "Q") || strings.HasPrefix(body, "q") {
			sep, body = 'Q', body[1:]
		}
	}
	if q, ok := romanQuarters[strings.ToUpper(body)]; ok && (sep == '-' || sep == ' ') {
		return quarter(year, q), nil
	}
	if body == "" || len(body) > 2 || strings.IndexFunc(body, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return bad("the part after the year is not a month or quarter")
	}
	n, _ := strconv.Atoi(body)
	if sep == 'Q' || sep == 'q' {
		if n < 1 || n > 4 || len(body) != 1 {
			return bad("quarter is not 1-4")
		}
		return quarter(year, n), nil
	}
	if sep == ' ' {
		return bad("a number after a space is ambiguous")
	}
	if n < 1 || n > 12 {
		return bad("month is not 1-12")
	}
	return NSOPeriod{Freq: FreqMonthly, Period: fmt.Sprintf("%04d-%02d", year, n), Start: ictstat.MonthDate(year, n), Year: year}, nil
}

func quarter(year, q int) NSOPeriod {
	return NSOPeriod{Freq: FreqQuarterly, Period: fmt.Sprintf("%04d-Q%d", year, q), Start: ictstat.MonthDate(year, 3*q-2), Year: year}
}
