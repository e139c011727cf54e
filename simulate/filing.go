package simulate

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/npit-mn/ictstat"
)

// Filing is one record of the filings feed: one company's report for one
// month, or an amendment of it (same FilingID, higher Revision).
type Filing struct {
	FilingID                string    // "VZ-" + YYYYMM + "-" + RegistryNo
	Revision                int       // 1 for the original, then 2, 3 for amendments
	RegistryNo              string    // 7 digits
	CompanyName             string    // Latin or Mongolian Cyrillic
	ISIC4                   string    // ISIC Rev.4 class, 4 digits
	Zone                    string    // virtual zone, e.g. "UB-01"
	Period                  string    // reported month, "YYYY-MM"
	SubmittedAt             time.Time // after the end of Period; written in +08:00
	Currency                string    // MNT or USD
	Revenue                 float64   // Currency per month, whole units
	IntermediateConsumption float64   // Currency per month, 30-70% of Revenue
	Wages                   float64   // Currency per month
	Employees               int       // persons at the end of the month
	RnDExpense              float64   // Currency per month; 0 if none
	Exports                 []Export  // services sold abroad this month; may be empty
	AI                      bool      // flags.ai
	Startup                 bool      // flags.startup
	Programs                []string  // support programmes started by Period; may be empty
}

// Export is one exports[] entry of a Filing.
type Export struct {
	Country string  // ISO 3166-1 alpha-2 partner country
	EBOPS   string  // EBOPS 2010 service item, e.g. "SI21"
	Amount  float64 // Currency, whole units
}

// Filings calls fn with every filing of the world, amendments included, in
// a deterministic order: by period, then by company in the order of
// Companies. The amendments of a filing follow it, at the position of the
// company in the period when they were sent (the same or up to five periods
// later). fn must not keep f or its slices after it returns: they are
// reused. Filings stops at the first error of fn and returns it.
func (w *World) Filings(fn func(f *Filing) error) error {
	var err error
	w.each(true, func(g *generator) bool {
		err = fn(&g.f)
		return err == nil
	})
	return err
}

// FilingsIn is Filings restricted to the stream position of one period
// ("YYYY-MM", within the world's months): the originals of that period and
// the amendments sent with them. Filings is FilingsIn of every period in
// turn, so a feed can page through the world period by period without
// replaying it from the start.
func (w *World) FilingsIn(period string, fn func(f *Filing) error) error {
	q, err := parsePeriod(period)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if q < w.start || q > w.end {
		return fmt.Errorf("simulate: period %s outside %s to %s", period, w.periods[0], w.periods[len(w.periods)-1])
	}
	w.eachIn(q, q, true, func(g *generator) bool {
		err = fn(&g.f)
		return err == nil
	})
	return err
}

// Periods returns the periods of the world, "YYYY-MM", oldest first.
func (w *World) Periods() []string { return slices.Clone(w.periods) }

// each is Filings for internal callers, which get the generator, and with
// it the company and period of the filing. It stops when fn returns false.
// Without withID, g.f.FilingID is left empty: the NDJSON writer renders it
// from the company and period without building a string.
func (w *World) each(withID bool, fn func(g *generator) bool) {
	w.eachIn(w.start, w.end, withID, fn)
}

// eachIn is each for the stream positions of absolute months from to to.
func (w *World) eachIn(from, to int32, withID bool, fn func(g *generator) bool) {
	g := &generator{w: w, s: newStream(), withID: withID}
	for q := from; q <= to; q++ {
		for ci := range w.cs {
			c := &w.cs[ci]
			if c.reg > q || c.dereg < q-maxLag {
				continue // neither files nor amends anything in q
			}
			first, last := w.activeRange(c)
			if q >= first && q <= last {
				g.original(c, q)
				if !fn(g) {
					return
				}
			}
			for p := max(q-maxLag, first); p <= min(q, last); p++ {
				n, land1, land2 := w.plan(c.index, p)
				if n >= 1 && land1 == q {
					g.amendment(c, p, 2)
					if !fn(g) {
						return
					}
				}
				if n == 2 && land2 == q {
					g.amendment(c, p, 3)
					if !fn(g) {
						return
					}
				}
			}
		}
	}
}

