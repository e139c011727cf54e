package simulate_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/simulate"
)

func TestWriteFXRatesCSV(t *testing.T) {
	w := simulate.NewWorld(simulate.Options{Seed: 1, Companies: 10, Months: 3, EndPeriod: "2026-10"})
	var buf bytes.Buffer
	if err := w.WriteFXRatesCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rates, bad, err := ingest.ReadFXRates(&buf, "fx.csv")
	if err != nil || len(bad) != 0 {
		t.Fatalf("got %v and %d bad rows, want a clean file", err, len(bad))
	}
	// August to October 2026 have 21, 22 and 22 working days.
	if len(rates) != 65 {
		t.Errorf("got %d daily rates, want 65", len(rates))
	}
	sum, n := 0.0, 0
	for _, r := range rates {
		if y, m := r.Date.YearMonth(); y == 2026 && m == 10 {
			sum += r.MNTPerUnit
			n++
		}
	}
	// The world's curve: 2000 * exp(0.0045 * months since 2016-01); October 2026 is month 129.
	want := 2000 * math.Exp(0.0045*129)
	if avg := sum / float64(n); math.Abs(avg-want)/want > 0.005 {
		t.Errorf("got October average %.2f, want within 0.5%% of %.2f", avg, want)
	}
}
