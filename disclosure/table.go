package disclosure

import (
	"slices"
	"strings"
)

// Table is one table of cells with its additive structure. Build it from
// microdata with a Builder so that every total equals the sum of its parts;
// a cell absent from Cells is a published zero.
type Table struct {
	Name      string
	Dims      []Dim
	Cells     []Cell
	Relations []Relation // each: Cells[Total].Value == sum of Cells[Parts].Value
	Kind      Kind
}

// Dim is one dimension of a table and its hierarchy.
type Dim struct {
	Name   string
	Total  string            // code of the dimension's grand total, e.g. "_T"
	Parent map[string]string // a code's parent code; a code not listed (other than Total) has Total as its parent
}

// Cell is one cell of a table.
type Cell struct {
	Key       []string   // one code per dimension, in the order of Table.Dims
	Value     float64    // the cell's value; for a magnitude table, the sum of its companies' contributions
	Companies int        // distinct contributing companies (a registry number, not a filing); respondents for a survey
	Top       [2]float64 // the two largest company contributions, largest first (for dominance and p%)
	Status    Status
	Rule      string // which rule suppressed the cell (the Rule* names); empty when published
	Protects  []int  // for a secondary cell: the confidential cells it protects
}

// Relation is one additive relation of a table:
// Cells[Total].Value == sum of Cells[Parts].Value.
type Relation struct {
	Total int
	Parts []int
}

// Builder accumulates company contributions and derives every margin: a
// contribution to a cell counts in every cell above it in each dimension's
// hierarchy.
type Builder struct {
	name  string
	kind  Kind
	dims  []Dim
	cells map[string]*building
}

type building struct {
	key   []string
	value float64
	by    map[string]float64 // contribution per company
}

// NewBuilder starts a table of the given kind over dims.
func NewBuilder(name string, kind Kind, dims ...Dim) *Builder {
	return &Builder{name: name, kind: kind, dims: dims, cells: map[string]*building{}}
}

// Add records company's contribution value to the cell at key (one code per
// dimension; a code may sit at any level of its hierarchy) and to every total
// above it. For a Count table add 1 per unit counted. Add panics when key
// does not have one code per dimension: that is a programming error.
func (b *Builder) Add(key []string, company string, value float64) {
	if len(key) != len(b.dims) {
		panic("disclosure: key has " + strings.Join(key, ",") + " for a table of " + b.name + " with a different number of dimensions")
	}
	chains := make([][]string, len(b.dims))
	for d, dim := range b.dims {
		chains[d] = dim.ancestors(key[d])
	}
	idx := make([]int, len(b.dims))
	for {
		k := make([]string, len(b.dims))
		for d := range k {
			k[d] = chains[d][idx[d]]
		}
		id := strings.Join(k, "\x00")
		c := b.cells[id]
		if c == nil {
			c = &building{key: k, by: map[string]float64{}}
			b.cells[id] = c
		}
		c.value += value
		c.by[company] += value
		d := 0
		for ; d < len(idx); d++ {
			idx[d]++
			if idx[d] < len(chains[d]) {
				break
			}
			idx[d] = 0
		}
		if d == len(idx) {
			return
		}
	}
}

// ancestors returns code and every code above it up to the total.
func (d Dim) ancestors(code string) []string {
	out := []string{code}
	for code != d.Total && len(out) <= len(d.Parent)+1 {
		p, ok := d.Parent[code]
		if !ok {
			p = d.Total
		}
		out = append(out, p)
		code = p
	}
	return out
}

// parent returns the parent of code, and false for the total.
func (d Dim) parent(code string) (string, bool) {
	if code == d.Total {
		return "", false
	}
	if p, ok := d.Parent[code]; ok {
		return p, true
	}
	return d.Total, true
}

// Table returns the table built so far: its cells sorted by key, and one
// relation for each cell and dimension in which the cell's code has children.
func (b *Builder) Table() *Table {
	t := &Table{Name: b.name, Dims: b.dims, Kind: b.kind}
	ids := make([]string, 0, len(b.cells))
	for id := range b.cells {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		c := b.cells[id]
		index[id] = i
		cell := Cell{Key: c.key, Value: c.value, Companies: len(c.by)}
		for _, v := range c.by {
			switch {
			case v > cell.Top[0]:
				cell.Top[1], cell.Top[0] = cell.Top[0], v
			case v > cell.Top[1]:
				cell.Top[1] = v
			}
		}
		t.Cells = append(t.Cells, cell)
	}
	// For every cell and dimension, the cell is a part of the cell whose key
	// has the parent code in that dimension.
	parts := map[[2]int][]int{} // (total cell, dimension) -> parts
	for i, c := range t.Cells {
		for d, dim := range b.dims {
			p, ok := dim.parent(c.Key[d])
			if !ok {
				continue
			}
			k := slices.Clone(c.Key)
			k[d] = p
			if ti, ok := index[strings.Join(k, "\x00")]; ok {
				parts[[2]int{ti, d}] = append(parts[[2]int{ti, d}], i)
			}
		}
	}
	for ti := range t.Cells {
		for d := range b.dims {
			if ps := parts[[2]int{ti, d}]; len(ps) > 0 {
				t.Relations = append(t.Relations, Relation{Total: ti, Parts: ps})
			}
		}
	}
	return t
}

// Find returns the index of the cell with the given key, or -1.
func (t *Table) Find(key ...string) int {
	for i, c := range t.Cells {
		if slices.Equal(c.Key, key) {
			return i
		}
	}
	return -1
}
