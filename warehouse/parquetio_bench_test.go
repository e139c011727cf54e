package warehouse

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/npit-mn/ictstat"
)

// BenchmarkWriteFilings measures the Parquet encoding of one partition of
// filings like the simulated ones (16,384 rows), without the fsync, which
// measures the disk rather than the encoder.
func BenchmarkWriteFilings(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]ictstat.Filing, 16384)
	for i := range rows {
		reg := fmt.Sprintf("%07d", 1000000+rng.IntN(9000000))
		rev := 1000 * float64(1+rng.IntN(90000))
		w := 1000 * float64(rng.IntN(9000))
		rows[i] = ictstat.Filing{FilingID: "VZ-202401-" + reg, Revision: 1, RegistryNo: reg,
			CompanyName: fmt.Sprintf("Company %d LLC", rng.IntN(50000)), ISIC4: "6201", ISICDivision: "62", ICTSector: true,
			Zone: fmt.Sprintf("UB-%02d", rng.IntN(6)), Period: ictstat.MonthDate(2024, 1), SubmittedAt: 1706000000000000 + rng.Int64N(2e12),
			Currency: "MNT", Revenue: rev, IntermediateConsumption: rev / 2, Wages: &w, Employees: int32(rng.IntN(50)), FXRate: 1,
			RevenueMNT: rev, IntermediateMNT: rev / 2, WagesMNT: &w, GVAMNT: rev / 2, Flags: `{"ai":false,"startup":true}`,
			Source: "/tmp/ictstat-bench/filings-2000000.ndjson", SourceLine: int64(i + 1)}
	}
	for _, bc := range []struct {
		name   string
		encode func(io.Writer) error
	}{
		{"rows", func(w io.Writer) error { return encodeRows(w, rows) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := writeParquet(filepath.Join(dir, fmt.Sprintf("%d.parquet", i)), bc.encode, closeOnly); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
		})
	}
}

func closeOnly(f *os.File) { f.Close() }
