package pqwrite

import (
	"encoding/binary"
	"math"

	"github.com/parquet-go/parquet-go/format"
)

// Column encodes one leaf column of rows of type T. Its encode appends a
// run of rows to a page, so that a row group is encoded a few hundred rows
// at a time, column after column, while those rows are in the cache.
type Column[T any] struct {
	path   string // the leaf's path in the schema, dot-separated
	kind   kind
	encode func(pg *pageBuf, rows []T)
}

// kind is what the chunk writer needs to know of a column.
type kind struct {
	phys           format.Type
	maxRep, maxDef int
	dict           bool // values are dictionary indexes into pg.dict
}

// Int32 is a required INT32 column (also DATE and the like).
func Int32[T any](path string, get func(*T) int32) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.Int32}, encode: func(pg *pageBuf, rows []T) {
		v := pg.grow(4 * len(rows))
		for i := range rows {
			x := get(&rows[i])
			binary.LittleEndian.PutUint32(v[4*i:], uint32(x))
			pg.addInt(int64(x))
		}
		pg.entries += len(rows)
	}}
}

// Int64 is a required INT64 column (also TIMESTAMP).
func Int64[T any](path string, get func(*T) int64) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.Int64}, encode: func(pg *pageBuf, rows []T) {
		v := pg.grow(8 * len(rows))
		for i := range rows {
			x := get(&rows[i])
			binary.LittleEndian.PutUint64(v[8*i:], uint64(x))
			pg.addInt(x)
		}
		pg.entries += len(rows)
	}}
}

// Double is a required DOUBLE column.
func Double[T any](path string, get func(*T) float64) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.Double}, encode: func(pg *pageBuf, rows []T) {
		v := pg.grow(8 * len(rows))
		for i := range rows {
			x := get(&rows[i])
			binary.LittleEndian.PutUint64(v[8*i:], math.Float64bits(x))
			pg.addDouble(x)
		}
		pg.entries += len(rows)
	}}
}

// OptDouble is an OPTIONAL DOUBLE column: nil is null.
func OptDouble[T any](path string, get func(*T) *float64) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.Double, maxDef: 1}, encode: func(pg *pageBuf, rows []T) {
		for i := range rows {
			p := get(&rows[i])
			if p == nil {
				pg.defs = append(pg.defs, 0)
				pg.nulls++
				continue
			}
			pg.defs = append(pg.defs, 1)
			pg.values = binary.LittleEndian.AppendUint64(pg.values, math.Float64bits(*p))
			pg.addDouble(*p)
		}
		pg.entries += len(rows)
	}}
}

// Bool is a required BOOLEAN column.
func Bool[T any](path string, get func(*T) bool) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.Boolean}, encode: func(pg *pageBuf, rows []T) {
		// PLAIN booleans are bits, the first value in the lowest bit.
		at := pg.entries
		v := pg.grow((at+len(rows)+7)/8 - len(pg.values))
		clear(v)
		v = pg.values
		for i := range rows {
			x := int64(0)
			if get(&rows[i]) {
				v[(at+i)/8] |= 1 << ((at + i) % 8)
				x = 1
			}
			pg.addInt(x)
		}
		pg.entries += len(rows)
	}}
}

// String is a required BYTE_ARRAY (STRING) column, PLAIN encoded.
func String[T any](path string, get func(*T) string) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.ByteArray}, encode: func(pg *pageBuf, rows []T) {
		for i := range rows {
			s := get(&rows[i])
			pg.appendString(s)
			pg.addString(s)
		}
		pg.entries += len(rows)
	}}
}

// DictString is a required BYTE_ARRAY (STRING) column, dictionary encoded:
// for columns of few distinct values.
func DictString[T any](path string, get func(*T) string) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.ByteArray, dict: true}, encode: func(pg *pageBuf, rows []T) {
		for i := range rows {
			pg.idx = append(pg.idx, pg.dict.index(get(&rows[i])))
		}
		pg.entries += len(rows)
	}}
}

// StringList is a list of strings: a required LIST group holding a repeated
// group holding a required STRING element. An empty list is an entry with
// definition level 0, and counts as a null in the chunk's statistics, as
// it does for parquet-go and parquet-mr (an entry without a value).
func StringList[T any](path string, get func(*T) []string) Column[T] {
	return Column[T]{path: path, kind: kind{phys: format.ByteArray, maxRep: 1, maxDef: 1}, encode: func(pg *pageBuf, rows []T) {
		for i := range rows {
			l := get(&rows[i])
			if len(l) == 0 {
				pg.reps, pg.defs = append(pg.reps, 0), append(pg.defs, 0)
				pg.entries++
				pg.nulls++
				continue
			}
			for j, s := range l {
				rep := byte(1)
				if j == 0 {
					rep = 0
				}
				pg.reps, pg.defs = append(pg.reps, rep), append(pg.defs, 1)
				pg.appendString(s)
				pg.addString(s)
			}
			pg.entries += len(l)
		}
	}}
}
