package pqwrite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// row has a column of every kind pqwrite writes.
type row struct {
	ID  string   `parquet:"id"`
	N32 int32    `parquet:"n32"`
	Day int32    `parquet:"day,date"`
	N64 int64    `parquet:"n64,timestamp(microsecond)"`
	F   float64  `parquet:"f"`
	Opt *float64 `parquet:"opt,optional"`
	B   bool     `parquet:"b"`
	D   string   `parquet:"d,dict"`
	L   []string `parquet:"l,list"`
}

// rowSpecs returns the columns of row, in its schema's leaf order.
func rowSpecs() []Spec {
	return []Spec{String("id"), Int32("n32"), Int32("day"), Int64("n64"), Double("f"),
		OptDouble("opt"), Bool("b"), DictString("d"), StringList("l.list.element")}
}

var rowTable = NewTable(row{}, "pqwrite test", rowSpecs()...)

// appendRow appends r to c, columns of rowTable, one value per column in
// the order of rowSpecs.
func appendRow(c *Columns, r *row) {
	c.String(0, r.ID)
	c.Int32(1, r.N32)
	c.Int32(2, r.Day)
	c.Int64(3, r.N64)
	c.Double(4, r.F)
	c.OptDouble(5, r.Opt)
	c.Bool(6, r.B)
	c.String(7, r.D)
	c.StringList(8, r.L)
	c.EndRow()
}

// columnsOf returns rows as new columns of rowTable.
func columnsOf(rows []row) *Columns {
	c := rowTable.NewColumns()
	for i := range rows {
		appendRow(c, &rows[i])
	}
	return c
}

// Row orders: how each row relates to those before it, which decides the
// runs the RLE/bit-packing hybrid meets in levels and dictionary indexes.
const (
	orderRandom    = iota // every row drawn afresh
	orderRuns             // most rows repeat the one before: long RLE runs
	orderAlternate        // rows alternate between two: no run longer than one
	orderMixed            // stretches of the three above
	numOrders
)

// gen describes a random set of rows.
type gen struct {
	rows     int
	nullRate float64   // chance that Opt is nil
	maxList  int       // L has between 0 and maxList elements
	distinct int       // D takes dictValue(0..distinct-1)
	cycle    bool      // D cycles through its values in turn, so that every one appears
	floats   []float64 // F and Opt are drawn from these, or from specialFloats and random ones when nil
	order    int
}

// specialFloats are the doubles whose order or encoding needs care.
var specialFloats = []float64{math.NaN(), 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
	math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1, -1, 0.1}

// words are strings for the string columns: empty, ASCII, non-ASCII, a NUL
// byte, and bytes that sort above any ASCII.
var words = []string{"", "a", "b", "ab", "Улаанбаатар", "Өвөрхангай", "日本語", "🚀", "a\x00b", "zz", "ÿ", "\u00e9t\u00e9"}

// randString returns one of words or a random ASCII string of up to 40 bytes.
func randString(rng *rand.Rand) string {
	if rng.IntN(2) == 0 {
		return words[rng.IntN(len(words))]
	}
	b := make([]byte, rng.IntN(41))
	for i := range b {
		b[i] = byte(' ' + rng.IntN(95))
	}
	return string(b)
}

// dictValue is the i-th value of the dictionary column: distinct for each
// i, the first the empty string, some non-ASCII.
func dictValue(i int) string {
	switch {
	case i == 0:
		return ""
	case i%3 == 0:
		return fmt.Sprintf("ключ-%d", i)
	}
	return fmt.Sprintf("k%d", i)
}

// randFloat returns a double of g's set, or a special or random one.
func (g gen) randFloat(rng *rand.Rand) float64 {
	if g.floats != nil {
		return g.floats[rng.IntN(len(g.floats))]
	}
	if rng.IntN(3) == 0 {
		return specialFloats[rng.IntN(len(specialFloats))]
	}
	return (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(30)-10))
}

