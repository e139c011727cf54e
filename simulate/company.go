package simulate

import (
	"math"
	"strconv"
	"time"

	"github.com/npit-mn/ictstat"
)

// Company is a company of the virtual-zone register.
type Company struct {
	RegistryNo   string    // 7-digit state registration number, unique
	Name         string    // Latin ("Khan Soft LLC") or Mongolian Cyrillic ("Мэдээллийн Технологи ХХК")
	ISIC4        string    // ISIC Rev.4 class inside the OECD ICT sector
	Zone         string    // virtual zone, "UB-01" to "UB-05", "DA-01", "ER-01"
	Registered   time.Time // date of registration, midnight +08:00
	Deregistered time.Time // date of deregistration; zero if still registered at the end period
	AI           bool      // works on artificial intelligence
	Startup      bool      // young innovative company
	Programs     []string  // support programmes taken part in, by start date; nil if none
	Currency     string    // currency of its filings: MNT or USD
}

// market is a foreign market the company sells to from month entry on.
type market struct {
	country string
	ebops   string
	entry   int32   // absolute month of the first export
	share   float32 // share of revenue once established
}

// company is a Company with the parameters that drive its monthly figures.
// Only these are stored: filings are generated on the fly from them.
type company struct {
	Company
	index      uint32
	reg, dereg int32   // absolute months; the company files for reg..dereg
	mu         float64 // log monthly revenue at age 36 months, January 2024 prices
	growth     float64 // real growth of log revenue per month of age
	ic         float64 // intermediate consumption, share of revenue
	rnd        float64 // R&D, share of revenue; 0 if none
	emp0       float64 // employees at age 36 months
	wageRate   float64 // monthly wage per employee in January 2024, MNT
	usd        bool
	progStart  []int32 // start month of each of Programs
	markets    []market
	head       []byte // JSON of the company's fields in a filing, see companyHead
}

// noDereg marks a company still registered at the end of the world.
const noDereg = math.MaxInt32

// Timing and size constants of the register.
const (
	meanAgeMonths  = 96.0  // registrations grow over time: ages are exponential
	maxAgeMonths   = 300.0 // the oldest company registered 25 years before the end
	deregP         = 0.25  // share of companies that deregister at some point
	meanLifeMonths = 60.0  // mean time to deregistration of those
	medianRevenue  = 40e6  // MNT per month, the median company
	maxRevenue     = 80e9  // MNT per month, the largest telecom operator
	refMonthYear   = 2024  // prices and wages are anchored at January of this year
	nominalGrowth  = 0.006 // inflation of prices and wages per month
	youngMonths    = 84    // companies younger than this may be startups
)

// newCompany draws company i of the world from its own random stream, so
// that a company's attributes never depend on how many companies there are.
func newCompany(t *tables, o *Options, end int32, perm registryPerm, i int, s *stream) company {
	s.reset(o.Seed, saltCompany, uint64(i), 0)
	c := company{index: uint32(i), dereg: noDereg}
	c.RegistryNo = strconv.Itoa(1_000_000 + int(perm.at(uint32(i))))

	// Registration: exponential ages truncated at maxAgeMonths, so more
	// companies registered recently.
	u := s.Float64() * (1 - math.Exp(-maxAgeMonths/meanAgeMonths))
	age := int32(-meanAgeMonths * math.Log1p(-u))
	c.reg = end - age
	c.Registered = dayIn(c.reg, 1+s.IntN(28))
	if s.chance(deregP) {
		life := int32(3 + s.ExpFloat64()*meanLifeMonths)
		if d := c.reg + life; d <= end {
			c.dereg = d
			c.Deregistered = dayIn(d, 2+s.IntN(27))
		}
	}

	cl := &t.classes[s.weighted(t.classW)]
	p := &t.profiles[cl.group]
	c.ISIC4 = cl.code
	c.Zone = t.zones[s.weighted(t.zoneW)]
	c.Startup = end-c.reg < youngMonths && s.chance(p.startupP)
	aiP := p.aiP
	if c.Startup {
		aiP *= 1.5
	}
	c.AI = s.chance(aiP)
	c.usd = s.Float64() < o.USDShare
	c.Currency = "MNT"
	if c.usd {
		c.Currency = "USD"
	}

	// Size: log-normal revenue; startups start smaller and grow faster.
	c.mu = math.Log(medianRevenue) + cl.mu + cl.sigma*s.NormFloat64()
	c.growth = 0.008 + 0.008*s.NormFloat64()
	if c.Startup {
		c.mu -= 0.7
		c.growth = 0.02 + 0.015*s.NormFloat64()
	}
	c.mu = min(c.mu, math.Log(maxRevenue)-1)
	c.growth = min(max(c.growth, -0.01), 0.05)
	c.ic = s.between(p.icLo, p.icHi)
	wageShare := min(s.between(p.wageLo, p.wageHi), 0.95-c.ic)
	c.wageRate = p.wageRate * math.Exp(0.25*s.NormFloat64())
	c.emp0 = max(math.Exp(c.mu)*wageShare/c.wageRate, 1)
	if s.chance(p.rndP) {
		c.rnd = s.between(p.rndLo, p.rndHi)
		if c.AI {
			c.rnd = s.between(0.08, 0.25)
		}
	}

	c.Name = companyName(t, p, s)
	exporter := s.chance(p.exportP)
	drawPrograms(t, &c, cl.group, exporter, end, s)
	drawMarkets(t, &c, cl, exporter, end, s)
	c.head = companyHead(&c.Company)
	return c
}

