package simulate

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// SyntheticDataflow is the SDMX dataflow of the synthetic balance of
// payments: its id says that the figures are synthetic.
const SyntheticDataflow = "ICTSTAT:SYNTHETIC_ICT_SERV(1.0)"

// BopPartners are the partners published one by one; every other country
// counts only in the world total, W1.
var BopPartners = []string{"KZ", "UZ", "JP", "KR", "SG", "VN", "US", "DE", "GB", "CN", "RU"}

// BopItems are the EBOPS 2010 items of the synthetic balance of payments:
// SI (telecommunications, computer and information services, total) and
// its three components.
var BopItems = []string{"SI", "SI1", "SI2", "SI3"}

// BopObs is one quarterly observation of the synthetic balance of
// payments: Mongolia's ICT services exports (credit) to a partner.
type BopObs struct {
	Quarter string  // 2024-Q3
	Partner string  // ISO 3166-1 alpha-2, or W1 (world)
	Item    string  // SI, SI1, SI2 or SI3
	USDMn   float64 // million USD, rounded to thousands of USD; NaN when missing
	Status  string  // A, P, E or M
}

// BopQuarterly derives a balance of payments from the world's filings: the
// exports of the current revision of each filing, converted from MNT to USD
// at the world's rate of the month, added up by quarter, partner and item,
// then raised by a coverage factor per partner (0.70 to 0.90: not every
// exporter files with the virtual zones) and a little noise. Quarters the
// world covers only in part are left out. The last two quarters are
// provisional (P); Viet Nam's 2019 figures are estimated (E); an empty
// cell is missing (M). Every figure is synthetic.
func (w *World) BopQuarterly() []BopObs {
	type cell struct {
		q       int32 // absolute quarter: year*4 + quarter-1
		partner string
		item    string
	}
	latest := map[string]int{}
	_ = w.Filings(func(f *Filing) error {
		if f.Revision > latest[f.FilingID] {
			latest[f.FilingID] = f.Revision
		}
		return nil
	})
	usd := map[cell]float64{}
	_ = w.Filings(func(f *Filing) error {
		if f.Revision != latest[f.FilingID] {
			return nil
		}
		m, _ := parsePeriod(f.Period)
		rate := 1.0
		if f.Currency == "MNT" {
			rate = 1 / mntPerUSD(m)
		}
		for _, e := range f.Exports {
			c := cell{q: m / 3, partner: e.Country, item: bopItem(e.EBOPS)}
			usd[c] += e.Amount * rate
		}
		return nil
	})
	filed := func(q int32, p, it string) float64 { return usd[cell{q, p, it}] }
	first, last := (w.start+2)/3, (w.end+1)/3-1 // whole quarters only
	var out []BopObs
	for q := first; q <= last; q++ {
		label := fmt.Sprintf("%d-Q%d", q/4, q%4+1)
		for _, item := range BopItems {
			world := 0.0
			for _, p := range w.t.countries {
				world += w.bopValue(q, p, item, filed)
			}
			for _, p := range append(BopPartners, "W1") {
				v := world
				if p != "W1" {
					v = w.bopValue(q, p, item, filed)
				}
				o := BopObs{Quarter: label, Partner: p, Item: item, USDMn: math.Round(v/1e3) / 1e3, Status: "A"}
				switch {
				case o.USDMn == 0:
					o.USDMn, o.Status = math.NaN(), "M"
				case q >= last-1:
					o.Status = "P"
				case p == "VN" && q/4 == 2019:
					o.Status = "E"
				}
				out = append(out, o)
			}
		}
	}
	return out
}

// bopValue is the balance-of-payments value of a cell in USD: the filings'
// sum (SI adds up its components and the lines filed as SI alone) raised by
// the partner's coverage and a noise of ±3% per partner and quarter (the
// same for every item, so that SI stays the sum of its components).
func (w *World) bopValue(q int32, partner, item string, filed func(q int32, p, it string) float64) float64 {
	v := filed(q, partner, item)
	if item == "SI" {
		v = filed(q, partner, "SI") + filed(q, partner, "SI1") + filed(q, partner, "SI2") + filed(q, partner, "SI3")
	}
	pk := uint64(partner[0])<<8 | uint64(partner[1])
	coverage := 0.70 + 0.20*unit(hash3(w.opts.Seed, saltBop, pk, 0))
	noise := 1 + 0.06*(unit(hash3(w.opts.Seed, saltBop, pk<<32|uint64(q), 1))-0.5)
	return v / coverage * noise
}

