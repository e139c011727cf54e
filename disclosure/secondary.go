package disclosure

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// complete chooses the secondary cells over the tables' common pattern
// (every cell already Confidential in the first table is primary) and
// returns, for each secondary cell, the confidential cells it protects.
//
// For each confidential cell in turn, and for each attacker (an outsider,
// and the single company of any other suppressed one-company cell, who knows
// that cell exactly), it computes the cell's feasible interval by linear
// programming; while the interval does not cover ±p% of the value in every
// table it adds the cheapest complement from the relations the attacker uses.
// Suppressing more never narrows an interval, whatever the attacker knows, so
// one confidential cell's protection survives the cells added for the next,
// and one pass over them suffices.
func complete(tables []*Table, r Rules) (map[int][]int, error) {
	pt := newPattern(tables)
	first := tables[0]
	var primaries []int
	for i, c := range first.Cells {
		if c.Status == Confidential {
			pt.hidden[i] = true
			primaries = append(primaries, i)
		}
	}
	protects := map[int][]int{}
	known := make([]bool, len(first.Cells))
	for _, p := range primaries {
		// A complement added for p can be a one-company cell, a new insider.
		done := map[int]bool{}
		for {
			var todo []int
			for _, in := range pt.insiders(p) {
				if !done[in] {
					todo = append(todo, in)
				}
			}
			if len(todo) == 0 {
				break
			}
			for _, in := range todo {
				done[in] = true
				if in >= 0 {
					known[in] = true
				}
				added, err := pt.protect(p, known, r)
				if in >= 0 {
					known[in] = false
				}
				if err != nil {
					return nil, err
				}
				for _, c := range added {
					protects[c] = append(protects[c], p)
				}
			}
		}
	}
	if err := pt.prune(primaries, protects, r); err != nil {
		return nil, err
	}
	for c, ps := range protects {
		slices.Sort(ps)
		protects[c] = slices.Compact(ps)
	}
	return protects, nil
}

// prune publishes again the secondary cells the pattern turns out not to
// need: a complement chosen early for one confidential cell can be made
// redundant by those chosen later for others. Largest first, a secondary
// cell is released when every confidential cell linked to it still resists
// every attacker without it.
func (pt *pattern) prune(primaries []int, protects map[int][]int, r Rules) error {
	t := pt.tables[0]
	secs := make([]int, 0, len(protects))
	for c := range protects {
		secs = append(secs, c)
	}
	slices.SortFunc(secs, func(a, b int) int {
		if va, vb := math.Abs(t.Cells[a].Value), math.Abs(t.Cells[b].Value); va != vb {
			if va > vb {
				return -1
			}
			return 1
		}
		return a - b
	})
	known := make([]bool, len(t.Cells))
	for _, c := range secs {
		// Only the confidential cells linked to c can lose by its release;
		// those it was chosen for first, as the likeliest to.
		affected := slices.Clone(protects[c])
		for _, p := range primaries {
			if cells, _ := pt.component(p, known); slices.Contains(cells, c) && !slices.Contains(affected, p) {
				affected = append(affected, p)
			}
		}
		pt.hidden[c] = false
		safe := true
		for _, p := range affected {
			for _, in := range pt.insiders(p) {
				if in >= 0 {
					known[in] = true
				}
				ti, _, err := pt.deficit(p, known, r)
				if in >= 0 {
					known[in] = false
				}
				if err != nil {
					return err
				}
				if ti >= 0 {
					safe = false
					break
				}
			}
			if !safe {
				break
			}
		}
		if safe {
			delete(protects, c)
		} else {
			pt.hidden[c] = true
		}
	}
	return nil
}

// insiders returns the attackers to check cell p against: -1 for the
// outsider, then every other suppressed one-company cell in p's component
// whose company does not contribute to p. That company knows its cell
// exactly; one that contributes to p knows its own share of p, which is the
// p% rule's concern, not the pattern's.
func (pt *pattern) insiders(p int) []int {
	out := []int{-1}
	cells, _ := pt.component(p, make([]bool, len(pt.hidden)))
	t := pt.tables[0]
	for _, c := range cells {
		if c != p && t.Cells[c].Companies == 1 && !pt.shares(c, p) {
			out = append(out, c)
		}
	}
	return out
}

