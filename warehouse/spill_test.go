package warehouse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse/internal/pqwrite"
)

// spillRows returns filings that reach every branch of the spill form:
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

// inputOf returns the rows as the input of a partition.
func inputOf(rows []ictstat.Filing) *partInput {
	in := newPartInput()
	for i := range rows {
		in.add(&rows[i])
	}
	return in
}

// readBack writes c, columns of t, as Parquet and reads the rows back.
func readBack[T any](t *testing.T, table *pqwrite.Table, c *pqwrite.Columns) []T {
	t.Helper()
	var buf bytes.Buffer
	if err := table.Write(&buf, c, rowGroupRows); err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[T](bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// exportsOf returns the exports of rows, as filing_exports holds them.
func exportsOf(rows []ictstat.Filing) []ictstat.Export {
	var out []ictstat.Export
	for _, f := range rows {
		out = append(out, f.Exports...)
	}
	return out
}

// TestSpillRoundTrip checks that the input of a partition written to a
// scratch file reads back the same, appended after what was there, and
// that cut or altered bytes are an error, never a panic nor rows.
func TestSpillRoundTrip(t *testing.T) {
	rows := spillRows()
	b := inputOf(rows[:2]).appendBinary(nil)
	b = inputOf(rows[2:]).appendBinary(b)
	back := inputOf(rows[:1])
	for r := b; len(r) > 0; {
		var err error
		if r, err = back.readBinary(r, 0); err != nil {
			t.Fatal(err)
		}
	}
	want := append(append([]ictstat.Filing{}, rows[:1]...), rows...)
	got := readBack[ictstat.Filing](t, filingsTable, back.filings)
	for i := range want {
		want[i].Exports = nil
		if want[i].Programs == nil {
			want[i].Programs = []string{}
		}
		if got[i].Programs == nil {
			got[i].Programs = []string{}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("filings read back:\n got %+v\nwant %+v", got, want)
	}
	wantEx := append(exportsOf(rows[:1]), exportsOf(rows)...)
	if gotEx := readBack[ictstat.Export](t, exportsTable, back.exports); !reflect.DeepEqual(gotEx, wantEx) {
		t.Errorf("exports read back:\n got %+v\nwant %+v", gotEx, wantEx)
	}
	if want := []int32{2, 2}; !reflect.DeepEqual(back.parent, want) { // the exports of rows[1], the third row of back
		t.Errorf("parents %v, want %v", back.parent, want)
	}
	for _, cut := range []int{1, 10, len(b) / 3, len(b) / 2, len(b) - 1} {
		in := newPartInput()
		var err error
		for r := b[:cut]; err == nil && len(r) > 0; {
			r, err = in.readBinary(r, 100)
		}
		if !errors.Is(err, pqwrite.ErrCorrupt) && !errors.Is(err, errSpillCorrupt) {
			t.Errorf("input cut at %d of %d bytes: error %v", cut, len(b), err)
		}
	}
}

// TestSpillFile checks the records of a scratch file as flushPart writes
// them: read back in order by readSpill, and a file cut short, or with a
// record whose length runs past its end, refused as corrupt.
func TestSpillFile(t *testing.T) {
	rows := spillRows()
	b := appendRecord(nil, inputOf(rows[:2]))
	b = appendRecord(b, inputOf(rows[2:]))
	dir := t.TempDir()
	path := filepath.Join(dir, "p.bin")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	in := newPartInput()
	if err := in.readSpill(path, len(rows)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("scratch file left after reading: %v", err)
	}
	got := readBack[ictstat.Filing](t, filingsTable, in.filings)
	if len(got) != len(rows) {
		t.Fatalf("%d rows read back, want %d", len(got), len(rows))
	}
	for i := range got {
		if got[i].FilingID != rows[i].FilingID || got[i].SourceLine != rows[i].SourceLine {
			t.Errorf("row %d: %s line %d, want %s line %d", i, got[i].FilingID, got[i].SourceLine, rows[i].FilingID, rows[i].SourceLine)
		}
	}
	long := slices.Clone(b)
	binary.LittleEndian.PutUint32(long, uint32(len(b))) // the first record's length runs past the end
	trailing := append(slices.Clone(b), 0, 0, 0, 0, 7)  // a record of 0 bytes, then 1 byte of a header
	for name, bad := range map[string][]byte{"cut": b[:len(b)-3], "header cut": b[:2], "long": long, "trailing": trailing} {
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		err := newPartInput().readSpill(path, 0)
		if !errors.Is(err, errSpillCorrupt) && !errors.Is(err, pqwrite.ErrCorrupt) {
			t.Errorf("%s: error %v, want corrupt", name, err)
		}
	}
}
