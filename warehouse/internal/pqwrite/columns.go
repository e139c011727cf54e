package pqwrite

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/parquet-go/parquet-go/format"
)

// Spec declares a leaf column of a Table.
type Spec struct {
	path string // the leaf's path in the schema, dot-separated
	kind kind
}

// kind is what the writer needs to know of a column.
type kind struct {
	phys           format.Type
	maxRep, maxDef int
	dict           bool // values are indexes into a dictionary of strings
}

// width is the PLAIN width of a value of a required fixed-width column (a
// boolean is held as a byte), 0 for the others.
func (k kind) width() int {
	if k.dict || k.maxRep > 0 || k.maxDef > 0 {
		return 0
	}
	switch k.phys {
	case format.Boolean:
		return 1
	case format.Int32:
		return 4
	case format.Int64, format.Double:
		return 8
	}
	return 0
}

// Int32 is a required INT32 column (also DATE and the like).
func Int32(path string) Spec { return Spec{path, kind{phys: format.Int32}} }

// Int64 is a required INT64 column (also TIMESTAMP).
func Int64(path string) Spec { return Spec{path, kind{phys: format.Int64}} }

// Double is a required DOUBLE column.
func Double(path string) Spec { return Spec{path, kind{phys: format.Double}} }

// OptDouble is an optional DOUBLE column.
func OptDouble(path string) Spec { return Spec{path, kind{phys: format.Double, maxDef: 1}} }

// Bool is a required BOOLEAN column.
func Bool(path string) Spec { return Spec{path, kind{phys: format.Boolean}} }

// String is a required STRING column, PLAIN encoded.
func String(path string) Spec { return Spec{path, kind{phys: format.ByteArray}} }

// DictString is a required STRING column of few distinct values,
// dictionary encoded.
func DictString(path string) Spec { return Spec{path, kind{phys: format.ByteArray, dict: true}} }

// StringList is a list of strings: a required LIST group holding a
// repeated group holding a required STRING element.
func StringList(path string) Spec {
	return Spec{path, kind{phys: format.ByteArray, maxRep: 1, maxDef: 1}}
}

// Columns holds rows column by column, each value already in its PLAIN
// encoding: pointer-free, so that the collector does not scan it however
// many rows it holds. A row is appended one value per column, in the
// table's column order, then ended with EndRow.
type Columns struct {
	cols []colData
	rows int
	read *Columns // scratch of ReadBinary
}

// colData is one column of a Columns.
type colData struct {
	kind   kind
	values []byte   // PLAIN values; a boolean is a byte, 0 or 1
	starts []uint32 // the start in values of each row's values, for columns of varying width
	defs   []byte   // definition level of each entry, for optional and list columns
	reps   []byte   // repetition level of each entry, for list columns
	lstart []uint32 // the start in defs and reps of each row's entries, for list columns
	idx    []uint32 // dictionary index of each row, for dictionary columns
	dict   dictionary
}

// Rows returns the number of rows held.
func (c *Columns) Rows() int { return c.rows }

// EndRow ends the row whose values were appended.
func (c *Columns) EndRow() { c.rows++ }

// Footprint returns the memory the columns take, in bytes, their buffers'
// room to grow included.
func (c *Columns) Footprint() int64 {
	var n int
	for i := range c.cols {
		d := &c.cols[i]
		n += cap(d.values) + cap(d.defs) + cap(d.reps) + 4*(cap(d.starts)+cap(d.lstart)+cap(d.idx))
		for _, s := range d.dict.values {
			n += len(s) + 16
		}
	}
	return int64(n)
}

// Reserve makes room for rows more rows like those of like, a Columns of
// the same table, so that appending them does not grow the buffers again
// and again (each time a copy, and fresh memory that the kernel clears).
func (c *Columns) Reserve(like *Columns, rows int) {
	if like.rows == 0 {
		return
	}
	per := func(n int) int { return n/like.rows*rows + n%like.rows*rows/like.rows + 1 }
	for i := range c.cols {
		d, l := &c.cols[i], &like.cols[i]
		d.values = reserve(d.values, per(len(l.values)))
		d.defs = reserve(d.defs, per(len(l.defs)))
		d.reps = reserve(d.reps, per(len(l.reps)))
		d.starts = reserve(d.starts, per(len(l.starts)))
		d.lstart = reserve(d.lstart, per(len(l.lstart)))
		d.idx = reserve(d.idx, per(len(l.idx)))
	}
}

// reserve returns s with room for n more elements. Growing, it makes room
// for an eighth more, so that Columns reused for a little more rows each
// time (a growing month's) grow once in a while, not each time.
func reserve[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	return append(make([]T, 0, len(s)+n+n/8), s...)
}

// Reset empties the columns, keeping their memory.
func (c *Columns) Reset() {
	for i := range c.cols {
		d := &c.cols[i]
		d.values, d.starts, d.defs, d.reps, d.lstart, d.idx = d.values[:0], d.starts[:0], d.defs[:0], d.reps[:0], d.lstart[:0], d.idx[:0]
		d.dict.reset()
	}
	c.rows = 0
}

// Int32 appends v to column i.
func (c *Columns) Int32(i int, v int32) {
	c.cols[i].values = binary.LittleEndian.AppendUint32(c.cols[i].values, uint32(v))
}

// Int64 appends v to column i.
func (c *Columns) Int64(i int, v int64) {
	c.cols[i].values = binary.LittleEndian.AppendUint64(c.cols[i].values, uint64(v))
}

