package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/npit-mn/ictstat"
)

// sample returns a two-row result with a string, a float with a NULL, an
// integer and a date column.
func sample(t *testing.T) array.RecordReader {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "subsector", Type: arrow.BinaryTypes.String},
		{Name: "revenue_mnt", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "companies", Type: arrow.PrimitiveTypes.Int64},
		{Name: "period_start", Type: arrow.FixedWidthTypes.Date32},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"62", "Мэдээлэл, \"61\""}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{1234567890.5, 0}, []bool{true, false})
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{3, 12}, nil)
	b.Field(3).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(mustDate("2026-07-01")), arrow.Date32FromTime(mustDate("2026-10-01"))}, nil)
	rec := b.NewRecordBatch()
	rr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

var meta = Meta{Query: "q", Snapshot: 7, Units: map[string]string{"revenue_mnt": "MNT", "companies": "companies"}}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if n, err := Write(&buf, "csv", sample(t), meta); err != nil || n != 2 {
		t.Fatalf("got %d rows, %v", n, err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"subsector", "revenue_mnt [MNT]", "companies [companies]", "period_start"},
		{"62", "1234567890.5", "3", "2026-07-01"},
		{"Мэдээлэл, \"61\"", "", "12", "2026-10-01"},
	}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("row %d col %d: got %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}
}

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write(&buf, "json", sample(t), meta); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Query    string
		Snapshot int64
		Columns  []struct{ Name, Type, Unit string }
		Rows     []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, buf.String())
	}
	if got.Snapshot != 7 || got.Columns[1].Unit != "MNT" || len(got.Rows) != 2 {
		t.Fatalf("got %+v", got)
	}
	if got.Rows[0]["revenue_mnt"] != 1234567890.5 || got.Rows[1]["revenue_mnt"] != nil || got.Rows[1]["subsector"] != "Мэдээлэл, \"61\"" {
		t.Errorf("got rows %v", got.Rows)
	}
}

func TestArrowRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write(&buf, "arrow", sample(t), meta); err != nil {
		t.Fatal(err)
	}
	r, err := ipc.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var n int64
	for r.Next() {
		n += r.RecordBatch().NumRows()
	}
	if n != 2 || r.Schema().Field(1).Name != "revenue_mnt" {
		t.Errorf("got %d rows, schema %v", n, r.Schema())
	}
}

func TestParquetRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write(&buf, "parquet", sample(t), meta); err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 2 || tbl.NumCols() != 4 {
		t.Errorf("got %d rows x %d columns, want 2 x 4", tbl.NumRows(), tbl.NumCols())
	}
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write(&buf, "table", sample(t), meta); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"revenue_mnt [MNT]", "1,234,567,890", "Мэдээлэл", "(2 rows, snapshot 7)"} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := Write(&bytes.Buffer{}, "xml", sample(t), meta); !errors.Is(err, ictstat.ErrUsage) {
		t.Errorf("got %v, want ErrUsage", err)
	}
}

func TestFormatFloat(t *testing.T) {
	for in, want := range map[float64]string{0: "0.0000", 12.5: "12.5000", 999.99: "999.9900", 1000: "1,000", -1234567: "-1,234,567", 1e15: "1,000,000,000,000,000"} {
		if got := formatFloat(in); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", in, got, want)
		}
	}
}

func mustDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