// shares reports whether the one company of cell s contributes to cell p:
// whether the cells overlap (in every dimension one's code is the other's or
// above it) in a cell that has contributors, who can only be s's company.
func (pt *pattern) shares(s, p int) bool {
	t := pt.tables[0]
	key := make([]string, len(t.Dims))
	for d, dim := range t.Dims {
		a, b := t.Cells[s].Key[d], t.Cells[p].Key[d]
		switch {
		case slices.Contains(dim.ancestors(a), b):
			key[d] = a
		case slices.Contains(dim.ancestors(b), a):
			key[d] = b
		default:
			return false
		}
	}
	i, ok := pt.index[strings.Join(key, "\x00")]
	return ok && t.Cells[i].Companies > 0
}

// protect adds complements until cell p is protected against an attacker
// who knows the cells in known, and returns the cells it added.
func (pt *pattern) protect(p int, known []bool, r Rules) ([]int, error) {
	var added []int
	for {
		ti, need, err := pt.deficit(p, known, r)
		if err != nil {
			return nil, err
		}
		if ti < 0 {
			return added, nil
		}
		c := pt.choose(p, ti, need, known)
		if c < 0 {
			t := pt.tables[ti]
			return nil, fmt.Errorf("disclosure: table %s: no complement left to protect cell %v", t.Name, t.Cells[p].Key)
		}
		pt.hidden[c] = true
		added = append(added, c)
	}
}

// deficit returns the first table in which cell p's interval falls short of
// ±p% of its value and by how much, or -1 when every table protects it.
func (pt *pattern) deficit(p int, known []bool, r Rules) (int, float64, error) {
	for ti, t := range pt.tables {
		v := t.Cells[p].Value
		want := r.PPercent / 100 * math.Abs(v)
		lo, hi, err := pt.interval(p, ti, known)
		if err != nil {
			return 0, 0, err
		}
		slack := 1e-9 * pt.scale[ti]
		short := max(v+want-hi, lo-(v-want))
		if short > slack {
			return ti, short, nil
		}
	}
	return -1, 0, nil
}

// choose returns the complement to add for cell p, or -1 when none is left.
// A relation in which a single cell is unknown gives that cell away, so the
// complement comes from such a relation when there is one, preferring a cell
// that is not a total, then one that closes most such relations at once, then
// the smallest. Otherwise the interval is too narrow because the complements
// are too small: it takes a published cell of the relations the attacker uses,
// not a total if possible, the smallest that covers the shortfall, else the
// largest.
func (pt *pattern) choose(p, ti int, need float64, known []bool) int {
	t := pt.tables[ti]
	cells, rels := pt.component(p, known)
	inComp := map[int]bool{}
	for _, c := range cells {
		inComp[c] = true
	}
	leaks := map[int]int{} // published cell -> relations with one unknown cell it would close
	cands := map[int]bool{}
	for _, ri := range rels {
		rel := t.Relations[ri]
		members := append([]int{rel.Total}, rel.Parts...)
		unknown := 0
		for _, c := range members {
			if inComp[c] {
				unknown++
			}
		}
		for _, c := range members {
			if !pt.hidden[c] {
				cands[c] = true
				if unknown == 1 {
					leaks[c]++
				}
			}
		}
	}
	best := -1
	better := func(a, b int) bool { // is a a better complement than b?
		if pt.isTotal[a] != pt.isTotal[b] {
			return !pt.isTotal[a]
		}
		va, vb := math.Abs(t.Cells[a].Value), math.Abs(t.Cells[b].Value)
		if len(leaks) > 0 {
			if leaks[a] != leaks[b] {
				return leaks[a] > leaks[b]
			}
		} else if ea, eb := va >= need, vb >= need; ea != eb {
			return ea
		} else if !ea && va != vb {
			return va > vb
		}
		if va != vb {
			return va < vb
		}
		return a < b
	}
	for c := range cands {
		if len(leaks) > 0 && leaks[c] == 0 {
			continue
		}
		if best < 0 || better(c, best) {
			best = c
		}
	}
	return best
}