// randInt returns a random integer between lo and hi, often one of them.
func randInt(rng *rand.Rand, lo, hi int64) int64 {
	switch rng.IntN(8) {
	case 0:
		return lo
	case 1:
		return hi
	case 2:
		return 0
	}
	if span := uint64(hi-lo) + 1; span != 0 {
		return lo + int64(rng.Uint64N(span))
	}
	return int64(rng.Uint64()) // the whole range of int64
}

// newRow returns a fresh random row; i is its position, for D's cycle.
func (g gen) newRow(rng *rand.Rand, i int) row {
	r := row{
		ID:  randString(rng),
		N32: int32(randInt(rng, math.MinInt32, math.MaxInt32)),
		Day: int32(randInt(rng, -800000, 3000000)),
		N64: randInt(rng, math.MinInt64, math.MaxInt64),
		F:   g.randFloat(rng),
		B:   rng.IntN(2) == 0,
	}
	if rng.Float64() >= g.nullRate {
		x := g.randFloat(rng)
		r.Opt = &x
	}
	if g.cycle {
		r.D = dictValue(i % g.distinct)
	} else {
		r.D = dictValue(rng.IntN(g.distinct))
	}
	if n := rng.IntN(g.maxList + 1); n > 0 {
		r.L = make([]string, n)
		for j := range r.L {
			r.L[j] = randString(rng)
		}
	}
	return r
}

// make returns g's rows.
func (g gen) make(rng *rand.Rand) []row {
	rows := make([]row, g.rows)
	order := g.order
	for i := range rows {
		if g.order == orderMixed && rng.IntN(50) == 0 {
			order = rng.IntN(orderMixed)
		}
		switch {
		case order == orderRuns && i > 0 && rng.IntN(40) != 0:
			rows[i] = rows[i-1]
		case order == orderAlternate && i > 1:
			rows[i] = rows[i-2]
		default:
			rows[i] = g.newRow(rng, i)
		}
		if g.cycle { // every value of D must appear, whatever the order
			rows[i].D = dictValue(i % g.distinct)
		}
	}
	return rows
}

// write writes rows with rowTable in row groups of groupRows rows.
func write(t *testing.T, rows []row, groupRows int) []byte {
	t.Helper()
	return writeColumns(t, columnsOf(rows), groupRows)
}

