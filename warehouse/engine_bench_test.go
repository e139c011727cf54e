package warehouse_test

import (
	"context"
	"testing"

	"github.com/npit-mn/ictstat/warehouse"
)

// BenchmarkQueryArrow measures a 1,000,000-row SELECT read into Arrow
// batches: integers, doubles, text, dates, booleans, timestamps and
// decimals, the types the tables hold.
func BenchmarkQueryArrow(b *testing.B) {
	wh := open(b, b.TempDir(), warehouse.Options{})
	const q = `SELECT i AS id, i * 1.5 AS x, 'company-' || i AS name, DATE '2020-01-01' + (i % 1000)::INTEGER AS period,
		i % 2 = 0 AS ict, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(i) AS submitted, (i % 100000)::DECIMAL(18, 2) AS amount
		FROM range(1000000) t(i)`
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := wh.Query(ctx, -1, q)
		if err != nil {
			b.Fatal(err)
		}
		n := int64(0)
		for res.Next() {
			n += res.RecordBatch().NumRows()
		}
		if err := res.Err(); err != nil {
			b.Fatal(err)
		}
		res.Release()
		if n != 1000000 {
			b.Fatalf("%d rows, want 1000000", n)
		}
	}
}
