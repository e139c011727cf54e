package pqwrite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// fixedRow has only columns of fixed width, whose columns hold no offsets:
// nothing but the length of their values tells their number of rows.
type fixedRow struct {
	N int32 `parquet:"n"`
	X int64 `parquet:"x"`
}

var fixedTable = NewTable(fixedRow{}, "pqwrite test", Int32("n"), Int64("x"))

// fixedColumnsOf returns rows as new columns of fixedTable.
func fixedColumnsOf(rows []fixedRow) *Columns {
	c := fixedTable.NewColumns()
	for _, r := range rows {
		c.Int32(0, r.N)
		c.Int64(1, r.X)
		c.EndRow()
	}
	return c
}

// rowsOf returns the rows that c, columns of rowTable, holds, read from
// its values as the writer takes them (a definition level other than 0 is
// a value, a boolean other than 0 true): the rows parquet-go must read
// back from the file c writes.
func rowsOf(c *Columns) []row {
	le := binary.LittleEndian
	out := make([]row, c.Rows())
	for r := range out {
		x := &out[r]
		x.ID, x.N32, x.Day = c.StringAt(0, r), c.Int32At(1, r), c.Int32At(2, r)
		x.N64 = int64(le.Uint64(c.cols[3].values[8*r:]))
		x.F = math.Float64frombits(le.Uint64(c.cols[4].values[8*r:]))
		if d := &c.cols[5]; d.defs[r] != 0 {
			v := math.Float64frombits(le.Uint64(d.values[d.starts[r]:]))
			x.Opt = &v
		}
		x.B = c.cols[6].values[r] != 0
		x.D = c.cols[7].dict.values[c.cols[7].idx[r]]
		d := &c.cols[8]
		end, at := len(d.defs), int(d.starts[r])
		if r+1 < len(out) {
			end = int(d.lstart[r+1])
		}
		for _, def := range d.defs[d.lstart[r]:end] {
			if def != 0 {
				n := int(le.Uint32(d.values[at:]))
				x.L = append(x.L, string(d.values[at+4:at+4+n]))
				at += 4 + n
			}
		}
	}
	return out
}

// fixedRowsOf returns the rows that c, columns of fixedTable, holds.
func fixedRowsOf(c *Columns) []fixedRow {
	out := make([]fixedRow, c.Rows())
	for r := range out {
		out[r] = fixedRow{N: c.Int32At(0, r), X: int64(binary.LittleEndian.Uint64(c.cols[1].values[8*r:]))}
	}
	return out
}

// fixedDiff returns how got differs from want, or "".
func fixedDiff(got, want fixedRow) string {
	if got != want {
		return fmt.Sprintf("%+v, want %+v", got, want)
	}
	return ""
}

// checkReadBinary feeds b to ReadBinary of dst, columns of table holding
// rows R (rowsOf reads them, diff compares two), and requires either an
// ErrCorrupt error that leaves dst as it was, or the rows read appended
// to those dst held: then the rest returned must be the end of b, and
// parquet-go must read back from the file dst writes the rows it holds,
// those it held before unchanged. It reports whether b was read.
func checkReadBinary[R any](t *testing.T, table *Table, dst *Columns, b []byte, rowsOf func(*Columns) []R, diff func(got, want R) string) bool {
	t.Helper()
	write := func() []byte {
		var buf bytes.Buffer
		if err := table.Write(&buf, dst, 5); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	held, before := rowsOf(dst), write()
	rest, err := dst.ReadBinary(b)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v, want ErrCorrupt", err)
		}
		if !bytes.Equal(write(), before) {
			t.Fatal("bytes refused changed the columns")
		}
		return false
	}
	if len(rest) > len(b) || !bytes.Equal(rest, b[len(b)-len(rest):]) {
		t.Fatalf("the rest of %d bytes is not the end of the %d read", len(rest), len(b))
	}
	if dst.Rows() < len(held) {
		t.Fatalf("%d rows after reading, %d before", dst.Rows(), len(held))
	}
	want := rowsOf(dst)
	for i := range held {
		if d := diff(want[i], held[i]); d != "" {
			t.Fatalf("row %d, held before: %s", i, d)
		}
	}
	got := readRows[R](t, write())
	if len(got) != len(want) {
		t.Fatalf("parquet-go reads %d rows, the columns hold %d", len(got), len(want))
	}
	for i := range want {
		if d := diff(got[i], want[i]); d != "" {
			t.Fatalf("row %d of %d: %s", i, len(want), d)
		}
	}
	return true
}

