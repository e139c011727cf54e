// Package output writes query results (Arrow record batches) in the formats
// users ask for: an aligned table for terminals, CSV, JSON, Parquet, the
// Arrow IPC stream and Excel workbooks. Column headers carry units where the query declares them.
package output

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/npit-mn/ictstat"
)

// Formats lists the formats Write accepts.
var Formats = []string{"table", "csv", "json", "parquet", "arrow", "xlsx"}

// Binary reports whether format f is bytes a terminal cannot show.
func Binary(f string) bool { return f == "parquet" || f == "arrow" || f == "xlsx" }

// Meta describes a result for the formats that can carry it.
type Meta struct {
	Query    string            // named query, or "" for ad-hoc SQL
	Snapshot int64             // snapshot the result was computed from
	Units    map[string]string // column -> unit
	MaxRows  int64             // json and table refuse longer results; 0 = no limit

	// For the formats that describe a result beside it (xlsx's "about" sheet).
	Title   string            // the analytic's title
	Answers string            // the question it answers
	Method  string            // how it computes the answer
	Params  []ParamValue      // the parameters it ran with, defaults filled in
	Docs    map[string]string // column -> meaning

	// Created is when the result was made, for the xlsx's document
	// properties; zero means the time of writing.
	Created time.Time
}

// ParamValue is one parameter of a run with the value used.
type ParamValue struct {
	Name, Value string
}

// ErrTooManyRows is returned when a result exceeds Meta.MaxRows in a format
// that must hold it whole.
var ErrTooManyRows = errors.New("result has more rows than allowed: use a streaming format (csv, parquet, arrow) or narrow the query")

// CheckFormat returns an error wrapping ictstat.ErrUsage for an unknown format.
func CheckFormat(f string) error {
	for _, x := range Formats {
		if f == x {
			return nil
		}
	}
	return fmt.Errorf("%w: unknown format %q (one of %s)", ictstat.ErrUsage, f, strings.Join(Formats, ", "))
}

// Write writes every batch of rr to w in format f and returns the rows written.
func Write(w io.Writer, f string, rr array.RecordReader, meta Meta) (int64, error) {
	switch f {
	case "arrow":
		return writeArrow(w, rr, meta)
	case "parquet":
		return writeParquet(w, rr, meta)
	case "csv":
		return writeCSV(w, rr, meta)
	case "json":
		return writeJSON(w, rr, meta)
	case "table":
		return writeTable(w, rr, meta)
	case "xlsx":
		return writeXLSX(w, rr, meta)
	}
	return 0, CheckFormat(f)
}

// writeArrow writes the Arrow IPC stream, with units and descriptions in
// the schema's metadata (describedSchema).
func writeArrow(w io.Writer, rr array.RecordReader, meta Meta) (int64, error) {
	schema := describedSchema(rr.Schema(), meta)
	iw := ipc.NewWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(memory.DefaultAllocator))
	var n int64
	for rr.Next() {
		rec := withSchema(schema, rr.RecordBatch())
		err := iw.Write(rec)
		rec.Release()
		if err != nil {
			return n, err
		}
		n += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		return n, err
	}
	return n, iw.Close()
}

// writeParquet writes a Parquet file compressed with snappy, which every
// reader reads without add-ons (as the warehouse's files), with units and
// descriptions in the file's key-value metadata and, for Arrow readers, in
// the stored Arrow schema's field metadata (describedSchema).
func writeParquet(w io.Writer, rr array.RecordReader, meta Meta) (int64, error) {
	schema := describedSchema(rr.Schema(), meta)
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	pw, err := pqarrow.NewFileWriter(schema, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(memory.DefaultAllocator), pqarrow.WithStoreSchema()))
	if err != nil {
		return 0, err
	}
	var n int64
	for rr.Next() {
		rec := withSchema(schema, rr.RecordBatch())
		err := pw.WriteBuffered(rec)
		rec.Release()
		if err != nil {
			return n, err
		}
		n += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		return n, err
	}
	return n, pw.Close()
}

// header returns the column names with units: "revenue_mnt [MNT]".
func header(s *arrow.Schema, meta Meta) []string {
	h := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		h[i] = f.Name
		if u := meta.Units[f.Name]; u != "" {
			h[i] += " [" + u + "]"
		}
	}
	return h
}

// cell renders one value as text; NULL is the empty string.
func cell(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch c := col.(type) {
	case *array.Float64:
		return formatFloat(c.Value(i))
	case *array.Date32:
		return c.Value(i).FormattedString()
	}
	// Arrow strings alias the batch's buffers, which the next batch reuses.
	return strings.Clone(col.ValueStr(i))
}

