package simulate_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/simulate"
)

var update = simulate.UpdateSamples // -update rewrites testdata/exports from the seeded world

// sampleWorld is the world of the bundled exports samples: 2019-2025.
func sampleWorld() *simulate.World {
	return simulate.NewWorld(simulate.Options{Seed: 1, Companies: 1500, Months: 84, EndPeriod: "2025-12", USDShare: 0.1})
}

// TestSDMXSamples checks that testdata/exports is what the seeded world
// writes (run with -update to rewrite it), and that the balance of
// payments is larger than the filings it comes from.
func TestSDMXSamples(t *testing.T) {
	w := sampleWorld()
	obs := w.BopQuarterly()
	if got, want := len(obs), 28*12*4; got != want {
		t.Fatalf("got %d observations, want %d (28 quarters x 12 partners x 4 items)", got, want)
	}
	first, upd := simulate.BopRevision(obs, 1)
	var v1, v2 bytes.Buffer
	if err := simulate.WriteSDMXCSV1(&v1, first); err != nil {
		t.Fatal(err)
	}
	if err := simulate.WriteSDMXCSV2(&v2, upd, ';'); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"bop_2019q1_2025q3.csv": v1.Bytes(), "bop_update_2025q4.csv": v2.Bytes()}
	dir := filepath.Join("..", "testdata", "exports")
	for name, data := range files {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		held, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./simulate -run TestSDMXSamples -update)", err)
		}
		if !bytes.Equal(held, data) {
			t.Errorf("%s differs from what the seeded world writes: run go test ./simulate -run TestSDMXSamples -update", path)
		}
	}
	// BoP covers every exporter, the filings only those in the zones: the
	// world total must exceed the filed ICT exports (latest revisions, at
	// the world's USD rate), by the inverse of a coverage of 70-90%.
	filed := filedICTExportsUSD(t, w)
	bop := 0.0
	for _, o := range obs {
		if o.Partner == "W1" && o.Item == "SI" {
			bop += o.USDMn * 1e6
		}
	}
	if r := bop / filed; r < 1.08 || r > 1.5 {
		t.Errorf("BoP %.0f USD / filings %.0f USD = %.3f: want 1.08 to 1.5", bop, filed, r)
	}
	// The world total is the sum over every partner, the named ones included.
	for _, o := range obs {
		if o.Partner == "W1" && o.Item == "SI" && o.Quarter == "2024-Q1" {
			sum := 0.0
			for _, p := range obs {
				if p.Quarter == o.Quarter && p.Item == "SI" && p.Partner != "W1" && !math.IsNaN(p.USDMn) {
					sum += p.USDMn
				}
			}
			if !(o.USDMn > sum) {
				t.Errorf("W1 %v million USD: want more than the named partners' %v", o.USDMn, sum)
			}
		}
	}
}

// filedICTExportsUSD adds up the SI exports of the latest revision of each
// filing, in USD at the rate the simulator converts with.
func filedICTExportsUSD(t *testing.T, w *simulate.World) float64 {
	latest := map[string]int{}
	w.Filings(func(f *simulate.Filing) error {
		latest[f.FilingID] = max(latest[f.FilingID], f.Revision)
		return nil
	})
	total := 0.0
	w.Filings(func(f *simulate.Filing) error {
		if f.Revision != latest[f.FilingID] {
			return nil
		}
		rate := 1.0
		if f.Currency == "MNT" {
			y, m := 0, 0
			fmt.Sscanf(f.Period, "%d-%d", &y, &m)
			rate = 1 / (2000 * math.Exp(0.0045*float64((y-2016)*12+m-1)))
		}
		for _, e := range f.Exports {
			if strings.HasPrefix(e.EBOPS, "SI") {
				total += e.Amount * rate
			}
		}
		return nil
	})
	return total
}
