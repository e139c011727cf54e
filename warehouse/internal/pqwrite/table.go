// Package pqwrite writes Parquet files of a fixed row type straight from a
// slice of rows, several times faster than parquet-go's generic writer,
// which goes through reflection, a column buffer per column and a page index.
//
// The schema is parquet-go's own for the row type (taken from the footer of
// an empty file it writes), so that files of both writers read alike with
// parquet-go and any engine. Each row group is one data page per column
// (format v1, snappy): required and optional values PLAIN, or dictionary
// encoded where the column asks for it; repetition and definition levels
// RLE. Column chunks carry min, max and null count; there is no page index,
// since each chunk has a single page whose bounds are the chunk's.
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

// Table writes files of rows of type T.
type Table[T any] struct {
	schema    []format.SchemaElement
	orders    []format.ColumnOrder
	leaves    []leaf[T] // in the schema's leaf order
	createdBy string
}

type leaf[T any] struct {
	path []string
	col  Column[T]
}

// NewTable returns the table of T's Parquet schema with one column encoder
// for each leaf column, matched by path ("programs.list.element"). It
// panics when a leaf has no column, a column no leaf, or a column's kind
// does not fit its leaf: a programming error.
func NewTable[T any](createdBy string, cols ...Column[T]) *Table[T] {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.CreatedBy(createdBy, "", ""))
	if err := w.Close(); err != nil {
		panic(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		panic(err)
	}
	md := f.Metadata()
	t := &Table[T]{schema: md.Schema, orders: md.ColumnOrders, createdBy: md.CreatedBy}
	byPath := map[string]Column[T]{}
	for _, c := range cols {
		byPath[c.path] = c
	}
	walkLeaves(md.Schema, func(path []string, e *format.SchemaElement, maxRep, maxDef int) {
		key := strings.Join(path, ".")
		c, ok := byPath[key]
		if !ok {
			panic(fmt.Sprintf("pqwrite: no column for leaf %s", key))
		}
		delete(byPath, key)
		typ, _ := e.Type.Get()
		if typ != c.kind.phys || maxRep != c.kind.maxRep || maxDef != c.kind.maxDef {
			panic(fmt.Sprintf("pqwrite: column %s is %v rep %d def %d, the schema has %v rep %d def %d",
				key, c.kind.phys, c.kind.maxRep, c.kind.maxDef, typ, maxRep, maxDef))
		}
		t.leaves = append(t.leaves, leaf[T]{path: path, col: c})
	})
	for p := range byPath {
		panic(fmt.Sprintf("pqwrite: column %s is not in the schema", p))
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

// Write writes rows to w as one Parquet file with row groups of at most
// groupRows rows.
func (t *Table[T]) Write(w io.Writer, rows []T, groupRows int) error {
	if groupRows <= 0 {
		groupRows = len(rows)
	}
	cw := &countingWriter{w: w}
	if _, err := cw.Write([]byte("PAR1")); err != nil {
		return err
	}
	md := format.FileMetaData{Version: 1, Schema: t.schema, NumRows: int64(len(rows)),
		CreatedBy: t.createdBy, ColumnOrders: t.orders}
	enc := getEncoder(len(t.leaves))
	defer encoders.Put(enc)
	for start := 0; start < len(rows); start += groupRows {
		group := rows[start:min(start+groupRows, len(rows))]
		for i, l := range t.leaves {
			enc.pages[i].reset(l.col.kind)
		}
		for at := 0; at < len(group); at += tileRows {
			tile := group[at:min(at+tileRows, len(group))]
			for i, l := range t.leaves {
				l.col.encode(&enc.pages[i], tile)
			}
		}
		rg := format.RowGroup{NumRows: int64(len(group)), FileOffset: cw.n}
		for i, l := range t.leaves {
			cc, err := enc.writeChunk(cw, l.path, &enc.pages[i])
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

// tileRows is the number of rows encoded column after column: few enough
// that they stay in the cache from the first column to the last.
const tileRows = 256

// encoders keeps chunk encoders and their buffers from file to file.
var encoders sync.Pool

// getEncoder returns an encoder with pages for n leaf columns.
func getEncoder(n int) *chunkEncoder {
	e, _ := encoders.Get().(*chunkEncoder)
	if e == nil {
		e = &chunkEncoder{}
	}
	if len(e.pages) < n {
		e.pages = append(e.pages, make([]pageBuf, n-len(e.pages))...)
	}
	return e
}

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