// generator builds filings into one reused Filing.
type generator struct {
	w       *World
	s       *stream
	withID  bool     // fill f.FilingID
	c       *company // company of f
	k       int32    // period of f, as an index into w.periods
	f       Filing
	exports []Export
}

// filingID returns the FilingID of the current filing, building it if
// the generator left it out.
func (g *generator) filingID() string {
	if g.f.FilingID == "" {
		g.f.FilingID = g.w.idPrefix[g.k] + g.c.RegistryNo
	}
	return g.f.FilingID
}

// Figure constants of the monthly generator.
const (
	revenueNoise  = 0.18 // sd of log revenue from month to month
	wageNoise     = 0.05 // sd of log wages per employee from month to month
	exportGapP    = 0.1  // chance that an established market buys nothing in a month
	exportRampMon = 12   // months for a new market to reach its full share
	maxExportPart = 0.9  // exports never exceed this share of revenue
	ageCapMonths  = 96   // companies stop growing in real terms at eight years
)

// original fills g.f with revision 1 of company c's filing for month m.
func (g *generator) original(c *company, m int32) {
	w, s, f := g.w, g.s, &g.f
	s.reset(w.opts.Seed, saltMonth, uint64(c.index), uint64(m))
	k := m - w.start
	g.c, g.k = c, k
	f.FilingID = ""
	if g.withID {
		f.FilingID = w.idPrefix[k] + c.RegistryNo
	}
	f.Revision = 1
	f.RegistryNo = c.RegistryNo
	f.CompanyName = c.Name
	f.ISIC4 = c.ISIC4
	f.Zone = c.Zone
	f.Period = w.periods[k]
	f.Currency = c.Currency
	f.AI = c.AI
	f.Startup = c.Startup
	n := 0
	for n < len(c.progStart) && c.progStart[n] <= m {
		n++
	}
	f.Programs = c.Programs[:n]

	age := m - c.reg
	growth := c.growth * (float64(min(max(age, 0), ageCapMonths)) - 36)
	if age < 6 { // the first months of a new company
		growth -= 0.4 * float64(6-age) / 6
	}
	nominal := nominalGrowth * float64(m-monthOf(refMonthYear, 1))
	logRev := c.mu + growth + nominal + math.Log(w.t.season[m%12]) + revenueNoise*s.NormFloat64()

	// Figures are drawn in MNT and reported in the company's currency:
	// thousands of MNT, or whole USD.
	div, step := 1.0, 1000.0
	if c.usd {
		div, step = mntPerUSD(m), 1
	}
	rev := max(roundTo(min(math.Exp(logRev), maxRevenue)/div, step), step)
	f.Revenue = rev
	f.IntermediateConsumption = roundTo(rev*min(max(c.ic+0.03*s.NormFloat64(), 0.3), 0.7), step)
	emp := max(1, math.Round(c.emp0*math.Exp(0.8*growth)*(1+0.02*s.NormFloat64())))
	f.Employees = int(emp)
	f.Wages = roundTo(emp*c.wageRate*math.Exp(nominal+wageNoise*s.NormFloat64())/div, step)
	f.RnDExpense = 0
	if c.rnd > 0 {
		f.RnDExpense = roundTo(rev*c.rnd*math.Exp(0.3*s.NormFloat64()), step)
	}

	ex := g.exports[:0]
	for _, mk := range c.markets {
		if mk.entry > m || m > mk.entry && s.Float64() < exportGapP {
			continue
		}
		ramp := min(1, 0.3+0.7*float64(m-mk.entry)/exportRampMon)
		a := rev * float64(mk.share) * ramp * math.Exp(0.25*s.NormFloat64())
		ex = append(ex, Export{Country: mk.country, EBOPS: mk.ebops, Amount: a})
	}
	g.exports = capExports(ex, rev, step)
	f.Exports = g.exports

	days := 1 + s.IntN(20)
	if s.Float64() < 0.1 { // late filers
		days = 21 + s.IntN(40)
	}
	sec := monthStart(m+1) + int64(days-1)*86400 + 8*3600 + int64(s.IntN(12*3600))
	f.SubmittedAt = time.Unix(sec, 0).In(ulaanbaatar())
}