// TestBinaryRoundTrip requires ReadBinary to append to columns, which
// hold rows of their own, the rows of two AppendBinary outputs written one
// after the other after other bytes, and to return the bytes after them:
// the result writes the file of all rows, byte for byte.
func TestBinaryRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 1))
	for i := range 40 {
		g := randomGen(rng, 1000)
		rows := g.make(rng)
		cuts := cutPoints(rng, len(rows), 3)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Logf("%+v cut at %v", g, cuts)
			b := []byte("head")
			b = columnsOf(rows[cuts[1]:cuts[2]]).AppendBinary(b)
			b = columnsOf(rows[cuts[2]:cuts[3]]).AppendBinary(b)
			b = append(b, "tail"...)
			if string(b[:4]) != "head" {
				t.Fatalf("AppendBinary changed the bytes before: %q", b[:4])
			}
			c := columnsOf(rows[:cuts[1]])
			r, err := c.ReadBinary(b[4:])
			if err != nil {
				t.Fatal(err)
			}
			if r, err = c.ReadBinary(r); err != nil {
				t.Fatal(err)
			}
			if string(r) != "tail" {
				t.Fatalf("rest %q, want %q", r, "tail")
			}
			if !bytes.Equal(writeColumns(t, c, 100), write(t, rows, 100)) {
				t.Fatal("the file of the columns read differs from the one of all rows")
			}
		})
	}
}

// binaryRows are rows of every case the columns' form distinguishes:
// values of one byte and of several, empty strings, null and set
// optionals, empty lists and lists of one and more elements, and a
// dictionary column with a repeated value.
func binaryRows() []row {
	x, y := 1.5, math.Inf(-1)
	return []row{
		{ID: "a", N32: 1, D: "k1", Opt: &x, B: true, L: []string{"p", "qq"}},
		{ID: "bc", N32: -1, D: "k2", L: nil},
		{ID: "", N32: 7, D: "k1", Opt: &y, L: []string{"r"}},
		{ID: "Өвөр", N32: 9, D: "k3", B: true, L: []string{""}},
	}
}