// Double appends v to column i.
func (c *Columns) Double(i int, v float64) {
	c.cols[i].values = binary.LittleEndian.AppendUint64(c.cols[i].values, math.Float64bits(v))
}

// OptDouble appends *v, or a null when v is nil, to column i.
func (c *Columns) OptDouble(i int, v *float64) {
	d := &c.cols[i]
	d.starts = append(d.starts, uint32(len(d.values)))
	if v == nil {
		d.defs = append(d.defs, 0)
		return
	}
	d.defs = append(d.defs, 1)
	d.values = binary.LittleEndian.AppendUint64(d.values, math.Float64bits(*v))
}

// Bool appends v to column i.
func (c *Columns) Bool(i int, v bool) {
	b := byte(0)
	if v {
		b = 1
	}
	c.cols[i].values = append(c.cols[i].values, b)
}

// String appends s to column i, a String or a DictString column.
func (c *Columns) String(i int, s string) {
	d := &c.cols[i]
	if d.kind.dict {
		d.idx = append(d.idx, d.dict.index(s))
		return
	}
	d.starts = append(d.starts, uint32(len(d.values)))
	d.values = binary.LittleEndian.AppendUint32(d.values, uint32(len(s)))
	d.values = append(d.values, s...)
}

// StringList appends the list l to column i.
func (c *Columns) StringList(i int, l []string) {
	d := &c.cols[i]
	d.starts = append(d.starts, uint32(len(d.values)))
	d.lstart = append(d.lstart, uint32(len(d.defs)))
	if len(l) == 0 {
		d.defs, d.reps = append(d.defs, 0), append(d.reps, 0)
		return
	}
	for j, s := range l {
		rep := byte(1)
		if j == 0 {
			rep = 0
		}
		d.defs, d.reps = append(d.defs, 1), append(d.reps, rep)
		d.values = binary.LittleEndian.AppendUint32(d.values, uint32(len(s)))
		d.values = append(d.values, s...)
	}
}

// StringAt returns the value of row r of column i, a String column. The
// string shares the columns' memory: it is valid until they are reset.
func (c *Columns) StringAt(i, r int) string {
	d := &c.cols[i]
	at := d.starts[r]
	n := binary.LittleEndian.Uint32(d.values[at:])
	if n == 0 {
		return ""
	}
	return unsafe.String(&d.values[at+4], int(n))
}

// Int32At returns the value of row r of column i, an Int32 column.
func (c *Columns) Int32At(i, r int) int32 {
	return int32(binary.LittleEndian.Uint32(c.cols[i].values[4*r:]))
}

// valueRange returns the bytes of values that rows a to b (excluded) hold.
func (d *colData) valueRange(a, b, rows int) (int, int) {
	if w := d.kind.width(); w > 0 {
		return a * w, b * w
	}
	if d.kind.dict || a == b {
		return 0, 0
	}
	end := len(d.values)
	if b < rows {
		end = int(d.starts[b])
	}
	return int(d.starts[a]), end
}

// levelRange returns the entries of defs and reps that rows a to b
// (excluded) hold.
func (d *colData) levelRange(a, b, rows int) (int, int) {
	if d.kind.maxRep == 0 {
		return a, b
	}
	if a == b {
		return 0, 0
	}
	end := len(d.defs)
	if b < rows {
		end = int(d.lstart[b])
	}
	return int(d.lstart[a]), end
}

// appendRows appends rows a to b (excluded) of src, a column of the same
// table holding rows rows, to d; remap takes src's dictionary indexes to
// d's (see dictionary.remapTo).
func (d *colData) appendRows(src *colData, a, b, rows int, remap []uint32) {
	if a == b {
		return
	}
	if src.kind.dict {
		for _, x := range src.idx[a:b] {
			d.idx = append(d.idx, remap[x])
		}
		return
	}
	va, vb := src.valueRange(a, b, rows)
	if src.kind.width() == 0 {
		shift := uint32(len(d.values)) - uint32(va)
		for _, s := range src.starts[a:b] {
			d.starts = append(d.starts, s+shift)
		}
	}
	d.values = append(d.values, src.values[va:vb]...)
	if src.kind.maxDef > 0 {
		la, lb := src.levelRange(a, b, rows)
		if src.kind.maxRep > 0 {
			shift := uint32(len(d.defs)) - uint32(la)
			for _, s := range src.lstart[a:b] {
				d.lstart = append(d.lstart, s+shift)
			}
			d.reps = append(d.reps, src.reps[la:lb]...)
		}
		d.defs = append(d.defs, src.defs[la:lb]...)
	}
}

// Append appends the rows of src, a Columns of the same table.
func (c *Columns) Append(src *Columns) {
	for i := range c.cols {
		d, s := &c.cols[i], &src.cols[i]
		d.appendRows(s, 0, src.rows, src.rows, s.dict.remapTo(&d.dict))
	}
	c.rows += src.rows
}

// Select empties c and fills it with the rows of src whose numbers are
// given, in increasing order.
func (c *Columns) Select(src *Columns, rows []int32) {
	c.Reset()
	for i := range c.cols {
		d, s := &c.cols[i], &src.cols[i]
		remap := s.dict.remapTo(&d.dict)
		for k := 0; k < len(rows); {
			// A run of consecutive rows is copied at once.
			a, b := int(rows[k]), int(rows[k])+1
			for k++; k < len(rows) && int(rows[k]) == b; k++ {
				b++
			}
			d.appendRows(s, a, b, src.rows, remap)
		}
	}
	c.rows = len(rows)
}
