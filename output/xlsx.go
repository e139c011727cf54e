package output

import (
	"bytes"
	"encoding/xml"
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
	"github.com/xuri/excelize/v2"
)

// Sheet names of the workbook writeXLSX makes.
const (
	SheetData  = "data"
	SheetAbout = "about"
)

// ErrTooManyRowsXLSX is returned when a result does not fit in one sheet.
var ErrTooManyRowsXLSX = errors.New("result has more rows than an Excel sheet holds (1,048,575 after the header): use csv, parquet or arrow, or narrow the query")

// xlsxWidthSample is how many rows the column widths are measured on: the
// sheet is streamed, and widths must be set before the first row.
const xlsxWidthSample = 1000

// xlsxStyles are the cell styles of the data sheet.
type xlsxStyles struct {
	header, date, timestamp, wrap, bold int
	number                              []int // by column: the number format's style, 0 for none
}

// newXLSXStyles makes the styles, with a number format for each numeric
// column of schema (xlsxNumFmt).
func newXLSXStyles(f *excelize.File, schema *arrow.Schema, meta Meta) (xlsxStyles, error) {
	var s xlsxStyles
	var err error
	byFmt := map[string]int{}
	s.number = make([]int, schema.NumFields())
	for j, fl := range schema.Fields() {
		nf := xlsxNumFmt(fl.Type, meta.Units[fl.Name])
		if nf == "" {
			continue
		}
		if _, ok := byFmt[nf]; !ok {
			if byFmt[nf], err = f.NewStyle(&excelize.Style{CustomNumFmt: ptr(nf)}); err != nil {
				return s, err
			}
		}
		s.number[j] = byFmt[nf]
	}
	for _, st := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&s.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.date, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}},
		{&s.timestamp, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm:ss")}},
		{&s.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.bold, &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}}},
	} {
		if *st.id, err = f.NewStyle(st.style); err != nil {
			return s, err
		}
	}
	return s, nil
}

func ptr[T any](v T) *T { return &v }

// writeXLSX writes an Excel workbook: sheet "data" with one header row of
// column names and units ("revenue_mnt [MNT]", as csv and table write them),
// frozen, then one row per result row with numbers as numbers and dates and
// timestamps (UTC) as Excel dates; sheet "about" says what the result is.
// The workbook is built whole before it is written, so nothing reaches w
// when the query fails part way.
func writeXLSX(w io.Writer, rr array.RecordReader, meta Meta) (int64, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetData); err != nil {
		return 0, err
	}
	schema := rr.Schema()
	st, err := newXLSXStyles(f, schema, meta)
	if err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(SheetData)
	if err != nil {
		return 0, err
	}
	head := header(schema, meta)

	// Buffer the first rows to size the columns, then stream the rest.
	var sample [][]any
	var n int64
	more := true
	for len(sample) < xlsxWidthSample && more {
		if more = rr.Next(); more {
			sample = appendXLSXRows(sample, rr.RecordBatch(), st)
		}
	}
	if err := rr.Err(); err != nil {
		return 0, err
	}
	for j, wd := range xlsxWidths(schema, head, sample) {
		if err := sw.SetColWidth(j+1, j+1, wd); err != nil {
			return 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	hrow := make([]any, len(head))
	for j, h := range head {
		hrow[j] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A1", hrow, excelize.RowOpts{Height: 30}); err != nil {
		return 0, err
	}
	put := func(row []any) error {
		if n+1 >= excelize.TotalRows {
			return fmt.Errorf("%w (%d rows written)", ErrTooManyRowsXLSX, n)
		}
		n++
		cell, err := excelize.CoordinatesToCellName(1, int(n)+1)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, row)
	}
	for _, row := range sample {
		if err := put(row); err != nil {
			return n, err
		}
	}
	for more && rr.Next() {
		for _, row := range appendXLSXRows(nil, rr.RecordBatch(), st) {
			if err := put(row); err != nil {
				return n, err
			}
		}
	}
	if err := rr.Err(); err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	if err := writeAbout(f, schema, meta, n, st); err != nil {
		return n, err
	}
	f.SetActiveSheet(0)
	title := meta.Title
	if title == "" {
		title = "ictstat query result"
	}
	created := meta.Created
	if created.IsZero() {
		created = time.Now()
	}
	f.Pkg.Store("docProps/core.xml", coreProps(title, meta.Query, fmt.Sprintf("snapshot %d", meta.Snapshot), created))
	return n, f.Write(w)
}

