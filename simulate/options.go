package simulate

import (
	"errors"
	"fmt"
)

// Defaults of Options: the zero value of each field selects these.
const (
	DefaultSeed      = 1
	DefaultCompanies = 800
	DefaultMonths    = 24
	DefaultEndPeriod = "2026-10"
	DefaultAmendRate = 0.03
)

// MaxCompanies is the largest world: every company needs its own 7-digit
// registry number, 1000000 to 9999999.
const MaxCompanies = 9_000_000

// maxMonths bounds the window so that period arithmetic stays small.
const maxMonths = 600

// Options configures a World; the zero value selects the defaults.
type Options struct {
	Seed      int64  // random seed; 0 means DefaultSeed
	Companies int    // companies in the register; 0 means DefaultCompanies
	Months    int    // monthly periods filed, ending at EndPeriod; 0 means DefaultMonths
	EndPeriod string // last period filed, "YYYY-MM"; "" means DefaultEndPeriod
	// AmendRate is the share of filings re-sent later with a higher revision
	// (one in seven of those twice); 0 means DefaultAmendRate, a negative
	// value means no amendments.
	AmendRate float64
	// USDShare is the share of companies that report in USD instead of MNT,
	// in [0, 1]; 0 (the default) means every company reports in MNT.
	USDShare float64
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Companies == 0 {
		o.Companies = DefaultCompanies
	}
	if o.Months == 0 {
		o.Months = DefaultMonths
	}
	if o.EndPeriod == "" {
		o.EndPeriod = DefaultEndPeriod
	}
	if o.AmendRate == 0 {
		o.AmendRate = DefaultAmendRate
	}
	if o.AmendRate < 0 {
		o.AmendRate = 0
	}
	return o
}

// Validate reports the first field of o that NewWorld cannot use.
func (o Options) Validate() error {
	o = o.withDefaults()
	if o.Companies < 0 || o.Companies > MaxCompanies {
		return fmt.Errorf("simulate: Companies %d: want 0 to %d", o.Companies, MaxCompanies)
	}
	if o.Months < 0 || o.Months > maxMonths {
		return fmt.Errorf("simulate: Months %d: want 0 to %d", o.Months, maxMonths)
	}
	if _, err := parsePeriod(o.EndPeriod); err != nil {
		return fmt.Errorf("simulate: EndPeriod: %w", err)
	}
	if !(o.AmendRate <= 1) { // also catches NaN
		return fmt.Errorf("simulate: AmendRate %v: want at most 1", o.AmendRate)
	}
	if !(o.USDShare >= 0 && o.USDShare <= 1) {
		return fmt.Errorf("simulate: USDShare %v: want 0 to 1", o.USDShare)
	}
	return nil
}

// errPeriod is wrapped by parsePeriod's errors.
var errPeriod = errors.New("want YYYY-MM with a month 01-12")

// parsePeriod parses "YYYY-MM" into an absolute month (see monthOf).
func parsePeriod(s string) (int32, error) {
	if len(s) != 7 || s[4] != '-' {
		return 0, fmt.Errorf("period %q: %w", s, errPeriod)
	}
	n := 0
	for i := 0; i < 7; i++ {
		if i == 4 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("period %q: %w", s, errPeriod)
		}
		n = n*10 + int(c-'0')
	}
	year, month := n/100, n%100
	if month < 1 || month > 12 || year < 1900 {
		return 0, fmt.Errorf("period %q: %w", s, errPeriod)
	}
	return monthOf(year, month), nil
}

// SizeFor returns the options of a world whose natural number of filings
// (Filings, amendments included) is at least rows: the default seed, end
// period and amendment rate, a window that grows with rows up to 120 months
// (ten years ending 2026-10), and the fewest companies that reach rows.
func SizeFor(rows int) Options {
	o := Options{Months: monthsFor(rows)}.withDefaults()
	o.Companies = 0
	w := fitWorld(o, rows)
	o.Companies = len(w.cs)
	return o
}

// monthsFor picks a window length for a world of about rows filings: whole
// years, about 800 companies for small files and ten years for large ones.
func monthsFor(rows int) int {
	years := (rows/640 + 11) / 12
	return min(max(years, 1), 10) * 12
}
