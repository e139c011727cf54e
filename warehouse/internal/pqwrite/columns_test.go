package pqwrite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomGen returns the description of a random row set of up to maxRows
// rows, of a random shape.
func randomGen(rng *rand.Rand, maxRows int) gen {
	return gen{
		rows:     rng.IntN(maxRows + 1),
		nullRate: []float64{0, 0.3, 1}[rng.IntN(3)],
		maxList:  []int{0, 1, 3, 20}[rng.IntN(4)],
		distinct: []int{1, 3, 17, 300}[rng.IntN(4)],
		order:    rng.IntN(numOrders),
	}
}

// cutPoints returns n-1 random cuts of rows rows into n parts, in
// increasing order, with the ends: parts may be empty.
func cutPoints(rng *rand.Rand, rows, n int) []int {
	cuts := []int{0, rows}
	for range n - 1 {
		cuts = append(cuts, rng.IntN(rows+1))
	}
	slices.Sort(cuts)
	return cuts
}

// TestAppend requires columns appended one to another to write the file of
// the columns of all their rows appended at once, byte for byte, and the
// appended columns to be left as they were. Each part numbers its
// dictionary values in the order it met them, which the whole does not
// share, and lacks values others have.
func TestAppend(t *testing.T) {
	// The dictionary column d of two parts: b has values a lacks and
	// numbers a's in another order.
	a := []row{{D: "k3"}, {D: "k1"}, {D: "k3"}}
	b := []row{{D: "k2"}, {D: "k1"}, {D: "k4"}, {D: "k3"}}
	ca := columnsOf(a)
	ca.Append(columnsOf(b))
	if got, want := writeColumns(t, ca, 0), write(t, append(a, b...), 0); !bytes.Equal(got, want) {
		t.Fatal("two parts appended: the file differs from the one of all rows")
	}
	checkFile(t, writeColumns(t, ca, 2), append(a, b...), 2)

	rng := rand.New(rand.NewPCG(13, 1))
	for i := range 60 {
		g := randomGen(rng, 1500)
		rows := g.make(rng)
		cuts := cutPoints(rng, len(rows), 1+rng.IntN(5))
		groups := []int{0, 1, 100, 256}[rng.IntN(4)]
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Logf("%+v cut at %v, groups of %d", g, cuts, groups)
			c := rowTable.NewColumns()
			for k := range len(cuts) - 1 {
				part := columnsOf(rows[cuts[k]:cuts[k+1]])
				before := writeColumns(t, part, groups)
				c.Append(part)
				if !bytes.Equal(writeColumns(t, part, groups), before) {
					t.Fatalf("part %d was changed by its Append", k)
				}
			}
			if c.Rows() != len(rows) {
				t.Fatalf("%d rows after the appends, want %d", c.Rows(), len(rows))
			}
			if !bytes.Equal(writeColumns(t, c, groups), write(t, rows, groups)) {
				t.Fatal("the file of the parts appended differs from the one of all rows")
			}
		})
	}
}

// selections returns subsets of the numbers of rows rows, in increasing
// order, by name: none, all, single rows at the ends, random ones of
// several densities and runs of consecutive rows.
func selections(rng *rand.Rand, rows int) map[string][]int32 {
	all := make([]int32, rows)
	for i := range all {
		all[i] = int32(i)
	}
	sets := map[string][]int32{"none": {}, "all": all}
	if rows > 0 {
		sets["first"], sets["last"] = all[:1], all[rows-1:]
	}
	if rows > 1 {
		sets["all but the ends"] = all[1 : rows-1]
	}
	for _, p := range []float64{0.01, 0.5, 0.99} {
		var s []int32
		for i := range all {
			if rng.Float64() < p {
				s = append(s, int32(i))
			}
		}
		sets[fmt.Sprintf("random %v", p)] = s
	}
	for _, long := range []int{3, 300} {
		var s []int32
		for i := rng.IntN(10); i < rows; i += 1 + rng.IntN(long) { // a gap
			for end := min(i+1+rng.IntN(long), rows); i < end; i++ { // a run
				s = append(s, int32(i))
			}
		}
		sets[fmt.Sprintf("runs of up to %d", long)] = s
	}
	return sets
}

// TestSelect requires the columns selected from others to write the rows
// selected, in row groups with their statistics, and src to be left as it
// was. The columns selected into are reused, so that each Select must
// empty them first. All rows selected write src's file, byte for byte.
func TestSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 1))
	dst := rowTable.NewColumns()
	for i := range 12 {
		g := randomGen(rng, 1200)
		if i < 2 {
			g.rows = i // no rows, and one
		}
		rows := g.make(rng)
		// src is made of two parts appended, as the merges hold theirs.
		k := rng.IntN(len(rows) + 1)
		src := columnsOf(rows[:k])
		src.Append(columnsOf(rows[k:]))
		groups := []int{0, 1, 7, 256}[rng.IntN(4)]
		srcFile := writeColumns(t, src, groups)
		for name, sel := range selections(rng, len(rows)) {
			t.Run(fmt.Sprintf("%d/%s", i, name), func(t *testing.T) {
				t.Logf("%+v, groups of %d, %d rows selected", g, groups, len(sel))
				dst.Select(src, sel)
				if dst.Rows() != len(sel) {
					t.Fatalf("%d rows selected, want %d", dst.Rows(), len(sel))
				}
				want := make([]row, len(sel))
				for j, r := range sel {
					want[j] = rows[r]
				}
				file := writeColumns(t, dst, groups)
				checkFile(t, file, want, groups)
				if len(sel) == len(rows) && !bytes.Equal(file, srcFile) {
					t.Error("all rows selected: the file differs from the source's")
				}
				if !bytes.Equal(writeColumns(t, src, groups), srcFile) {
					t.Fatal("the source was changed by Select")
				}
			})
		}
	}
}

// TestReset requires columns reset and filled again to write the file of
// new columns of the same rows: the dictionaries start afresh.
func TestReset(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 1))
	c := rowTable.NewColumns()
	for i := range 6 {
		rows := gen{rows: 500 * i, nullRate: 0.3, maxList: 3, distinct: 1 + 7*i, order: orderMixed}.make(rng)
		for j := range rows {
			appendRow(c, &rows[j])
		}
		held := c.Footprint()
		if len(rows) > 0 && held <= 0 {
			t.Fatalf("set %d: %d rows held in %d bytes", i, len(rows), held)
		}
		if !bytes.Equal(writeColumns(t, c, 100), write(t, rows, 100)) {
			t.Fatalf("set %d: the file of reset columns differs from the one of new columns", i)
		}
		c.Reset()
		if c.Rows() != 0 || c.Footprint() > held { // the memory is kept, the dictionaries' strings not
			t.Fatalf("set %d: reset columns hold %d rows in %d bytes (%d before)", i, c.Rows(), c.Footprint(), held)
		}
	}
}