// writeColumns writes c, columns of rowTable, in row groups of groupRows
// rows.
func writeColumns(t *testing.T, c *Columns, groupRows int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := rowTable.Write(&buf, c, groupRows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readRows reads a file's rows of type R with parquet-go.
func readRows[R any](t *testing.T, file []byte) []R {
	t.Helper()
	r := parquet.NewGenericReader[R](bytes.NewReader(file))
	defer r.Close()
	var out []R
	for {
		// Fresh rows each time: the reader may reuse slices it finds.
		start := len(out)
		out = append(out, make([]R, 1000)...)
		n, err := r.Read(out[start:])
		out = out[:start+n]
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// sameFloat reports whether a and b are the same double, bit for bit.
func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// rowDiff returns the first field where got differs from want, or "". An
// empty list equals a nil one; doubles must match bit for bit (NaN and -0
// included).
func rowDiff(got, want row) string {
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("id %q, want %q", got.ID, want.ID)
	case got.N32 != want.N32:
		return fmt.Sprintf("n32 %d, want %d", got.N32, want.N32)
	case got.Day != want.Day:
		return fmt.Sprintf("day %d, want %d", got.Day, want.Day)
	case got.N64 != want.N64:
		return fmt.Sprintf("n64 %d, want %d", got.N64, want.N64)
	case !sameFloat(got.F, want.F):
		return fmt.Sprintf("f %v, want %v", got.F, want.F)
	case (got.Opt == nil) != (want.Opt == nil) || got.Opt != nil && !sameFloat(*got.Opt, *want.Opt):
		return fmt.Sprintf("opt %s, want %s", optString(got.Opt), optString(want.Opt))
	case got.B != want.B:
		return fmt.Sprintf("b %v, want %v", got.B, want.B)
	case got.D != want.D:
		return fmt.Sprintf("d %q, want %q", got.D, want.D)
	case !slices.Equal(got.L, want.L):
		return fmt.Sprintf("l %d elements %.100q, want %d %.100q", len(got.L), got.L, len(want.L), want.L)
	}
	return ""
}

func optString(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// checkRoundTrip appends rows to columns, requires the columns to give
// them back, then writes them, reads them back with parquet-go and
// requires them unchanged, and checks the file's row groups and
// statistics.
func checkRoundTrip(t *testing.T, rows []row, groupRows int) {
	t.Helper()
	c := columnsOf(rows)
	if c.Rows() != len(rows) {
		t.Fatalf("columns hold %d rows, %d appended", c.Rows(), len(rows))
	}
	for i, r := range rows {
		id, n32, day := c.StringAt(0, i), c.Int32At(1, i), c.Int32At(2, i)
		if id != r.ID || n32 != r.N32 || day != r.Day {
			t.Fatalf("row %d: StringAt %q, Int32At %d and %d, want %q, %d and %d", i, id, n32, day, r.ID, r.N32, r.Day)
		}
	}
	checkFile(t, writeColumns(t, c, groupRows), rows, groupRows)
}

// checkFile requires parquet-go to read rows from file, in row groups of
// groupRows rows with the statistics of their rows.
func checkFile(t *testing.T, file []byte, rows []row, groupRows int) {
	t.Helper()
	got := readRows[row](t, file)
	if len(got) != len(rows) {
		t.Fatalf("groups of %d: read %d rows, wrote %d", groupRows, len(got), len(rows))
	}
	for i := range rows {
		if d := rowDiff(got[i], rows[i]); d != "" {
			t.Fatalf("groups of %d: row %d of %d: %s", groupRows, i, len(rows), d)
		}
	}
	checkStatistics(t, file, rows, groupRows)
}

// TestRoundTripCases writes row sets chosen for the edges of the encoding
// and reads them back with parquet-go.
func TestRoundTripCases(t *testing.T) {
	base := gen{nullRate: 0.3, maxList: 3, distinct: 5}
	with := func(f func(*gen)) gen { g := base; f(&g); return g }
	cases := []struct {
		name   string
		gen    gen
		groups []int
	}{
		{"no rows", base, []int{0, 7}},
		{"one row", with(func(g *gen) { g.rows = 1 }), []int{0, 1, 7}},
		{"tile edges", with(func(g *gen) { g.rows = 1025 }), []int{255, 256, 257, 511, 512, 513, 1024}},
		{"small groups", with(func(g *gen) { g.rows = 3001 }), []int{7, 100, 1000}},
		{"no nulls", with(func(g *gen) { g.rows = 700; g.nullRate = 0 }), []int{0, 100}},
		{"all nulls", with(func(g *gen) { g.rows = 700; g.nullRate = 1 }), []int{0, 100}},
		{"all lists empty", with(func(g *gen) { g.rows = 700; g.maxList = 0 }), []int{0, 100}},
		{"long lists", with(func(g *gen) { g.rows = 40; g.maxList = 1000 }), []int{0, 7}},
		{"one dict value", with(func(g *gen) { g.rows = 600; g.distinct = 1 }), []int{0, 7}},
		{"16 dict values", with(func(g *gen) { g.rows = 600; g.distinct = 16; g.cycle = true }), []int{0, 16, 100}},
		{"17 dict values", with(func(g *gen) { g.rows = 600; g.distinct = 17; g.cycle = true }), []int{0, 17, 100}},
		{"256 dict values", with(func(g *gen) { g.rows = 600; g.distinct = 256; g.cycle = true }), []int{0, 256, 300}},
		{"257 dict values", with(func(g *gen) { g.rows = 600; g.distinct = 257; g.cycle = true }), []int{0, 257, 300}},
		{"300 dict values", with(func(g *gen) { g.rows = 1000; g.distinct = 300; g.cycle = true }), []int{0, 300, 999}},
		{"70000 dict values", with(func(g *gen) { g.rows = 70001; g.distinct = 70000; g.cycle = true; g.maxList = 1 }), []int{0, 65536, 65537}},
		{"runs", with(func(g *gen) { g.rows = 5000; g.order = orderRuns; g.distinct = 300 }), []int{0, 1000}},
		{"alternating", with(func(g *gen) { g.rows = 5000; g.order = orderAlternate; g.distinct = 300 }), []int{0, 1000}},
		{"NaN only", with(func(g *gen) { g.rows = 300; g.floats = []float64{math.NaN()} }), []int{0, 7}},
		{"zeros", with(func(g *gen) { g.rows = 300; g.floats = []float64{0, math.Copysign(0, -1)} }), []int{0, 1, 2, 7}},
		{"negative zero", with(func(g *gen) { g.rows = 300; g.floats = []float64{math.Copysign(0, -1)} }), []int{0, 7}},
		{"positive zero", with(func(g *gen) { g.rows = 300; g.floats = []float64{0} }), []int{0, 7}},
		{"zero and NaN", with(func(g *gen) { g.rows = 300; g.floats = []float64{0, math.NaN()} }), []int{0, 7}},
		{"infinities", with(func(g *gen) { g.rows = 300; g.floats = []float64{math.Inf(1), math.Inf(-1), math.NaN()} }), []int{0, 7}},
		{"specials", with(func(g *gen) { g.rows = 300; g.floats = specialFloats }), []int{0, 7}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows := c.gen.make(rand.New(rand.NewPCG(uint64(i), 1)))
			for _, g := range c.groups {
				checkRoundTrip(t, rows, g)
			}
		})
	}
}

// TestRoundTripBooleans writes booleans in patterns that cross the bytes,
// the tiles and the row groups at every offset.
func TestRoundTripBooleans(t *testing.T) {
	patterns := map[string]func(i int) bool{
		"all false":     func(int) bool { return false },
		"all true":      func(int) bool { return true },
		"alternating":   func(i int) bool { return i%2 == 1 },
		"every 7th":     func(i int) bool { return i%7 == 0 },
		"true from 257": func(i int) bool { return i >= 257 },
	}
	for name, p := range patterns {
		rows := make([]row, 1030)
		for i := range rows {
			rows[i] = row{B: p(i), D: "x"}
		}
		for _, g := range []int{0, 3, 9, 255, 257, 1029} {
			t.Run(fmt.Sprintf("%s/groups of %d", name, g), func(t *testing.T) { checkRoundTrip(t, rows, g) })
		}
	}
}

// TestRoundTripRandom writes many random row sets, of random shapes, in row
// groups of random sizes.
func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	sizes := []int{0, 1, 7, 100, 255, 256, 1000}
	for i := range 300 {
		g := gen{
			rows:     rng.IntN(1300),
			nullRate: []float64{0, 0.1, 0.5, 0.9, 1}[rng.IntN(5)],
			maxList:  []int{0, 1, 3, 20, 300}[rng.IntN(5)],
			distinct: []int{1, 2, 9, 16, 17, 40, 300}[rng.IntN(7)],
			cycle:    rng.IntN(2) == 0,
			order:    rng.IntN(numOrders),
		}
		if g.maxList == 300 {
			g.rows = min(g.rows, 50)
		}
		rows := g.make(rng)
		groups := sizes[rng.IntN(len(sizes))]
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			t.Logf("%+v, groups of %d", g, groups)
			checkRoundTrip(t, rows, groups)
		})
	}
}

