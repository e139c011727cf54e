// Package pqwrite writes Parquet files of a fixed schema from rows held
// column by column, several times faster than parquet-go's generic writer,
// which goes through reflection, a column buffer per column and a page
// index.
//
// Rows are appended to a Columns, one typed value per leaf column in
// schema order (the form in which a merge holds its input, pointer-free),
// then written by a Table. The schema is parquet-go's own for a model row
// type (taken from the footer of an empty file it writes), so that files of
// both writers read alike with parquet-go and any engine. Each row group is
// one data page per column (format v1, snappy): values PLAIN, doubles
// BYTE_STREAM_SPLIT, strings dictionary encoded where the column asks for
// it; repetition and definition levels RLE. Column chunks carry min, max and null count; there
// is no page index, since each chunk has a single page whose bounds are the
// chunk's.
package pqwrite

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Table writes files of one schema.
type Table struct {
	schema    []format.SchemaElement
	orders    []format.ColumnOrder
	paths     [][]string // of the leaves, in schema order
	kinds     []kind     // of the leaves
	createdBy string
}

// NewTable returns the table of the Parquet schema parquet-go gives the
// type of model, with the leaf columns specs in the schema's leaf order.
// It panics when the specs do not match the leaves one for one, by path,
// physical type and levels: a programming error.
func NewTable(model any, createdBy string, specs ...Spec) *Table {
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, parquet.SchemaOf(model), parquet.CreatedBy(createdBy, "", ""))
	if err := w.Close(); err != nil {
		panic(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		panic(err)
	}
	md := f.Metadata()
	t := &Table{schema: md.Schema, orders: md.ColumnOrders, createdBy: md.CreatedBy}
	walkLeaves(md.Schema, func(path []string, e *format.SchemaElement, maxRep, maxDef int) {
		i, key := len(t.kinds), strings.Join(path, ".")
		if i >= len(specs) || specs[i].path != key {
			panic(fmt.Sprintf("pqwrite: leaf %d of the schema is %s, the columns say otherwise", i, key))
		}
		k := specs[i].kind
		if typ, _ := e.Type.Get(); typ != k.phys || maxRep != k.maxRep || maxDef != k.maxDef {
			panic(fmt.Sprintf("pqwrite: column %s is %v rep %d def %d, the schema has %v rep %d def %d",
				key, k.phys, k.maxRep, k.maxDef, typ, maxRep, maxDef))
		}
		t.paths, t.kinds = append(t.paths, path), append(t.kinds, k)
	})
	if len(specs) != len(t.kinds) {
		panic(fmt.Sprintf("pqwrite: %d columns for %d leaves", len(specs), len(t.kinds)))
	}
	return t
}

// walkLeaves calls fn for each leaf of a flattened schema (the root first)
// with its path and its maximum repetition and definition levels.
func walkLeaves(schema []format.SchemaElement, fn func(path []string, e *format.SchemaElement, maxRep, maxDef int)) {
	i := 1
	var walk func(path []string, children, rep, def int)
	walk = func(path []string, children, rep, def int) {
		for range children {
			e := &schema[i]
			i++
			r, d := rep, def
			switch rt, _ := e.RepetitionType.Get(); rt {
			case format.Optional:
				d++
			case format.Repeated:
				r, d = r+1, d+1
			}
			p := append(path[:len(path):len(path)], e.Name)
			if n, ok := e.NumChildren.Get(); ok && n > 0 {
				walk(p, int(n), r, d)
				continue
			}
			fn(p, e, r, d)
		}
	}
	n, _ := schema[0].NumChildren.Get()
	walk(nil, int(n), 0, 0)
}

// NewColumns returns an empty Columns for rows of the table.
func (t *Table) NewColumns() *Columns {
	c := &Columns{cols: make([]colData, len(t.kinds))}
	for i, k := range t.kinds {
		c.cols[i].kind = k
	}
	return c
}

// Write writes the rows of c to w as one Parquet file with row groups of
// at most groupRows rows.
func (t *Table) Write(w io.Writer, c *Columns, groupRows int) error {
	return t.WriteRows(w, c, nil, groupRows)
}

// WriteRows is Write for the rows of c whose numbers are given, in
// increasing order; nil is every row. The values are gathered straight
// into the pages.
func (t *Table) WriteRows(w io.Writer, c *Columns, rows []int32, groupRows int) error {
	if len(c.cols) != len(t.kinds) {
		return fmt.Errorf("pqwrite: %d columns for a table of %d", len(c.cols), len(t.kinds))
	}
	runs, n := runsOf(rows, c.rows)
	if groupRows <= 0 {
		groupRows = max(n, 1)
	}
	cw := &countingWriter{w: w}
	if _, err := cw.Write([]byte("PAR1")); err != nil {
		return err
	}
	md := format.FileMetaData{Version: 1, Schema: t.schema, NumRows: int64(n),
		CreatedBy: t.createdBy, ColumnOrders: t.orders}
	enc := encoders.Get().(*chunkEncoder)
	defer encoders.Put(enc)
	for len(runs) > 0 {
		var group []run
		group, runs = cutRuns(runs, groupRows, enc.group[:0])
		enc.group = group
		rg := format.RowGroup{NumRows: int64(countRows(group)), FileOffset: cw.n}
		for i := range c.cols {
			cc, err := enc.writeChunk(cw, t.paths[i], &c.cols[i], group, c.rows)
			if err != nil {
				return err
			}
			rg.Columns = append(rg.Columns, cc)
			rg.TotalByteSize += cc.MetaData.TotalUncompressedSize
			rg.TotalCompressedSize += cc.MetaData.TotalCompressedSize
		}
		md.RowGroups = append(md.RowGroups, rg)
	}
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		return err
	}
	tail := []byte{byte(len(footer)), byte(len(footer) >> 8), byte(len(footer) >> 16), byte(len(footer) >> 24), 'P', 'A', 'R', '1'}
	if _, err := cw.Write(footer); err != nil {
		return err
	}
	_, err = cw.Write(tail)
	return err
}

// run is the rows a to b, b excluded.
type run struct{ a, b int }

// runsOf returns rows (or, when nil, all rows of a Columns of total rows)
// as runs of consecutive rows, and their number.
func runsOf(rows []int32, total int) ([]run, int) {
	if rows == nil {
		if total == 0 {
			return nil, 0
		}
		return []run{{0, total}}, total
	}
	var runs []run
	for k := 0; k < len(rows); {
		a, b := int(rows[k]), int(rows[k])+1
		for k++; k < len(rows) && int(rows[k]) == b; k++ {
			b++
		}
		runs = append(runs, run{a, b})
	}
	return runs, len(rows)
}

// cutRuns appends to group the runs of the first n rows of runs, cutting a
// run in two if need be, and returns it with the runs left.
func cutRuns(runs []run, n int, group []run) ([]run, []run) {
	for len(runs) > 0 && n > 0 {
		r := runs[0]
		if r.b-r.a > n {
			group = append(group, run{r.a, r.a + n})
			runs[0].a += n
			return group, runs
		}
		group, runs, n = append(group, r), runs[1:], n-(r.b-r.a)
	}
	return group, runs
}

func countRows(runs []run) int {
	n := 0
	for _, r := range runs {
		n += r.b - r.a
	}
	return n
}

// encoders keeps chunk encoders and their buffers from file to file.
var encoders = sync.Pool{New: func() any { return new(chunkEncoder) }}

// countingWriter counts the bytes written, for the offsets of the footer.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
