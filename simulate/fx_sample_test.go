package simulate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/simulate"
)

// demoWorld is the world of `ictstat run`'s demo, whose rates
// testdata/fx holds.
func demoWorld() *simulate.World {
	return simulate.NewWorld(simulate.Options{Seed: 1, Companies: 1500, Months: 60, USDShare: 0.1})
}

// TestFXSample checks that testdata/fx/mnt_usd_daily.csv is what the demo
// world writes (-update rewrites it) and that it reads clean.
func TestFXSample(t *testing.T) {
	var buf bytes.Buffer
	if err := demoWorld().WriteFXRatesCSV(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "testdata", "fx", "mnt_usd_daily.csv")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./simulate -run TestFXSample -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("%s differs from the demo world's rates: run go test ./simulate -run TestFXSample -update", path)
	}
	rates, bad, err := ingest.ReadFXRates(bytes.NewReader(got), path)
	if err != nil || len(bad) > 0 {
		t.Fatalf("got %v, %d bad rows; want a clean file", err, len(bad))
	}
	if want := strings.Count(string(got), "\n") - 1; len(rates) != want || want < 1000 {
		t.Errorf("got %d rates, want %d (one a working day of 60 months)", len(rates), want)
	}
}