// TestNewTablePanics requires NewTable to refuse columns that do not
// match the schema's leaves one for one, in order, by path, type and
// levels.
func TestNewTablePanics(t *testing.T) {
	specs := rowSpecs()
	replace := func(i int, s Spec) []Spec {
		ss := slices.Clone(specs)
		ss[i] = s
		return ss
	}
	swapped := slices.Clone(specs)
	swapped[1], swapped[2] = swapped[2], swapped[1] // n32 and day, both INT32
	reversed := slices.Clone(specs)
	slices.Reverse(reversed)
	cases := []struct {
		name  string
		specs []Spec
		want  string // in the panic message
	}{
		{"no columns", nil, "leaf 0 of the schema is id"},
		{"missing column", specs[:len(specs)-1], "leaf 8 of the schema is l.list.element"},
		{"missing first column", specs[1:], "leaf 0 of the schema is id"},
		{"extra column", append(slices.Clone(specs), Int32("extra")), "10 columns for 9 leaves"},
		{"list by its group's path", replace(8, StringList("l")), "leaf 8 of the schema is l.list.element"},
		{"two columns swapped", swapped, "leaf 1 of the schema is n32"},
		{"columns reversed", reversed, "leaf 0 of the schema is id"},
		{"int64 for int32", replace(1, Int64("n32")), "column n32"},
		{"int32 for int64", replace(3, Int32("n64")), "column n64"},
		{"string for int32", replace(2, String("day")), "column day"},
		{"dictionary string for int32", replace(1, DictString("n32")), "column n32"},
		{"required for optional", replace(5, Double("opt")), "column opt"},
		{"optional for required", replace(4, OptDouble("f")), "column f"},
		{"bool for double", replace(4, Bool("f")), "column f"},
		{"string for list", replace(8, String("l.list.element")), "column l.list.element"},
		{"list for string", replace(0, StringList("id")), "column id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				p := recover()
				if p == nil {
					t.Fatal("no panic")
				}
				if msg := fmt.Sprint(p); !strings.Contains(msg, c.want) {
					t.Fatalf("panic %q, want it to mention %q", msg, c.want)
				}
			}()
			NewTable(row{}, "pqwrite test", c.specs...)
		})
	}
	// Whether a string column has a dictionary is the writer's choice, not
	// the schema's: id with one and d without are no error, and write the
	// same rows.
	ss := replace(0, DictString("id"))
	ss[7] = String("d")
	tb := NewTable(row{}, "pqwrite test", ss...)
	rows := gen{rows: 50, nullRate: 0.5, maxList: 3, distinct: 3}.make(rand.New(rand.NewPCG(1, 1)))
	c := tb.NewColumns()
	for i := range rows {
		appendRow(c, &rows[i])
	}
	var buf bytes.Buffer
	if err := tb.Write(&buf, c, 0); err != nil {
		t.Fatal(err)
	}
	checkFile(t, buf.Bytes(), rows, 0)
}

// TestConcurrentWrites writes the columns of different row sets from
// several goroutines at once, which share the pool of encoders, and
// requires each file to be the one written alone.
func TestConcurrentWrites(t *testing.T) {
	sets := make([]*Columns, 8)
	want := make([][]byte, len(sets))
	for i := range sets {
		sets[i] = columnsOf(gen{rows: 300 * i, nullRate: 0.3, maxList: 3, distinct: 1 + 10*i}.make(rand.New(rand.NewPCG(uint64(i), 3))))
		want[i] = writeColumns(t, sets[i], 100)
	}
	got := make([][]byte, len(sets))
	errs := make([]error, len(sets))
	var wg sync.WaitGroup
	for i := range sets {
		wg.Go(func() {
			for range 5 {
				var buf bytes.Buffer
				errs[i] = rowTable.Write(&buf, sets[i], 100)
				got[i] = buf.Bytes()
				if errs[i] != nil || !bytes.Equal(got[i], want[i]) {
					return
				}
			}
		})
	}
	wg.Wait()
	for i := range sets {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("set %d: the file written concurrently differs from the one written alone", i)
		}
	}
}
