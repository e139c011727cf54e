package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// described is a Meta as a named query's run fills it.
var described = Meta{Query: "sector_size", Snapshot: 7, Title: "Size of the ICT sector", Method: "sums filings",
	Units:  map[string]string{"revenue_mnt": "MNT", "companies": "companies"},
	Docs:   map[string]string{"revenue_mnt": "revenue", "companies": "distinct registry numbers"},
	Params: []ParamValue{{"grain", "year"}}}

func TestArrowCarriesUnits(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if _, err := Write(&buf, "arrow", sample(t), described); err != nil {
		t.Fatal(err)
	}
	r, err := ipc.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	for r.Next() {
	}
	s := r.Schema()
	f := s.Field(1)
	if u, _ := f.Metadata.GetValue(FieldUnit); u != "MNT" {
		t.Errorf("got field %s unit %q, want MNT", f.Name, u)
	}
	if d, _ := f.Metadata.GetValue(FieldDescription); d != "revenue" {
		t.Errorf("got field %s description %q, want revenue", f.Name, d)
	}
	if s.Field(0).HasMetadata() {
		t.Errorf("got metadata %v on a column without unit or doc, want none", s.Field(0).Metadata)
	}
	md := s.Metadata()
	for k, want := range map[string]string{KeyQuery: "sector_size", KeySnapshot: "7", KeyTitle: "Size of the ICT sector", KeyParams: `{"grain":"year"}`} {
		if got, _ := md.GetValue(k); got != want {
			t.Errorf("got schema metadata %s = %q, want %q", k, got, want)
		}
	}
}

func TestParquetCarriesUnitsWithSnappy(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if _, err := Write(&buf, "parquet", sample(t), described); err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	// What a reader without Arrow sees: the file's key-value metadata and
	// each column chunk's codec.
	kv := pf.MetaData().KeyValueMetadata()
	var cols []struct{ Name, Unit, Description string }
	if v := kv.FindValue(KeyColumns); v == nil || json.Unmarshal([]byte(*v), &cols) != nil || len(cols) != 4 {
		t.Fatalf("got %s = %v, want a JSON array of the 4 columns", KeyColumns, v)
	}
	if c := cols[1]; c.Name != "revenue_mnt" || c.Unit != "MNT" || c.Description != "revenue" {
		t.Errorf("got column %+v, want revenue_mnt in MNT, revenue", c)
	}
	if v := kv.FindValue(KeyQuery); v == nil || *v != "sector_size" {
		t.Errorf("got %s = %v, want sector_size", KeyQuery, v)
	}
	rg := pf.MetaData().RowGroup(0)
	for i := 0; i < rg.NumColumns(); i++ {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if cc.Compression() != compress.Codecs.Snappy {
			t.Errorf("got column %d compressed with %v, want snappy", i, cc.Compression())
		}
	}
	// What an Arrow reader sees: the fields' metadata.
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Field(2).Metadata.GetValue(FieldUnit); u != "companies" {
		t.Errorf("got field %s unit %q, want companies", s.Field(2).Name, u)
	}
}

func TestEscapeControl(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain, Мэдээлэл":      "plain, Мэдээлэл",
		"\x1b[31mred\x1b[0m":   `\x1b[31mred\x1b[0m`,
		"a\nb\tc\r":            `a\nb\tc\r`,
		"bad \xff byte":        `bad \xff byte`,
		"c1 \u0085 and \u009b": `c1 \u0085 and \u009b`,
	} {
		if got := EscapeControl(in); got != want {
			t.Errorf("EscapeControl(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTableEscapesControl(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if _, err := Write(&buf, "table", oneString(t, "x\x1b]0;pwned\x07y"), Meta{}); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `x\x1b]0;pwned\ay`) {
		t.Errorf("got table %q, want the control characters escaped", out)
	}
}

// oneString returns a one-row result of one text column holding s.
func oneString(t *testing.T, s string) array.RecordReader {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "raw", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append(s)
	rr, err := array.NewRecordReader(schema, []arrow.RecordBatch{b.NewRecordBatch()})
	if err != nil {
		t.Fatal(err)
	}
	return rr
}
