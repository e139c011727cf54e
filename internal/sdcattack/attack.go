// Package sdcattack is the tests' attacker of disclosure-controlled
// tables, written apart from the suppression code with its own LP. It
// derives a table's additive structure from the keys and the dimensions'
// hierarchies (as a reader of the published table would), takes every
// published cell as an equality, every cell as at least min(0, 2*value)
// (the documented prior), and asks gonum's simplex for the least and
// greatest value of each confidential cell, starting from artificial
// variables (big M) rather than reducing the relations' rank. It also
// attacks as the single company of a one-company suppressed cell, who
// knows that cell. For tests only.
package sdcattack

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"

	"github.com/npit-mn/ictstat/disclosure"
)

// Breach is one confidential cell an attacker narrows to within p%.
type Breach struct {
	cell    []string
	value   float64
	lo, hi  float64
	insider []string // the cell the attacker knew as its own, if any
}

func (b Breach) String() string {
	s := fmt.Sprintf("cell %v = %g recoverable within [%g, %g]", b.cell, b.value, b.lo, b.hi)
	if b.insider != nil {
		s += fmt.Sprintf(" by the company of %v", b.insider)
	}
	return s
}

// attackRelations derives the table's sums from its keys and hierarchies:
// for each cell and dimension, the cell equals the sum of the cells whose
// code in that dimension is a child of its code, the other codes equal.
func attackRelations(t *disclosure.Table) [][]int { // each: total, parts...
	at := map[string]int{}
	for i, c := range t.Cells {
		at[strings.Join(c.Key, "|")] = i
	}
	parent := func(d int, code string) (string, bool) {
		if code == t.Dims[d].Total {
			return "", false
		}
		if p, ok := t.Dims[d].Parent[code]; ok {
			return p, true
		}
		return t.Dims[d].Total, true
	}
	sums := map[[2]int][]int{}
	var order [][2]int
	for i, c := range t.Cells {
		for d := range t.Dims {
			p, ok := parent(d, c.Key[d])
			if !ok {
				continue
			}
			k := append([]string(nil), c.Key...)
			k[d] = p
			tot, ok := at[strings.Join(k, "|")]
			if !ok {
				continue
			}
			id := [2]int{tot, d}
			if sums[id] == nil {
				order = append(order, id)
			}
			sums[id] = append(sums[id], i)
		}
	}
	var out [][]int
	for _, id := range order {
		out = append(out, append([]int{id[0]}, sums[id]...))
	}
	return out
}

// attack returns every confidential cell of t whose feasible interval does
// not cover ±pct% of its value.
func Attack(t *disclosure.Table, pct float64) ([]Breach, error) {
	rels := attackRelations(t)
	var hidden, singles []int
	for i, c := range t.Cells {
		if c.Status == disclosure.Confidential || c.Status == disclosure.Secondary {
			hidden = append(hidden, i)
			if c.Companies == 1 {
				singles = append(singles, i)
			}
		}
	}
	var out []Breach
	for _, insider := range append([]int{-1}, singles...) {
		for _, p := range hidden {
			// A company that contributes to p knows its own share of p,
			// which the p% rule covers.
			if t.Cells[p].Status != disclosure.Confidential || p == insider || insider >= 0 && sharesCompany(t, insider, p) {
				continue
			}
			if _, ok := linked(rels, hidden, -1, p)[insider]; insider >= 0 && !ok {
				continue // knowing a cell unlinked to p tells nothing about p
			}
			lo, hi, err := feasible(t, rels, hidden, insider, p)
			if err != nil {
				return nil, err
			}
			v := t.Cells[p].Value
			want := pct / 100 * math.Abs(v)
			tol := 1e-7 * (1 + math.Abs(v))
			if lo > v-want+tol || hi < v+want-tol {
				b := Breach{cell: t.Cells[p].Key, value: v, lo: lo, hi: hi}
				if insider >= 0 {
					b.insider = t.Cells[insider].Key
				}
				out = append(out, b)
			}
		}
	}
	return out, nil
}