// capExports scales the export amounts down so that they sum to at most
// maxExportPart of revenue, rounds them down to step and drops those that
// round to nothing.
func capExports(ex []Export, revenue, step float64) []Export {
	var total float64
	for _, e := range ex {
		total += e.Amount
	}
	scale := 1.0
	if total > maxExportPart*revenue {
		scale = maxExportPart * revenue / total
	}
	out := ex[:0]
	for _, e := range ex {
		e.Amount = math.Floor(e.Amount*scale/step) * step
		if e.Amount > 0 {
			out = append(out, e)
		}
	}
	return out
}

// amendment fills g.f with revision rev (2 or 3) of company c's filing for
// month p: the original with slightly corrected figures, sent later.
func (g *generator) amendment(c *company, p int32, rev int) {
	g.original(c, p)
	_, land1, land2 := g.w.plan(c.index, p)
	lands := [...]int32{p, land1, land2}
	for r := 2; r <= rev; r++ {
		g.amend(c, p, r, lands[r-1]-lands[r-2])
	}
}

// amend applies the corrections of revision rev, sent lag periods after
// the previous revision.
func (g *generator) amend(c *company, p int32, rev int, lag int32) {
	w, s, f := g.w, g.s, &g.f
	s.reset(w.opts.Seed, saltAmend, uint64(c.index), uint64(p)*4+uint64(rev))
	f.Revision = rev
	step := 1000.0
	if c.usd {
		step = 1
	}
	round := func(x float64) float64 { return roundTo(x, step) }
	factor := func(sd float64) float64 { return min(max(1+sd*s.NormFloat64(), 0.5), 1.5) }
	old := f.Revenue
	f.Revenue = max(round(f.Revenue*factor(0.02)), step)
	if old > 0 {
		share := f.IntermediateConsumption / old * factor(0.01)
		f.IntermediateConsumption = round(f.Revenue * min(max(share, 0.3), 0.7))
	}
	f.Wages = round(f.Wages * factor(0.01))
	f.RnDExpense = round(f.RnDExpense * factor(0.03))
	if s.Float64() < 0.2 {
		f.Employees = max(1, f.Employees+1-2*s.IntN(2))
	}
	for i := range f.Exports {
		f.Exports[i].Amount *= factor(0.03)
	}
	g.exports = capExports(f.Exports, f.Revenue, step)
	f.Exports = g.exports
	days := int64(lag)*30 + 1 + int64(s.IntN(14))
	f.SubmittedAt = f.SubmittedAt.Add(time.Duration(days*86400+int64(s.IntN(8*3600))) * time.Second)
}

// roundTo rounds x to a multiple of step: filers report MNT in thousands.
func roundTo(x, step float64) float64 { return math.Round(x/step) * step }

// monthStart returns the Unix time of midnight +08:00 on the first day of
// absolute month m.
func monthStart(m int32) int64 {
	y, mo := yearMonth(m)
	return ictstat.DaysFromCivil(y, mo, 1)*86400 - ulaanbaatarOffset
}

// mntPerUSD is a smooth path of the tögrög's official rate, about 2,000 MNT
// per USD in January 2016 and 3,550 in late 2026. Real rates come from the
// exchange-rate source; this only keeps USD filings plausible.
func mntPerUSD(m int32) float64 {
	return 2000 * math.Exp(0.0045*float64(m-monthOf(2016, 1)))
}
