package output

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/xuri/excelize/v2"
)

// TestXLSXRoundTrip writes a workbook and reads it back with excelize:
// headers with units, numbers stored as numbers, dates as dates, NULL as an
// empty cell, a frozen header row, and the about sheet.
func TestXLSXRoundTrip(t *testing.T) {
	m := meta
	m.Title, m.Answers, m.Method = "Size of the sector", "How large is it", "Sums filings"
	m.Params = []ParamValue{{"grain", "quarter"}, {"ict_only", "true"}}
	m.Docs = map[string]string{"revenue_mnt": "revenue"}
	var buf bytes.Buffer
	n, err := Write(&buf, "xlsx", sample(t), m)
	if err != nil || n != 2 {
		t.Fatalf("got %d rows, %v; want 2 rows", n, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != SheetData || got[1] != SheetAbout {
		t.Fatalf("got sheets %v, want [data about]", got)
	}
	rows, err := f.GetRows(SheetData)
	if err != nil {
		t.Fatal(err)
	}
	// As shown: MNT with thousands separators and no decimals.
	want := [][]string{
		{"subsector", "revenue_mnt [MNT]", "companies [companies]", "period_start"},
		{"62", "1,234,567,891", "3", "2026-07-01"},
		{"Мэдээлэл, \"61\"", "", "12", "2026-10-01"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i := range want {
		for j := range want[i] {
			got := ""
			if j < len(rows[i]) {
				got = rows[i][j]
			}
			if got != want[i][j] {
				t.Errorf("data row %d col %d: got %q, want %q", i+1, j+1, got, want[i][j])
			}
		}
	}
	for _, tc := range []struct {
		cell string
		typ  excelize.CellType
		raw  string
	}{
		{"A2", excelize.CellTypeInlineString, "62"},
		{"B2", excelize.CellTypeUnset, "1234567890.5"}, // numbers carry no t attribute
		{"C3", excelize.CellTypeUnset, "12"},
		{"D2", excelize.CellTypeUnset, "46204"}, // 2026-07-01 as an Excel serial day
		{"B3", excelize.CellTypeUnset, ""},      // NULL is an empty cell
	} {
		typ, err := f.GetCellType(SheetData, tc.cell)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := f.GetCellValue(SheetData, tc.cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if typ != tc.typ || raw != tc.raw {
			t.Errorf("%s: got type %v, raw %q; want type %v, raw %q", tc.cell, typ, raw, tc.typ, tc.raw)
		}
	}
	panes, err := f.GetPanes(SheetData)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("got panes %+v, want the first row frozen", panes)
	}
	for col, least := range map[string]float64{"A": 14, "B": 17, "D": 10} {
		if w, err := f.GetColWidth(SheetData, col); err != nil || w < least || w > 62 {
			t.Errorf("column %s: got width %v (%v), want %v to 62", col, w, err, least)
		}
	}
	about, err := f.GetRows(SheetAbout)
	if err != nil {
		t.Fatal(err)
	}
	text := map[string]string{}
	for _, r := range about {
		if len(r) >= 2 {
			text[r[0]] = strings.Join(r[1:], "|")
		}
	}
	for k, v := range map[string]string{
		"query": "q", "title": "Size of the sector", "answers": "How large is it", "method": "Sums filings",
		"snapshot": "7", "rows": "2", "parameter grain": "quarter", "parameter ict_only": "true",
		"revenue_mnt": "MNT|number|revenue", "companies": "companies|whole number", "period_start": "(none declared)|date",
	} {
		if text[k] != v {
			t.Errorf("about %q: got %q, want %q", k, text[k], v)
		}
	}
}

// TestXLSXTypes checks the cells of the types the sample lacks: timestamps
// as date-times, booleans, and non-finite floats left empty.
func TestXLSXTypes(t *testing.T) {
	ts := arrow.FixedWidthTypes.Timestamp_us
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "at", Type: ts},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	at, _ := arrow.TimestampFromTime(time.Date(2026, 11, 27, 13, 5, 9, 0, time.UTC), arrow.Microsecond)
	b.Field(0).(*array.TimestampBuilder).Append(at)
	b.Field(1).(*array.BooleanBuilder).Append(true)
	b.Field(2).(*array.Float64Builder).Append(math.NaN())
	rr, err := array.NewRecordReader(schema, []arrow.RecordBatch{b.NewRecordBatch()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := Write(&buf, "xlsx", rr, Meta{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{"A2": "2026-11-27 13:05:09", "B2": "TRUE", "C2": ""} {
		if got, _ := f.GetCellValue(SheetData, cell); got != want {
			t.Errorf("%s: got %q, want %q", cell, got, want)
		}
	}
	if typ, _ := f.GetCellType(SheetData, "B2"); typ != excelize.CellTypeBool {
		t.Errorf("B2: got type %v, want bool", typ)
	}
	if q, _ := f.GetCellValue(SheetAbout, "B1"); q != "(ad-hoc SQL)" {
		t.Errorf("about query: got %q, want (ad-hoc SQL)", q)
	}
}

// TestXLSXFailedQuery checks that a result failing part way writes nothing.
func TestXLSXFailedQuery(t *testing.T) {
	rr := &failingReader{RecordReader: sample(t), err: errors.New("disk gone")}
	var buf bytes.Buffer
	if _, err := Write(&buf, "xlsx", rr, meta); err == nil || buf.Len() != 0 {
		t.Errorf("got %v and %d bytes, want the error and no bytes", err, buf.Len())
	}
}

// failingReader yields its batches, then reports err.
type failingReader struct {
	array.RecordReader
	err error
}

func (f *failingReader) Err() error {
	if f.RecordReader.Err() != nil {
		return f.RecordReader.Err()
	}
	return f.err
}

// TestXLSXManyBatches checks rows beyond the width sample and across
// batches: all of them, in order.
func TestXLSXManyBatches(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var recs []arrow.RecordBatch
	for b := 0; b < 3; b++ {
		bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := 0; i < 900; i++ {
			bld.Field(0).(*array.Int64Builder).Append(int64(b*900 + i))
		}
		recs = append(recs, bld.NewRecordBatch())
		bld.Release()
	}
	rr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if n, err := Write(&buf, "xlsx", rr, Meta{}); err != nil || n != 2700 {
		t.Fatalf("got %d rows, %v; want 2700", n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetData, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2701 {
		t.Fatalf("got %d rows, want a header and 2700", len(rows))
	}
	for i, r := range rows[1:] {
		if r[0] != strconv.Itoa(i) {
			t.Fatalf("row %d: got %q, want %d", i+2, r[0], i)
		}
	}
}