// appendXLSXRows converts the rows of one batch to cell values, numbers
// with their column's number format.
func appendXLSXRows(out [][]any, rec arrow.RecordBatch, st xlsxStyles) [][]any {
	for i := 0; i < int(rec.NumRows()); i++ {
		row := make([]any, rec.NumCols())
		for j, col := range rec.Columns() {
			row[j] = xlsxValue(col, i, st)
			if v := row[j]; v != nil && st.number[j] != 0 {
				if _, styled := v.(excelize.Cell); !styled {
					row[j] = excelize.Cell{StyleID: st.number[j], Value: v}
				}
			}
		}
		out = append(out, row)
	}
	return out
}

// xlsxValue is one cell: nil for NULL (an empty cell), a number for numeric
// columns, a styled time for dates and timestamps, text otherwise. A float
// that is not finite has no Excel form and is left empty.
func xlsxValue(col arrow.Array, i int, st xlsxStyles) any {
	if col.IsNull(i) {
		return nil
	}
	switch c := col.(type) {
	case *array.Float64:
		v := c.Value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	case *array.Float32:
		v := float64(c.Value(i))
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	case *array.Int64:
		return c.Value(i)
	case *array.Int32:
		return c.Value(i)
	case *array.Int16:
		return c.Value(i)
	case *array.Int8:
		return c.Value(i)
	case *array.Uint64:
		return c.Value(i)
	case *array.Uint32:
		return c.Value(i)
	case *array.Uint16:
		return c.Value(i)
	case *array.Uint8:
		return c.Value(i)
	case *array.Boolean:
		return c.Value(i)
	case *array.Decimal128:
		f, _ := strconv.ParseFloat(c.ValueStr(i), 64)
		return f
	case *array.Date32:
		return excelize.Cell{StyleID: st.date, Value: c.Value(i).ToTime()}
	case *array.Date64:
		return excelize.Cell{StyleID: st.date, Value: c.Value(i).ToTime().UTC()}
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return excelize.Cell{StyleID: st.timestamp, Value: c.Value(i).ToTime(unit).UTC()}
	}
	// Arrow strings alias the batch's buffers, which the next batch reuses.
	return strings.Clone(col.ValueStr(i))
}

// xlsxWidths sizes each column to its header's longest word line and the
// widest of the sampled values, between 8 and 60 characters.
func xlsxWidths(schema *arrow.Schema, head []string, sample [][]any) []float64 {
	out := make([]float64, len(head))
	for j, h := range head {
		w := utf8.RuneCountInString(h)
		if w > 24 { // long headers wrap onto the second line of the header row
			w = (w + 1) / 2
		}
		for _, row := range sample {
			w = max(w, xlsxTextWidth(row[j]))
		}
		switch schema.Field(j).Type.ID() {
		case arrow.DATE32, arrow.DATE64:
			w = max(w, 10)
		case arrow.TIMESTAMP:
			w = max(w, 19)
		}
		out[j] = float64(min(max(w, 8), 60)) + 2
	}
	return out
}

// xlsxTextWidth is how many characters a value shows as, roughly.
func xlsxTextWidth(v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return utf8.RuneCountInString(x)
	case float64:
		return min(len(strconv.FormatFloat(x, 'g', 11, 64)), 12)
	case excelize.Cell:
		if _, ok := x.Value.(time.Time); !ok {
			return xlsxTextWidth(x.Value) + 3 // the thousands separators
		}
		if t, ok := x.Value.(time.Time); ok && (t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0) {
			return 19
		}
		return 10
	}
	return len(fmt.Sprint(v))
}