// companyName draws a Latin or Mongolian Cyrillic company name.
func companyName(t *tables, p *profile, s *stream) string {
	if s.chance(0.55) {
		name := t.latinFirst[s.IntN(len(t.latinFirst))] + " " + p.latinSecond[s.IntN(len(p.latinSecond))]
		if s.chance(0.2) {
			name += " " + t.latinExtra[s.IntN(len(t.latinExtra))]
		}
		return name + " " + t.latinForms[s.weighted(t.latinFormW)]
	}
	return t.cyrFirst[s.IntN(len(t.cyrFirst))] + " " + p.cyrSecond[s.IntN(len(p.cyrSecond))] +
		" " + t.cyrForms[s.weighted(t.cyrFormW)]
}

// drawPrograms enrols the company in the support programmes it was
// registered for; young and AI companies join more often.
func drawPrograms(t *tables, c *company, g group, exporter bool, end int32, s *stream) {
	soft := g == groupSoftware || g == groupData
	for _, pr := range t.programs {
		var p float64
		switch pr.name {
		case "accelerator-2025", "accelerator-2026":
			switch {
			case c.Startup:
				p = 0.15
			case soft:
				p = 0.02
			}
		case "hackathon-2025":
			p = 0.01
			if soft {
				p = 0.08
			}
			if c.AI {
				p *= 2
			}
		case "jica-trade-mission-2026":
			if soft || g == groupTelecom {
				p = 0.03
				if exporter {
					p = 0.09
				}
			}
		}
		// Draw even when not eligible, so that eligibility never shifts the
		// draws that follow.
		join := s.chance(p)
		if join && pr.start <= end && c.reg <= pr.start && c.dereg > pr.start {
			c.Programs = append(c.Programs, pr.name)
			c.progStart = append(c.progStart, pr.start)
		}
	}
}

// drawMarkets gives exporters a few foreign markets entered one after the
// other; trade-mission and accelerator participants tend to enter a market
// after the programme. Markets entered after the end period are dropped.
func drawMarkets(t *tables, c *company, cl *class, exporter bool, end int32, s *stream) {
	add := func(country string, entry int32, share float64) {
		if entry > end || entry > c.dereg {
			return
		}
		for _, m := range c.markets {
			if m.country == country {
				return
			}
		}
		ebops := cl.ebops[s.weighted(cl.ebopsW)]
		c.markets = append(c.markets, market{country, ebops, entry, float32(share)})
	}
	if exporter {
		n := 1
		for n < 5 && s.chance(0.45) {
			n++
		}
		entry := c.reg + 1 + int32(s.ExpFloat64()*18)
		for k := range n {
			share := s.between(0.02, 0.2)
			if k == 0 {
				share = s.between(0.05, 0.4)
			}
			add(t.countries[s.weighted(t.countryW)], entry, share)
			entry += 1 + int32(s.ExpFloat64()*14)
		}
	}
	for i, name := range c.Programs {
		switch {
		case name == "jica-trade-mission-2026":
			mission := []string{"KZ", "UZ", "JP"}
			add(mission[s.IntN(3)], c.progStart[i]+1+int32(s.IntN(4)), s.between(0.03, 0.15))
		case s.chance(0.3): // an accelerator or hackathon led to a first contract abroad
			add(t.countries[s.weighted(t.countryW)], c.progStart[i]+3+int32(s.IntN(9)), s.between(0.03, 0.15))
		}
	}
}

// dayIn returns day d of absolute month m at midnight +08:00.
func dayIn(m int32, d int) time.Time {
	y, mo := yearMonth(m)
	return time.Unix(ictstat.DaysFromCivil(y, mo, d)*86400-ulaanbaatarOffset, 0).In(ulaanbaatar())
}

// ulaanbaatarOffset is Mongolia's UTC offset in seconds (no daylight saving
// since 2017).
const ulaanbaatarOffset = 8 * 3600

// ulaanbaatar returns the +08:00 zone. FixedZone caches unnamed whole-hour
// zones, so this does not allocate after the first call.
func ulaanbaatar() *time.Location { return time.FixedZone("", ulaanbaatarOffset) }

// civilFromDays is the inverse of ictstat.DaysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}
