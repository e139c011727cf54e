package disclosure

import (
	"fmt"
	"math"
	"slices"
)

// Suppression is one withheld cell, for the release's audit.
type Suppression struct {
	Cell     int    // index into Table.Cells
	Rule     string // the rule that fired (the Rule* names)
	Protects []int  // for a secondary cell: the confidential cells it protects
}

// Protect applies primary then secondary suppression in place and returns the
// suppressed cells for the audit, in cell order. After Protect, every
// confidential cell's feasible interval (its minimum and maximum over all
// tables consistent with the published cells and the relations, each cell at
// least min(0, 2*value)) covers at least ±p% of its value, also for an
// attacker who is the single company of another suppressed cell and so knows
// that cell exactly. A cell the caller marked Confidential beforehand stays
// confidential. The same input gives the same pattern.
func Protect(t *Table, r Rules) ([]Suppression, error) {
	audits, err := ProtectLinked([]*Table{t}, r)
	if err != nil {
		return nil, err
	}
	return audits[0], nil
}

// ProtectLinked protects several measures of the same cells (employees,
// revenue, value added, wages of one table): a cell confidential in one
// measure is confidential in all, and secondary suppression protects every
// measure with one common pattern. The tables must have the same keys in the
// same order and the same relations, as Builders fed the same rows give.
// It returns one audit per table.
func ProtectLinked(tables []*Table, r Rules) ([][]Suppression, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return nil, nil
	}
	for _, t := range tables {
		if err := t.check(); err != nil {
			return nil, err
		}
	}
	first := tables[0]
	for _, t := range tables[1:] {
		if err := sameShape(first, t); err != nil {
			return nil, err
		}
	}
	n := len(first.Cells)
	rules := make([]string, n) // the primary rule of each cell, from the first measure that fires
	for _, t := range tables {
		for i := range t.Cells {
			if rules[i] != "" {
				continue
			}
			if t.Cells[i].Status == Confidential {
				rules[i] = t.Cells[i].Rule
				if rules[i] == "" {
					rules[i] = "manual"
				}
				continue
			}
			rules[i] = primary(t.Kind, t.Cells[i], r)
		}
	}
	for _, t := range tables {
		for i := range t.Cells {
			c := &t.Cells[i]
			c.Protects = nil
			switch {
			case rules[i] == "":
				if c.Status.Suppressed() {
					c.Status, c.Rule = Normal, ""
				}
			case c.Status == Confidential:
				// keep the caller's or this measure's rule
			default:
				rule := primary(t.Kind, *c, r)
				if rule == "" {
					rule = RuleLinked
				}
				c.Status, c.Rule = Confidential, rule
			}
		}
	}
	secondary, err := complete(tables, r)
	if err != nil {
		return nil, err
	}
	audits := make([][]Suppression, len(tables))
	for ti, t := range tables {
		for i := range t.Cells {
			c := &t.Cells[i]
			if ps, ok := secondary[i]; ok {
				c.Status, c.Rule, c.Protects = Secondary, RuleSecondary, ps
			}
			if c.Status.Suppressed() {
				audits[ti] = append(audits[ti], Suppression{Cell: i, Rule: c.Rule, Protects: slices.Clone(c.Protects)})
			}
		}
	}
	return audits, nil
}

// primary returns the primary rule a cell fails, or "" when it may be
// published. An empty cell (no contributors, value 0) is never confidential.
func primary(kind Kind, c Cell, r Rules) string {
	switch kind {
	case Count:
		if c.Value > 0 && c.Value < float64(r.MinFrequency) {
			return RuleFrequency
		}
		return ""
	case Survey:
		if c.Companies > 0 && c.Companies < r.SurveyMinN {
			return RuleSurveyMinN
		}
		return ""
	}
	if c.Companies == 0 {
		return ""
	}
	if c.Companies < r.MinCompanies {
		return RuleMinCompanies
	}
	// The rules below judge the cell's size by its value; a cell whose
	// contributions cancel out to nothing or less hides nobody's share.
	x := c.Value
	if x <= 0 {
		return ""
	}
	top := c.Top[0]
	if r.DominanceN == 2 {
		top += c.Top[1]
	}
	if top > r.DominanceK/100*x {
		return RuleDominance
	}
	// p%: the second largest contributor can estimate the largest from the
	// total minus its own contribution; the rest must exceed p% of the largest.
	if x-c.Top[0]-c.Top[1] < r.PPercent/100*c.Top[0] {
		return RulePPercent
	}
	return ""
}

// check refuses a table whose structure is not usable.
func (t *Table) check() error {
	for i, c := range t.Cells {
		if len(c.Key) != len(t.Dims) {
			return fmt.Errorf("disclosure: table %s: cell %d has %d codes for %d dimensions", t.Name, i, len(c.Key), len(t.Dims))
		}
		if math.IsNaN(c.Value) || math.IsInf(c.Value, 0) {
			return fmt.Errorf("disclosure: table %s: cell %v has value %v", t.Name, c.Key, c.Value)
		}
	}
	for _, rel := range t.Relations {
		idx := append([]int{rel.Total}, rel.Parts...)
		for _, i := range idx {
			if i < 0 || i >= len(t.Cells) {
				return fmt.Errorf("disclosure: table %s: relation refers to cell %d of %d", t.Name, i, len(t.Cells))
			}
		}
		sum, scale := 0.0, math.Abs(t.Cells[rel.Total].Value)
		for _, i := range rel.Parts {
			sum += t.Cells[i].Value
			scale = max(scale, math.Abs(t.Cells[i].Value))
		}
		if math.Abs(sum-t.Cells[rel.Total].Value) > 1e-9*max(scale, 1)*float64(len(idx)) {
			return fmt.Errorf("disclosure: table %s: cell %v is %v but its parts sum to %v", t.Name, t.Cells[rel.Total].Key, t.Cells[rel.Total].Value, sum)
		}
	}
	return nil
}

// sameShape refuses linked tables whose cells or relations differ.
func sameShape(a, b *Table) error {
	if len(a.Cells) != len(b.Cells) || len(a.Relations) != len(b.Relations) {
		return fmt.Errorf("disclosure: linked tables %s and %s have different cells", a.Name, b.Name)
	}
	for i := range a.Cells {
		if !slices.Equal(a.Cells[i].Key, b.Cells[i].Key) {
			return fmt.Errorf("disclosure: linked tables %s and %s differ at cell %v", a.Name, b.Name, a.Cells[i].Key)
		}
	}
	for i := range a.Relations {
		if a.Relations[i].Total != b.Relations[i].Total || !slices.Equal(a.Relations[i].Parts, b.Relations[i].Parts) {
			return fmt.Errorf("disclosure: linked tables %s and %s have different relations", a.Name, b.Name)
		}
	}
	return nil
}
