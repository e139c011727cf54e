package disclosure

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// pattern is one suppression pattern over the common cells of linked tables.
type pattern struct {
	tables  []*Table
	hidden  []bool  // suppressed in the pattern
	relsOf  [][]int // relations each cell takes part in
	isTotal []bool  // the cell is the total of some relation
	scale   []float64
	index   map[string]int // cell index by key joined with NUL
}

func newPattern(tables []*Table) *pattern {
	t := tables[0]
	n := len(t.Cells)
	p := &pattern{tables: tables, hidden: make([]bool, n), relsOf: make([][]int, n), isTotal: make([]bool, n)}
	p.index = make(map[string]int, n)
	for i, c := range t.Cells {
		p.index[strings.Join(c.Key, "\x00")] = i
	}
	for ri, rel := range t.Relations {
		p.isTotal[rel.Total] = true
		p.relsOf[rel.Total] = append(p.relsOf[rel.Total], ri)
		for _, c := range rel.Parts {
			p.relsOf[c] = append(p.relsOf[c], ri)
		}
	}
	for _, tb := range tables {
		s := 0.0
		for _, c := range tb.Cells {
			s = max(s, math.Abs(c.Value))
		}
		if s == 0 {
			s = 1
		}
		p.scale = append(p.scale, s)
	}
	return p
}

// lower is the attacker's prior lower bound on a cell: a cell is taken to be
// non-negative, and a negative cell (value added can be) no lower than twice
// its value, so that the bound never sits on the value itself.
func lower(v float64) float64 { return min(0, 2*v) }

// component returns the cells an attacker must solve for together with
// cell p: the suppressed cells not known to it, connected to p through
// relations, sorted; and the relations that touch them.
func (pt *pattern) component(p int, known []bool) (cells, rels []int) {
	unknown := func(i int) bool { return pt.hidden[i] && !known[i] }
	seen := map[int]bool{p: true}
	relSeen := map[int]bool{}
	queue := []int{p}
	rels0 := pt.tables[0].Relations
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, ri := range pt.relsOf[c] {
			if relSeen[ri] {
				continue
			}
			relSeen[ri] = true
			rels = append(rels, ri)
			for _, o := range append([]int{rels0[ri].Total}, rels0[ri].Parts...) {
				if unknown(o) && !seen[o] {
					seen[o] = true
					queue = append(queue, o)
				}
			}
		}
	}
	for c := range seen {
		cells = append(cells, c)
	}
	slices.Sort(cells)
	slices.Sort(rels)
	return cells, rels
}

