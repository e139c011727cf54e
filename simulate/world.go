// Package simulate is a seeded synthetic world of the companies in
// Mongolia's ICT virtual zones: a register of companies and the monthly
// filings they send through the registry, amendments included. It writes
// bulk NDJSON filings files in the format of the filings feed contract
// (docs/sources.md, section 1), with invalid records
// mixed in on request, and is the data behind the simulated registry feed.
//
// Everything is a function of Options: the same options give the same
// companies and the same bytes. Only per-company parameters are kept in
// memory; each monthly filing is generated when it is emitted from a random
// stream of its own (seed, company, month), so a company keeps its
// attributes and its figures whatever the size of the world.
package simulate

import "slices"

// World is a synthetic register of virtual-zone companies and their filings.
// It is read-only after NewWorld and safe for concurrent use.
type World struct {
	opts       Options // resolved: no zero fields except AmendRate and USDShare
	t          *tables
	perm       registryPerm
	start, end int32     // absolute months of the first and last period filed
	periods    []string  // "YYYY-MM" of each period, from start
	idPrefix   []string  // "VZ-YYYYMM-" of each period, from start
	cs         []company // in registry order: company i is drawn from stream i
	filings    int       // natural number of filings, amendments included
}

// NewWorld builds the world of opts. It panics if opts.Validate fails; check
// options from outside the program with Validate first.
func NewWorld(opts Options) *World {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	o := opts.withDefaults()
	w := newEmptyWorld(o)
	s := newStream()
	w.cs = make([]company, 0, o.Companies)
	for len(w.cs) < o.Companies {
		w.addCompany(s)
	}
	return w
}

// fitWorld builds the world of o (defaults applied) with the fewest
// companies, at least one, whose natural number of filings reaches rows,
// stopping at MaxCompanies.
func fitWorld(o Options, rows int) *World {
	w := newEmptyWorld(o)
	s := newStream()
	for (len(w.cs) == 0 || w.filings < rows) && len(w.cs) < MaxCompanies {
		if len(w.cs) == cap(w.cs) && w.filings > 0 {
			// Reserve for the estimated total at once: companies are large.
			est := int(float64(rows)/float64(w.filings)*float64(len(w.cs))*1.02) + 64
			if n := min(est, MaxCompanies) - len(w.cs); n > 0 {
				w.cs = slices.Grow(w.cs, n)
			}
		}
		w.addCompany(s)
	}
	w.opts.Companies = len(w.cs)
	return w
}

// newEmptyWorld returns the world of o without companies; o must be valid
// and have its defaults applied.
func newEmptyWorld(o Options) *World {
	end, err := parsePeriod(o.EndPeriod)
	if err != nil {
		panic(err) // Validate accepted it
	}
	w := &World{
		opts:  o,
		t:     newTables(),
		perm:  newRegistryPerm(o.Seed),
		start: end - int32(o.Months) + 1,
		end:   end,
	}
	for m := w.start; m <= w.end; m++ {
		p := formatPeriod(m)
		w.periods = append(w.periods, p)
		w.idPrefix = append(w.idPrefix, "VZ-"+p[:4]+p[5:]+"-")
	}
	return w
}

// addCompany draws the next company and counts its filings.
func (w *World) addCompany(s *stream) {
	w.cs = append(w.cs, newCompany(w.t, &w.opts, w.end, w.perm, len(w.cs), s))
	c := &w.cs[len(w.cs)-1]
	first, last := w.activeRange(c)
	for p := first; p <= last; p++ {
		n, _, _ := w.plan(c.index, p)
		w.filings += 1 + n
	}
}

// Options returns the options of w with every default filled in.
func (w *World) Options() Options { return w.opts }

// FilingCount returns the number of records Filings emits, amendments
// included: the natural size of the world.
func (w *World) FilingCount() int { return w.filings }

// Companies returns every company of the register, in registry order,
// including those deregistered before the first period. The slice is a copy.
func (w *World) Companies() []Company {
	out := make([]Company, len(w.cs))
	for i := range w.cs {
		out[i] = w.cs[i].Company
		out[i].Programs = slices.Clone(out[i].Programs)
	}
	return out
}

// activeRange returns the first and last period, as absolute months, for
// which c files inside the window; first > last if none.
func (w *World) activeRange(c *company) (first, last int32) {
	return max(c.reg, w.start), min(c.dereg, w.end)
}

// maxLag bounds how many months after its period an amendment is sent.
const maxLag = 5

// plan says how many amendments (0, 1 or 2) the filing of company i for
// absolute month p receives, and the periods at whose stream position they
// are emitted. It is a hash, not a stream, because Filings asks it for every
// recent month of every company it visits.
func (w *World) plan(i uint32, p int32) (n int, land1, land2 int32) {
	if w.opts.AmendRate == 0 {
		return 0, 0, 0
	}
	h := hash3(w.opts.Seed, saltPlan, uint64(i), uint64(p))
	if unit(h) >= w.opts.AmendRate {
		return 0, 0, 0
	}
	h = mix64(h)
	var lag1 int32
	switch u := unit(h); {
	case u < 0.40:
		lag1 = 0
	case u < 0.75:
		lag1 = 1
	case u < 0.90:
		lag1 = 2
	default:
		lag1 = 3
	}
	land1 = min(p+lag1, w.end)
	h = mix64(h)
	if unit(h) >= 0.15 {
		return 1, land1, 0
	}
	lag2 := lag1 + int32(mix64(h)%3)
	return 2, land1, min(p+lag2, w.end)
}
