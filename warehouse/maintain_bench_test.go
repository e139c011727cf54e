package warehouse_test

import (
	"context"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse"
)

// BenchmarkCompact compacts 100,000 filings of 48 months committed in 10
// pulls of 10,000, as scheduled pulls leave them: every partition of the
// three filings tables has many small files.
func BenchmarkCompact(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		wh := open(b, b.TempDir(), warehouse.Options{})
		for c := range 10 {
			batch := make([]ictstat.Filing, 0, 10000)
			for i := range 10000 {
				n := c*10000 + i
				batch = append(batch, filing(n, 1, 2022+n%48/12, 1+n%12, 1000, n%3))
			}
			commit(b, wh, batch)
		}
		b.StartTimer()
		st, err := wh.Compact(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if st.Partitions == 0 {
			b.Fatal("nothing compacted")
		}
		wh.Close()
		b.StartTimer()
	}
}