// writeAbout adds the sheet that says what the data sheet holds: the
// analytic's title, question, method, the parameters it ran with, the
// snapshot, and every column with its unit, type and meaning.
func writeAbout(f *excelize.File, schema *arrow.Schema, meta Meta, rows int64, st xlsxStyles) error {
	if _, err := f.NewSheet(SheetAbout); err != nil {
		return err
	}
	query := meta.Query
	if query == "" {
		query = "(ad-hoc SQL)"
	}
	lines := [][]any{
		{"query", query},
		{"title", meta.Title},
		{"answers", meta.Answers},
		{"method", meta.Method},
		{"snapshot", meta.Snapshot},
		{"rows", rows},
	}
	for _, p := range meta.Params {
		lines = append(lines, []any{"parameter " + p.Name, p.Value})
	}
	lines = append(lines, []any{}, []any{"column", "unit", "type", "meaning"})
	for _, fl := range schema.Fields() {
		unit := meta.Units[fl.Name]
		if unit == "" {
			unit = "(none declared)"
		}
		lines = append(lines, []any{fl.Name, unit, typeName(fl.Type), meta.Docs[fl.Name]})
	}
	for i, l := range lines {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(SheetAbout, cell, &l); err != nil {
			return err
		}
	}
	colHead := len(lines) - len(schema.Fields())
	for _, set := range []struct {
		from, to string
		style    int
	}{
		{"A1", fmt.Sprintf("A%d", len(lines)), st.bold},
		{"B1", fmt.Sprintf("B%d", colHead-2), st.wrap},
		{fmt.Sprintf("A%d", colHead), fmt.Sprintf("D%d", colHead), st.header},
		{fmt.Sprintf("D%d", colHead+1), fmt.Sprintf("D%d", len(lines)), st.wrap},
	} {
		if err := f.SetCellStyle(SheetAbout, set.from, set.to, set.style); err != nil {
			return err
		}
	}
	for col, w := range map[string]float64{"A": 24, "B": 80, "C": 14, "D": 60} {
		if err := f.SetColWidth(SheetAbout, col, col, w); err != nil {
			return err
		}
	}
	return nil
}

// typeName says what kind of values a column holds, in words.
func typeName(t arrow.DataType) string {
	switch {
	case arrow.IsInteger(t.ID()):
		return "whole number"
	case arrow.IsFloating(t.ID()), arrow.IsDecimal(t.ID()):
		return "number"
	}
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64:
		return "date"
	case arrow.TIMESTAMP:
		return "date and time (UTC)"
	case arrow.BOOL:
		return "true/false"
	case arrow.STRING, arrow.LARGE_STRING:
		return "text"
	}
	return t.String()
}

// xlsxNumFmt is the Excel number format of a column of type t in unit:
// thousands separators, and the decimals its measure needs (none for whole
// numbers, MNT and USD amounts, one for millions and averages of counts,
// two for percentages, three for ratios); "" for columns that are not
// numbers.
func xlsxNumFmt(t arrow.DataType, unit string) string {
	if arrow.IsInteger(t.ID()) {
		return "#,##0"
	}
	if !arrow.IsFloating(t.ID()) && !arrow.IsDecimal(t.ID()) {
		return ""
	}
	u := strings.ToLower(unit)
	decimals := 2
	switch {
	case u == "mnt" || u == "usd":
		decimals = 0
	case strings.HasPrefix(u, "million"), u == "persons", u == "companies", u == "months", u == "hours":
		decimals = 1
	case strings.HasPrefix(u, "percent"):
		decimals = 2
	case u == "ratio":
		decimals = 3
	}
	if decimals == 0 {
		return "#,##0"
	}
	return "#,##0." + strings.Repeat("0", decimals)
}

// coreProps is the workbook's docProps/core.xml: title, subject, creator
// and description, and when it was created and modified. It is written
// here rather than by excelize, whose core.xml lacks the cp: prefix on
// lastModifiedBy that other readers (ExcelJS) require, and dates it
// 2006-09-16 unless told otherwise.
func coreProps(title, subject, description string, at time.Time) []byte {
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	when := at.UTC().Format("2006-01-02T15:04:05Z")
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + esc(title) + `</dc:title>` +
		`<dc:subject>` + esc(subject) + `</dc:subject>` +
		`<dc:creator>ictstat</dc:creator>` +
		`<dc:description>` + esc(description) + `</dc:description>` +
		`<cp:lastModifiedBy>ictstat</cp:lastModifiedBy>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + when + `</dcterms:created>` +
		`<dcterms:modified xsi:type="dcterms:W3CDTF">` + when + `</dcterms:modified>` +
		`</cp:coreProperties>`)
}