// TestReadBinaryRefuses requires ReadBinary to refuse with ErrCorrupt,
// leaving the columns as they were, every cut of what AppendBinary wrote,
// the columns of another table, and columns made inconsistent in each way
// that could take a reader out of bounds or write other rows than they
// hold. Random changes of bytes must be refused or read as rows that
// parquet-go reads back, never panic.
func TestReadBinaryRefuses(t *testing.T) {
	rows := binaryRows()
	dst := func() *Columns { return columnsOf(rows[:2]) }
	b := columnsOf(rows).AppendBinary(nil)
	for n := range len(b) {
		if checkReadBinary(t, rowTable, dst(), b[:n], rowsOf, rowDiff) {
			t.Fatalf("%d bytes of %d read", n, len(b))
		}
	}
	if checkReadBinary(t, fixedTable, fixedColumnsOf(nil), b, fixedRowsOf, fixedDiff) ||
		checkReadBinary(t, rowTable, dst(), fixedColumnsOf([]fixedRow{{1, 2}}).AppendBinary(nil), rowsOf, rowDiff) {
		t.Fatal("the columns of another table read")
	}

	// Columns 0 id, 1 n32, 5 opt, 6 b, 7 d and 8 l of binaryRows.
	le := binary.LittleEndian
	corruptions := []struct {
		name string
		edit func(c *Columns)
	}{
		{"one row more", func(c *Columns) { c.rows++ }},
		{"one row fewer", func(c *Columns) { c.rows-- }},
		{"an int32 cut", func(c *Columns) { c.cols[1].values = c.cols[1].values[:15] }},
		{"a boolean more", func(c *Columns) { c.cols[6].values = append(c.cols[6].values, 0) }},
		{"a string start moved", func(c *Columns) { c.cols[0].starts[1]++ }},
		{"a string start missing", func(c *Columns) { c.cols[0].starts = c.cols[0].starts[:3] }},
		{"a string start more", func(c *Columns) { c.cols[0].starts = append(c.cols[0].starts, 0) }},
		{"a string longer than the values", func(c *Columns) { le.PutUint32(c.cols[0].values[c.cols[0].starts[3]:], 100) }},
		{"a string length past the next start", func(c *Columns) { c.cols[0].values[0] = 2 }},
		{"a string length cut", func(c *Columns) { d := &c.cols[0]; d.values = d.values[:d.starts[3]+2] }},
		{"a byte after the strings", func(c *Columns) { c.cols[0].values = append(c.cols[0].values, 'x') }},
		{"an optional null with a value", func(c *Columns) { c.cols[5].defs[0] = 0 }},
		{"an optional value missing", func(c *Columns) { c.cols[5].defs[1] = 1 }},
		{"an optional level missing", func(c *Columns) { c.cols[5].defs = c.cols[5].defs[:3] }},
		{"a dictionary index out of range", func(c *Columns) { c.cols[7].idx[2] = 3 }},
		{"a dictionary index missing", func(c *Columns) { c.cols[7].idx = c.cols[7].idx[:3] }},
		{"a dictionary value missing", func(c *Columns) { c.cols[7].dict.values = c.cols[7].dict.values[:2] }},
		{"a list start moved", func(c *Columns) { c.cols[8].lstart[2]++ }},
		{"a list start missing", func(c *Columns) { c.cols[8].lstart = c.cols[8].lstart[:3] }},
		{"a list element marked missing", func(c *Columns) { c.cols[8].defs[0] = 0 }},
		{"a list without its empty entry", func(c *Columns) {
			d := &c.cols[8] // row 1's one entry is defs[2]
			d.defs, d.reps = slices.Delete(d.defs, 2, 3), slices.Delete(d.reps, 2, 3)
			d.lstart[2]--
			d.lstart[3]--
		}},
		{"a list's first entry repeated", func(c *Columns) { c.cols[8].reps[3] = 1 }},
		{"a list repetition level missing", func(c *Columns) { c.cols[8].reps = c.cols[8].reps[:4] }},
		{"a list entry more", func(c *Columns) {
			c.cols[8].defs, c.cols[8].reps = append(c.cols[8].defs, 0), append(c.cols[8].reps, 1)
		}},
		// Consistent offsets, but levels and booleans the writer would
		// encode as others: a level of 2 or a boolean of 2 spills into the
		// next value's bit, a repetition level of 0 starts a row.
		{"a boolean of 2", func(c *Columns) { c.cols[6].values[0] = 2 }},
		{"an optional level of 2", func(c *Columns) { c.cols[5].defs[0] = 2 }},
		{"a list level of 2", func(c *Columns) { c.cols[8].defs[1] = 2 }},
		{"a list repetition level of 2", func(c *Columns) { c.cols[8].reps[1] = 2 }},
		{"a list's second element at repetition 0", func(c *Columns) { c.cols[8].reps[1] = 0 }},
		{"a list's empty entry repeated", func(c *Columns) { c.cols[8].reps[2] = 1 }},
	}
	for _, cr := range corruptions {
		t.Run(cr.name, func(t *testing.T) {
			c := columnsOf(rows)
			cr.edit(c)
			if checkReadBinary(t, rowTable, dst(), c.AppendBinary(nil), rowsOf, rowDiff) {
				t.Fatal("read")
			}
		})
	}

	// The columns of fixed width hold no count of rows but the length of
	// their values, whatever the count said: rows times the width must not
	// wrap around.
	for _, n := range []int{1 << 62, -1 << 62, math.MinInt, -1} {
		c := fixedTable.NewColumns()
		c.rows = n
		if checkReadBinary(t, fixedTable, fixedColumnsOf(nil), c.AppendBinary(nil), fixedRowsOf, fixedDiff) {
			t.Fatalf("no values for %d rows read", n)
		}
	}

	rng := rand.New(rand.NewPCG(29, 1))
	read := 0
	for range 3000 {
		m := slices.Clone(b)
		for range 1 + rng.IntN(3) {
			m[rng.IntN(len(m))] = byte(rng.Uint32())
		}
		if checkReadBinary(t, rowTable, dst(), m, rowsOf, rowDiff) {
			read++
		}
	}
	t.Logf("%d of 3000 changed inputs read", read)
}

// FuzzReadBinary feeds arbitrary bytes to ReadBinary of columns of
// rowTable and of fixedTable, each holding rows already: they must be
// refused with ErrCorrupt or read as rows that parquet-go reads back from
// the file the columns write (see checkReadBinary), never panic.
func FuzzReadBinary(f *testing.F) {
	rng := rand.New(rand.NewPCG(31, 1))
	var seeds [][]byte
	for _, g := range []gen{
		{rows: 0, distinct: 1},
		{rows: 1, distinct: 1, maxList: 1},
		{rows: 5, distinct: 3, nullRate: 0.5, maxList: 3},
		{rows: 40, distinct: 17, nullRate: 0.3, maxList: 2, order: orderMixed},
	} {
		seeds = append(seeds, columnsOf(g.make(rng)).AppendBinary(nil))
	}
	huge := fixedTable.NewColumns() // no values for 2^62 rows: see TestReadBinaryRefuses
	huge.rows = 1 << 62
	seeds = append(seeds, columnsOf(binaryRows()).AppendBinary(nil), fixedColumnsOf(nil).AppendBinary(nil),
		fixedColumnsOf([]fixedRow{{1, -1}, {math.MinInt32, math.MaxInt64}}).AppendBinary(nil), huge.AppendBinary(nil))
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
		f.Add(s[:len(s)-1])
	}
	f.Add(slices.Concat(seeds[2], seeds[3]))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkReadBinary(t, rowTable, columnsOf(binaryRows()[:2]), b, rowsOf, rowDiff)
		checkReadBinary(t, fixedTable, fixedColumnsOf([]fixedRow{{3, 4}}), b, fixedRowsOf, fixedDiff)
	})
}
