package warehouse

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// spillRows returns filings that reach every branch of the spill codec:
// one-byte and longer lengths and varints, negative numbers, optional
// amounts set and not, programs, exports, and a change of Source.
func spillRows() []ictstat.Filing {
	w, r := 1234.5, -0.25
	long := strings.Repeat("Ö", 200) // a length over 127 bytes
	base := ictstat.Filing{FilingID: "VZ-202401-1234567", Revision: 1, RegistryNo: "1234567", CompanyName: "Test LLC",
		ISIC4: "6201", ISICDivision: "62", ICTSector: true, Zone: "UB-01", Period: ictstat.MonthDate(2024, 1),
		SubmittedAt: 1706000000000000, Currency: "MNT", Revenue: 1e6, IntermediateConsumption: 4e5, Employees: 3,
		FXRate: 1, RevenueMNT: 1e6, IntermediateMNT: 4e5, GVAMNT: 6e5, Flags: `{"ai":false,"startup":true}`,
		Startup: true, Source: "a.ndjson", SourceLine: 1}
	rows := []ictstat.Filing{base}
	f := base
	f.Revision, f.Employees, f.SourceLine, f.SubmittedAt, f.Period = 300, -5, 1<<40, -1, ictstat.Date(-40000)
	f.Wages, f.WagesMNT, f.RnDExpense, f.RnDExpenseMNT = &w, &w, &r, &r
	f.CompanyName, f.Flags, f.Programs = long, "", []string{"p1", long, ""}
	f.Revenue, f.GVAMNT = math.Inf(-1), math.MaxFloat64
	f.AI, f.Startup, f.ICTSector = true, false, false
	f.Exports = []ictstat.Export{{Country: "JP", EBOPS: "SI2", ICTService: true, Amount: 10, AmountMNT: 34000},
		{Country: "KZ", EBOPS: "SJ", Amount: -0.5, AmountMNT: 1e-9}}
	f.ExportLines = 3
	rows = append(rows, f)
	g := base
	g.Source, g.SourceLine = "https://feed.example/filings?page=2", 63 // Source changes...
	rows = append(rows, g)
	h := base
	h.Source = "https://feed.example/filings?page=2" // ...and stays
	h.FilingID, h.RegistryNo = "", ""
	rows = append(rows, h)
	for i := range rows {
		for j := range rows[i].Exports {
			e := &rows[i].Exports[j]
			e.FilingID, e.Revision, e.RegistryNo, e.Period, e.Currency = rows[i].FilingID, rows[i].Revision, rows[i].RegistryNo, rows[i].Period, rows[i].Currency
		}
	}
	return rows
}

// TestSpillRoundTrip checks that what encodeFiling writes, spillReader
// reads back the same, and that a cut record is an error, not a row.
func TestSpillRoundTrip(t *testing.T) {
	rows := spillRows()
	var b []byte
	var source string
	for i := range rows {
		b = encodeFiling(b, &rows[i], &source)
	}
	r := spillReader{b: b}
	for i, want := range rows {
		var got ictstat.Filing
		if err := r.next(&got); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if len(r.b) != 0 {
		t.Errorf("%d bytes left over", len(r.b))
	}
	for _, cut := range []int{1, 10, len(b) / 2, len(b) - 1} {
		r := spillReader{b: b[:cut]}
		var err error
		for n := 0; err == nil && len(r.b) > 0 && n < len(rows); n++ {
			var f ictstat.Filing
			err = r.next(&f)
		}
		if !errors.Is(err, errSpillCorrupt) {
			t.Errorf("input cut at %d of %d bytes: error %v, want %v", cut, len(b), err, errSpillCorrupt)
		}
	}
}

// BenchmarkSpillDecode measures the decoding of held and spilled filings
// that each merge of a partition does.
func BenchmarkSpillDecode(b *testing.B) {
	rows := spillRows()
	var buf []byte
	var source string
	n := 0
	for len(buf) < 4<<20 {
		f := rows[n%2]
		f.SourceLine, f.Revision = int64(n+1), int32(1+n%3)
		buf = encodeFiling(buf, &f, &source)
		n++
	}
	out := make([]ictstat.Filing, n)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := spillReader{b: buf, opt: make([]float64, 0, 4*n)}
		for i := range out {
			if err := r.next(&out[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
