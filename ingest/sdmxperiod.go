package ingest

import (
	"fmt"

	"github.com/npit-mn/ictstat"
)

// SDMXPeriod is a TIME_PERIOD of an SDMX observation.
type SDMXPeriod struct {
	Label string       // canonical form: 2024, 2024-S1, 2024-Q3 or 2024-07
	Freq  byte         // A, S, Q or M
	Start ictstat.Date // first day of the period
	Year  int32        // calendar year
}

// ParseSDMXPeriod parses an SDMX TIME_PERIOD of an annual, half-yearly,
// quarterly or monthly observation: 2024 or 2024-A1; 2024-S1; 2024-Q3;
// 2024-07 or 2024-M07. With freq (A, S, Q or M; "" for any) the period must
// be of that frequency. The label is the canonical form, so that 2024-M07
// and 2024-07 name the same observation.
func ParseSDMXPeriod(s, freq string) (SDMXPeriod, error) {
	bad := func() (SDMXPeriod, error) {
		return SDMXPeriod{}, fmt.Errorf("%q is not a period (2024, 2024-S1, 2024-Q3, 2024-07 or 2024-M07)", clipText(s))
	}
	if len(s) < 4 {
		return bad()
	}
	year := 0
	for i := 0; i < 4; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return bad()
		}
		year = year*10 + int(c-'0')
	}
	if year < 1900 || year > 2100 {
		return SDMXPeriod{}, fmt.Errorf("%q: year %d is outside 1900-2100", clipText(s), year)
	}
	p := SDMXPeriod{Year: int32(year)}
	rest := s[4:]
	num := func(t string) (int, bool) { // one or two digits
		if len(t) == 0 || len(t) > 2 {
			return 0, false
		}
		n := 0
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return 0, false
			}
			n = n*10 + int(t[i]-'0')
		}
		return n, true
	}
	month := 1
	switch {
	case rest == "" || rest == "-A1":
		p.Freq, p.Label = 'A', s[:4]
	case len(rest) == 3 && rest[:2] == "-S":
		n, ok := num(rest[2:])
		if !ok || n < 1 || n > 2 {
			return bad()
		}
		p.Freq, p.Label, month = 'S', s, 1+6*(n-1)
	case len(rest) == 3 && rest[:2] == "-Q":
		n, ok := num(rest[2:])
		if !ok || n < 1 || n > 4 {
			return bad()
		}
		p.Freq, p.Label, month = 'Q', s, 1+3*(n-1)
	case len(rest) == 3 && rest[0] == '-', len(rest) == 4 && rest[:2] == "-M":
		n, ok := num(rest[len(rest)-2:])
		if !ok || n < 1 || n > 12 {
			return bad()
		}
		p.Freq, p.Label, month = 'M', fmt.Sprintf("%04d-%02d", year, n), n
	default:
		return bad()
	}
	p.Start = ictstat.MonthDate(year, month)
	if freq != "" && freq != string(p.Freq) {
		return SDMXPeriod{}, fmt.Errorf("%q is %s but FREQ is %s", clipText(s), freqName(p.Freq), freq)
	}
	return p, nil
}

func freqName(f byte) string {
	switch f {
	case 'A':
		return "a year (FREQ A)"
	case 'S':
		return "a half-year (FREQ S)"
	case 'Q':
		return "a quarter (FREQ Q)"
	}
	return "a month (FREQ M)"
}
