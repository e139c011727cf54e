package transform

import (
	"math"

	"github.com/npit-mn/ictstat"
)

type fxKey struct {
	currency    string
	year, month int
}

// FXTable holds the monthly average of official daily rates, in MNT per unit
// of each currency.
type FXTable struct{ rates map[fxKey]float64 }

// MonthlyFX averages daily rates by currency and month.
func MonthlyFX(rates []ictstat.FXRate) *FXTable {
	sum := map[fxKey]float64{}
	n := map[fxKey]int{}
	for _, r := range rates {
		if !(r.MNTPerUnit > 0) || math.IsInf(r.MNTPerUnit, 0) {
			continue // not a rate; fx ingest refuses these, this is a second guard
		}
		y, m := r.Date.YearMonth()
		k := fxKey{r.Currency, y, m}
		sum[k] += r.MNTPerUnit
		n[k]++
	}
	t := &FXTable{rates: make(map[fxKey]float64, len(sum))}
	for k, s := range sum {
		t.rates[k] = s / float64(n[k])
	}
	return t
}

// Rate returns MNT per unit of currency in the month; MNT is always 1.
func (t *FXTable) Rate(currency string, year, month int) (float64, bool) {
	if currency == "MNT" {
		return 1, true
	}
	if t == nil {
		return 0, false
	}
	r, ok := t.rates[fxKey{currency, year, month}]
	return r, ok
}