// plain renders a value for machine-read text formats: NULL is empty and
// floats are never in exponent notation.
func plain(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch c := col.(type) {
	case *array.Float64:
		return strconv.FormatFloat(c.Value(i), 'f', -1, 64)
	case *array.Date32:
		return c.Value(i).FormattedString()
	}
	return col.ValueStr(i)
}

// formatFloat shows large amounts as whole numbers with thousands
// separators and small ones with four decimals.
func formatFloat(v float64) string {
	if math.Abs(v) < 1000 {
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 0, 64)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func writeCSV(w io.Writer, rr array.RecordReader, meta Meta) (int64, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(header(rr.Schema(), meta)); err != nil {
		return 0, err
	}
	var n int64
	for rr.Next() {
		rec := rr.RecordBatch()
		row := make([]string, rec.NumCols())
		for i := 0; i < int(rec.NumRows()); i++ {
			for j, col := range rec.Columns() {
				row[j] = plain(col, i)
			}
			if err := cw.Write(row); err != nil {
				return n, err
			}
		}
		n += rec.NumRows()
	}
	cw.Flush()
	if err := rr.Err(); err != nil {
		return n, err
	}
	return n, cw.Error()
}

func writeJSON(w io.Writer, rr array.RecordReader, meta Meta) (int64, error) {
	type column struct {
		Name string `json:"name"`
		Type string `json:"type"`
		Unit string `json:"unit,omitempty"`
	}
	cols := make([]column, 0)
	for _, f := range rr.Schema().Fields() {
		cols = append(cols, column{f.Name, f.Type.String(), meta.Units[f.Name]})
	}
	head, _ := json.Marshal(map[string]any{"query": meta.Query, "snapshot": meta.Snapshot, "columns": cols})
	if _, err := fmt.Fprintf(w, "%s,\"rows\":[", head[:len(head)-1]); err != nil {
		return 0, err
	}
	var n int64
	enc := json.NewEncoder(w)
	names := make([]string, rr.Schema().NumFields())
	for i, f := range rr.Schema().Fields() {
		names[i] = f.Name
	}
	for rr.Next() {
		rec := rr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			obj := make(map[string]any, len(names))
			for j, col := range rec.Columns() {
				obj[names[j]] = col.GetOneForMarshal(i)
			}
			if meta.MaxRows > 0 && n >= meta.MaxRows {
				return n, fmt.Errorf("%w (limit %d)", ErrTooManyRows, meta.MaxRows)
			}
			if n > 0 {
				io.WriteString(w, ",")
			}
			if err := enc.Encode(obj); err != nil {
				return n, err
			}
			n++
		}
	}
	if err := rr.Err(); err != nil {
		return n, err
	}
	_, err := io.WriteString(w, "]}\n")
	return n, err
}

// maxTableRows bounds the rows an aligned table buffers.
const maxTableRows = 10_000

func writeTable(w io.Writer, rr array.RecordReader, meta Meta) (int64, error) {
	head := header(rr.Schema(), meta)
	for j, h := range head {
		head[j] = EscapeControl(h)
	}
	rows := [][]string{head}
	numeric := make([]bool, rr.Schema().NumFields())
	for i, f := range rr.Schema().Fields() {
		numeric[i] = arrow.IsInteger(f.Type.ID()) || arrow.IsFloating(f.Type.ID()) || arrow.IsDecimal(f.Type.ID())
	}
	var n int64
	for rr.Next() {
		rec := rr.RecordBatch()
		for i := 0; i < int(rec.NumRows()) && len(rows) <= maxTableRows; i++ {
			row := make([]string, rec.NumCols())
			for j, col := range rec.Columns() {
				row[j] = EscapeControl(cell(col, i)) // a terminal shows the table
			}
			rows = append(rows, row)
		}
		n += rec.NumRows()
		if meta.MaxRows > 0 && n > meta.MaxRows {
			return n, fmt.Errorf("%w (limit %d)", ErrTooManyRows, meta.MaxRows)
		}
	}
	if err := rr.Err(); err != nil {
		return n, err
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for j, c := range r {
			width[j] = max(width[j], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for ri, r := range rows {
		var line strings.Builder
		for j, c := range r {
			pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(c))
			if j > 0 {
				line.WriteString("  ")
			}
			if numeric[j] && ri > 0 {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
	if n > maxTableRows {
		fmt.Fprintf(&b, "(%d more rows; use --format csv or parquet for all)\n", n-maxTableRows)
	}
	fmt.Fprintf(&b, "(%d rows, snapshot %d)\n", n, meta.Snapshot)
	_, err := io.WriteString(w, b.String())
	return n, err
}