// saltBop separates the balance-of-payments draws from the filings'.
const saltBop = 0x626f7065787073 // "bopexps"

// bopItem maps a filed EBOPS code to the published item: SI21 and SI22
// count in SI2, SI31 and SI32 in SI3; SI stays unallocated (only in the SI
// total); codes outside SI are not ICT services.
func bopItem(ebops string) string {
	switch {
	case len(ebops) >= 3 && ebops[:2] == "SI":
		return ebops[:3]
	case ebops == "SI":
		return "SI"
	}
	return "other"
}

// WriteSDMXCSV1 writes observations as an SDMX-CSV 1.0 message (comma,
// DATAFLOW first) of SyntheticDataflow: quarterly credits of Mongolia in
// million USD (UNIT_MULT 6).
func WriteSDMXCSV1(out io.Writer, obs []BopObs) error {
	b := []byte("DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS\n")
	for _, o := range obs {
		b = append(b, SyntheticDataflow+",Q,MN,"...)
		b = append(b, o.Partner+",C,"+o.Item+","+o.Quarter+","...)
		b = appendMn(b, o.USDMn)
		b = append(b, ",6,USD,"+o.Status+"\n"...)
	}
	_, err := out.Write(b)
	return err
}

// SDMXRow is one row of an SDMX-CSV 2.0 message: an observation and its
// ACTION (I, A, R or D).
type SDMXRow struct {
	Action string
	BopObs
}

// WriteSDMXCSV2 writes rows as an SDMX-CSV 2.0 message of
// SyntheticDataflow with the separator sep. A D row leaves the measure and
// attributes empty.
func WriteSDMXCSV2(out io.Writer, rows []SDMXRow, sep byte) error {
	s := string(sep)
	b := []byte("STRUCTURE" + s + "STRUCTURE_ID" + s + "ACTION" + s + "FREQ" + s + "REF_AREA" + s + "COUNTERPART_AREA" + s +
		"FLOW" + s + "SERVICE_ITEM" + s + "TIME_PERIOD" + s + "OBS_VALUE" + s + "UNIT_MULT" + s + "UNIT_MEASURE" + s + "OBS_STATUS\n")
	for _, r := range rows {
		b = append(b, "dataflow"+s+SyntheticDataflow+s+r.Action+s+"Q"+s+"MN"+s+r.Partner+s+"C"+s+r.Item+s+r.Quarter+s...)
		if r.Action == "D" {
			b = append(b, s+s+s+"\n"...)
			continue
		}
		b = appendMn(b, r.USDMn)
		b = append(b, s+"6"+s+"USD"+s+r.Status+"\n"...)
	}
	_, err := out.Write(b)
	return err
}

func appendMn(b []byte, v float64) []byte {
	if math.IsNaN(v) {
		return b
	}
	return strconv.AppendFloat(b, v, 'f', 3, 64)
}

// BopRevision builds the 2.0 update that follows a first release of obs up
// to the quarter before last: the last two quarters of that release
// replaced (R) by final figures (status A, revised by up to ±4%), the newest
// quarter added (I, provisional), and Russia's 2019 telecommunications
// figures withdrawn (D). It returns the first release and the update.
func BopRevision(obs []BopObs, seed int64) (first []BopObs, update []SDMXRow) {
	quarters := map[string]bool{}
	for _, o := range obs {
		quarters[o.Quarter] = true
	}
	qs := make([]string, 0, len(quarters))
	for q := range quarters {
		qs = append(qs, q)
	}
	sort.Strings(qs)
	if len(qs) < 3 {
		return obs, nil
	}
	newest, revised := qs[len(qs)-1], map[string]bool{qs[len(qs)-2]: true, qs[len(qs)-3]: true}
	for i, o := range obs {
		switch {
		case o.Quarter == newest:
			update = append(update, SDMXRow{"I", o})
			continue
		case revised[o.Quarter]:
			if !math.IsNaN(o.USDMn) {
				o.Status = "P"
			}
			first = append(first, o)
			r := o
			if !math.IsNaN(r.USDMn) {
				r.USDMn = math.Round(r.USDMn*(1+0.08*(unit(hash3(seed, saltBop, uint64(i), 7))-0.5))*1e3) / 1e3
				r.Status = "A"
			}
			update = append(update, SDMXRow{"R", r})
			continue
		}
		first = append(first, o)
		if o.Partner == "RU" && o.Item == "SI1" && o.Quarter < "2020" {
			update = append(update, SDMXRow{"D", BopObs{Quarter: o.Quarter, Partner: o.Partner, Item: o.Item}})
		}
	}
	return first, update
}