// interval returns the least and greatest values of cell p in table ti over
// every table consistent with the published cells, the cells in known, the
// relations and the lower bounds.
func (pt *pattern) interval(p, ti int, known []bool) (lo, hi float64, err error) {
	t := pt.tables[ti]
	cells, rels := pt.component(p, known)
	lp0 := lower(t.Cells[p].Value)
	if len(rels) == 0 {
		return lp0, math.Inf(1), nil
	}
	// A relation in which p is the only unknown gives p away.
	for _, ri := range rels {
		rel := t.Relations[ri]
		unknown := 0
		for _, c := range append([]int{rel.Total}, rel.Parts...) {
			if c != p && pt.hidden[c] && !known[c] {
				unknown++
			}
		}
		if unknown == 0 {
			v := t.Cells[p].Value
			return v, v, nil
		}
	}
	col := make(map[int]int, len(cells))
	for j, c := range cells {
		col[c] = j
	}
	// Each relation as sum(parts) - total = 0, with the unknown cells moved
	// to x - lower >= 0 and everything scaled to the table's largest value.
	s := pt.scale[ti]
	n := len(cells)
	a := make([][]float64, 0, len(rels))
	b := make([]float64, 0, len(rels))
	for _, ri := range rels {
		rel := t.Relations[ri]
		row := make([]float64, n+1)
		add := func(c int, coef float64) {
			if j, ok := col[c]; ok {
				row[j] += coef
				row[n] -= coef * lower(t.Cells[c].Value) / s
			} else {
				row[n] -= coef * t.Cells[c].Value / s
			}
		}
		add(rel.Total, -1)
		for _, c := range rel.Parts {
			add(c, 1)
		}
		a = append(a, row)
	}
	a, basis := reduce(a, n)
	if len(a) == 0 {
		return lp0, math.Inf(1), nil
	}
	m := len(a)
	for i, row := range a {
		// A distinct nudge, far below the protection check's tolerance,
		// keeps the simplex off degenerate vertices where it can stall.
		b = append(b, row[n]+1e-12*float64(1+i%7))
	}
	jp := col[p]
	if m == n {
		// Fully determined: the reduced rows are the identity, up to sign.
		for _, row := range a {
			if math.Abs(row[jp]) > 0.5 {
				v := lp0 + row[n]/row[jp]*s
				return v, v, nil
			}
		}
		return 0, 0, fmt.Errorf("disclosure: table %s: cell %v lost in reduction", t.Name, t.Cells[p].Key)
	}
	dense := mat.NewDense(m, n, nil)
	for i, row := range a {
		dense.SetRow(i, row[:n])
	}
	c := make([]float64, n)
	c[jp] = 1
	fmin, err := solve(c, dense, b, basis)
	if err != nil {
		return 0, 0, fmt.Errorf("disclosure: table %s: least value of cell %v: %w", t.Name, t.Cells[p].Key, err)
	}
	c[jp] = -1
	fmax, err := solve(c, dense, b, basis)
	switch {
	case errors.Is(err, lp.ErrUnbounded):
		hi = math.Inf(1)
	case err != nil:
		return 0, 0, fmt.Errorf("disclosure: table %s: greatest value of cell %v: %w", t.Name, t.Cells[p].Key, err)
	default:
		hi = lp0 - fmax*s
	}
	return lp0 + fmin*s, hi, nil
}

// solve runs the simplex from basis, and once more letting it find its own
// first basis when that fails for a numerical reason.
func solve(c []float64, a *mat.Dense, b []float64, basis []int) (float64, error) {
	f, _, err := lp.Simplex(c, a, b, 1e-10, basis)
	if err != nil && basis != nil && !errors.Is(err, lp.ErrUnbounded) && !errors.Is(err, lp.ErrInfeasible) {
		f, _, err = lp.Simplex(c, a, b, 1e-10, nil)
	}
	return f, err
}

// reduce brings the rows [A | b] (n columns of A) to reduced row echelon
// form and drops the rows that are linear combinations of others, which the
// simplex needs (a table's margins make its relations dependent). Rows with
// a negative right-hand side are negated. When none had to be, the pivot
// columns are a feasible first basis (an identity), returned to spare the
// simplex its search for one; otherwise basis is nil.
func reduce(a [][]float64, n int) (rows [][]float64, basis []int) {
	const tol = 1e-9
	r := 0
	for j := 0; j < n && r < len(a); j++ {
		piv := r
		for i := r + 1; i < len(a); i++ {
			if math.Abs(a[i][j]) > math.Abs(a[piv][j]) {
				piv = i
			}
		}
		if math.Abs(a[piv][j]) < tol {
			continue
		}
		a[r], a[piv] = a[piv], a[r]
		f := a[r][j]
		for k := range a[r] {
			a[r][k] /= f
		}
		for i := range a {
			if i == r || a[i][j] == 0 {
				continue
			}
			g := a[i][j]
			for k := range a[i] {
				a[i][k] -= g * a[r][k]
			}
			a[i][j] = 0
		}
		basis = append(basis, j)
		r++
	}
	a = a[:r]
	for _, row := range a {
		if row[n] < 0 {
			basis = nil
			for k := range row {
				row[k] = -row[k]
			}
		}
	}
	return a, basis
}
