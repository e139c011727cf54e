package simulate

import (
	"errors"
	"fmt"
	"io"
)

// Stats counts the lines written by WriteNDJSON.
type Stats struct {
	Rows          int            // lines written
	Valid         int            // lines holding a valid filing
	Invalid       int            // lines replaced by an invalid record
	InvalidByKind map[string]int // Invalid by kind (see InvalidKinds); kinds not drawn are absent
	Amendments    int            // valid lines with a revision above 1
}

// Kinds of invalid record, each breaking one rule of the filings contract.
const (
	KindBadRegistryNo  = "bad_registry_no" // registry_no is not 7 digits
	KindBadISIC        = "bad_isic"        // isic4 is not 4 digits
	KindBadPeriod      = "bad_period"      // period is not YYYY-MM with a month 01-12
	KindFuturePeriod   = "future_period"   // period after the month of submitted_at
	KindNegativeAmount = "negative_amount" // an amount below zero
	KindBadCurrency    = "bad_currency"    // currency is EUR
	KindBadCountry     = "bad_country"     // an export country that is not ISO alpha-2 ("XX1", "kz")
	KindMissingField   = "missing_field"   // filing_id or revision left out
	KindNotJSON        = "not_json"        // a truncated or garbage line
	KindBadType        = "bad_type"        // revenue is the string "abc"
)

// InvalidKinds returns the kinds of invalid record WriteNDJSON draws from,
// in a fixed order.
func InvalidKinds() []string {
	return []string{KindBadRegistryNo, KindBadISIC, KindBadPeriod, KindFuturePeriod, KindNegativeAmount,
		KindBadCurrency, KindBadCountry, KindMissingField, KindNotJSON, KindBadType}
}

// ErrTooManyRows is returned by WriteNDJSON when even a world of
// MaxCompanies companies has fewer filings than the rows asked for.
var ErrTooManyRows = errors.New("simulate: more rows than the largest world holds")

// flushAt is the size at which the output buffer is written out: large
// writes, bounded memory.
const flushAt = 256 << 10

// WriteNDJSON writes exactly rows lines of NDJSON filings, the bulk file
// format of the filings contract, in the order of World.Filings: the first
// rows filings of the world of opts. If that world has fewer filings than
// rows, the world is sized from rows instead: the seed, end period, rates
// and Months of opts are kept (Months chosen as in SizeFor when zero) and
// companies are added until the filings suffice. A share invalidRate (0 to
// 1) of the lines, drawn at random, is replaced by an invalid record of a
// kind drawn at random from InvalidKinds. The output is streamed: memory
// depends on the number of companies, not on rows.
func WriteNDJSON(w io.Writer, opts Options, rows int, invalidRate float64) (Stats, error) {
	return writeNDJSON(w, opts, rows, invalidRate, nil)
}

// writeNDJSON is WriteNDJSON that also reports the kind of each line ("" if
// valid) to onLine, when not nil.
func writeNDJSON(out io.Writer, opts Options, rows int, invalidRate float64, onLine func(kind string)) (Stats, error) {
	if rows < 0 {
		return Stats{}, fmt.Errorf("simulate: rows %d: want 0 or more", rows)
	}
	if !(invalidRate >= 0 && invalidRate <= 1) {
		return Stats{}, fmt.Errorf("simulate: invalid rate %v: want 0 to 1", invalidRate)
	}
	if err := opts.Validate(); err != nil {
		return Stats{}, err
	}
	world := worldFor(opts, rows)
	if world.filings < rows {
		return Stats{}, fmt.Errorf("%w: %d rows", ErrTooManyRows, rows)
	}

	kinds := InvalidKinds()
	counts := make([]int, len(kinds))
	var (
		st    Stats
		bk    breaker
		werr  error
		buf   = make([]byte, 0, flushAt+64<<10)
		seed  = world.opts.Seed
		lines = 0
	)
	world.each(false, func(g *generator) bool {
		f := &g.f
		if lines == rows {
			return false
		}
		kind := ""
		if invalidRate > 0 {
			h := hash3(seed, saltInvalid, uint64(lines), 0)
			if unit(h) < invalidRate {
				h = mix64(h)
				k := int(h % uint64(len(kinds)))
				kind = kinds[k]
				counts[k]++
				g.filingID()
				buf = bk.appendInvalid(buf, f, kind, mix64(h))
			}
		}
		if kind == "" {
			buf = g.appendJSON(buf)
			st.Valid++
			if f.Revision > 1 {
				st.Amendments++
			}
		}
		buf = append(buf, '\n')
		lines++
		if onLine != nil {
			onLine(kind)
		}
		if len(buf) >= flushAt {
			_, werr = out.Write(buf)
			buf = buf[:0]
		}
		return werr == nil
	})
	if werr == nil && len(buf) > 0 {
		_, werr = out.Write(buf)
	}
	st.Rows = lines
	st.Invalid = lines - st.Valid
	st.InvalidByKind = make(map[string]int)
	for k, n := range counts {
		if n > 0 {
			st.InvalidByKind[kinds[k]] = n
		}
	}
	if werr != nil {
		return st, fmt.Errorf("simulate: write ndjson line %d: %w", lines, werr)
	}
	return st, nil
}

// worldFor returns the world of opts, or when it has fewer than rows
// filings, the smallest world sized for rows that keeps the other options.
func worldFor(opts Options, rows int) *World {
	w := NewWorld(opts)
	if w.filings >= rows {
		return w
	}
	o := w.opts
	if opts.Months == 0 {
		o.Months = monthsFor(rows)
	}
	return fitWorld(o, rows)
}