// feasible solves min and max of cell p over the suppressed cells: with
// y = x - lower >= 0 and everything divided by the table's largest value,
// each relation touching a suppressed cell is an equation in y, given an
// artificial variable of its own priced at a large cost (big M), so that the
// artificial variables are a first feasible basis and no equation need be
// dropped for being implied by the others.
func feasible(t *disclosure.Table, rels [][]int, hidden []int, insider, p int) (lo, hi float64, err error) {
	scale := 0.0
	for _, c := range t.Cells {
		scale = math.Max(scale, math.Abs(c.Value))
	}
	if scale == 0 {
		scale = 1
	}
	val := func(c int) float64 { return t.Cells[c].Value / scale }
	low := func(c int) float64 { return math.Min(0, 2*val(c)) }
	varOf := linked(rels, hidden, insider, p)
	n := len(varOf)
	var rows [][]float64
	var rhs []float64
	for _, rel := range rels {
		row := make([]float64, n)
		b := 0.0
		touched := false
		for j, c := range rel {
			coef := 1.0
			if j == 0 {
				coef = -1
			}
			if v, ok := varOf[c]; ok {
				row[v] += coef
				b -= coef * low(c)
				touched = true
			} else {
				b -= coef * val(c)
			}
		}
		if !touched {
			continue
		}
		if b < 0 {
			for k := range row {
				row[k] = -row[k]
			}
			b = -b
		}
		// A tiny distinct nudge to each right-hand side keeps the simplex
		// off degenerate vertices, where gonum's Bland rule can stall; it
		// moves the bounds by far less than the tolerance of the check.
		b += 1e-10 * float64(1+len(rows)%13)
		rows, rhs = append(rows, row), append(rhs, b)
	}
	if len(rows) == 0 {
		return low(p) * scale, math.Inf(1), nil
	}
	m := len(rows)
	A := mat.NewDense(m, n+m, nil)
	basis := make([]int, m)
	for i, row := range rows {
		for k, v := range row {
			A.Set(i, k, v)
		}
		A.Set(i, n+i, 1)
		basis[i] = n + i
	}
	const bigM = 1e3
	solve := func(sign float64) (float64, error) {
		obj := make([]float64, n+m)
		obj[varOf[p]] = sign
		for i := range m {
			obj[n+i] = bigM
		}
		_, x, err := lp.Simplex(obj, A, rhs, 1e-9, basis)
		if err != nil {
			return 0, err
		}
		for i := range m {
			if x[n+i] > 1e-7 {
				return 0, fmt.Errorf("artificial variable %d left at %g: the published table is inconsistent", i, x[n+i])
			}
		}
		return x[varOf[p]], nil
	}
	y, err := solve(1)
	if err != nil {
		return 0, 0, fmt.Errorf("attack min %v: %w", t.Cells[p].Key, err)
	}
	lo = (low(p) + y) * scale
	y, err = solve(-1)
	switch {
	case errors.Is(err, lp.ErrUnbounded):
		return lo, math.Inf(1), nil
	case err != nil:
		return 0, 0, fmt.Errorf("attack max %v: %w", t.Cells[p].Key, err)
	}
	return lo, (low(p) + y) * scale, nil
}

// linked numbers the unknown cells (hidden ones other than insider) linked
// to p through relations with unknown cells, p first: the LP splits into
// independent parts and only p's matters.
func linked(rels [][]int, hidden []int, insider, p int) map[int]int {
	unknown := map[int]bool{}
	for _, h := range hidden {
		unknown[h] = h != insider
	}
	varOf := map[int]int{p: 0}
	for grown := true; grown; {
		grown = false
		for _, rel := range rels {
			touches := false
			for _, c := range rel {
				if _, ok := varOf[c]; ok {
					touches = true
				}
			}
			for _, c := range rel {
				if _, ok := varOf[c]; touches && !ok && unknown[c] {
					varOf[c] = len(varOf)
					grown = true
				}
			}
		}
	}
	return varOf
}

// sharesCompany reports whether the one company of cell s also contributes
// to cell p: the cells' codes nest in every dimension and the cell where they
// meet has contributors.
func sharesCompany(t *disclosure.Table, s, p int) bool {
	up := func(d int, code string) []string {
		out := []string{code}
		for code != t.Dims[d].Total {
			if q, ok := t.Dims[d].Parent[code]; ok {
				code = q
			} else {
				code = t.Dims[d].Total
			}
			out = append(out, code)
		}
		return out
	}
	meet := make([]string, len(t.Dims))
	for d := range t.Dims {
		a, b := t.Cells[s].Key[d], t.Cells[p].Key[d]
		switch {
		case slices.Contains(up(d, a), b):
			meet[d] = a
		case slices.Contains(up(d, b), a):
			meet[d] = b
		default:
			return false
		}
	}
	for _, c := range t.Cells {
		if slices.Equal(c.Key, meet) {
			return c.Companies > 0
		}
	}
	return false
}
