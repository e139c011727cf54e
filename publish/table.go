package publish

import (
	"sort"

	"github.com/npit-mn/ictstat/disclosure"
)

// Text is a label in the two languages of a release.
type Text struct {
	EN string `json:"en"`
	MN string `json:"mn"`
}

// In returns the text in lang ("mn" or anything else for English).
func (t Text) In(lang string) string {
	if lang == "mn" && t.MN != "" {
		return t.MN
	}
	return t.EN
}

// Code is one category of a dimension.
type Code struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
}

// Dim is a dimension of a release table. The first dimension of every table
// is the period.
type Dim struct {
	Name  string `json:"name"`
	Title Text   `json:"title"`
	Codes []Code `json:"codes"` // in publication order
}

// Measure is one measured quantity of a table.
type Measure struct {
	ID       string `json:"id"`
	Title    Text   `json:"title"`
	Unit     string `json:"unit"` // e.g. "million MNT", "persons", "percent"
	Decimals int    `json:"decimals"`
}

// Obs is one published cell: a value with its status. A suppressed cell
// (status C or D) keeps its value here for the audit and the revisions, but
// no artifact writes it.
type Obs struct {
	Key     []string          // one code per dimension
	Measure string            // Measure.ID
	Value   float64           // meaningful unless Missing
	Missing bool              // no value (nothing to measure, or not published by the source)
	Status  disclosure.Status // C, D, P, E or normal
}

// Published reports whether the value may be printed.
func (o Obs) Published() bool {
	return !o.Missing && o.Status != disclosure.Confidential && o.Status != disclosure.Secondary
}

// Table is one release table: dimensions, measures and cells.
type Table struct {
	Name     string    `json:"name"`
	Title    Text      `json:"title"`
	Source   Text      `json:"source"`
	Dims     []Dim     `json:"dims"`
	Measures []Measure `json:"measures"`
	Obs      []Obs     `json:"-"`
	// Audit lists the cells disclosure control suppressed (admin only).
	Audit []AuditEntry `json:"-"`
	// Protected are the disclosure-control tables behind the cells, as
	// protected, with every cell's true value (admin only): for the audit
	// and for attacking the published pattern in tests.
	Protected []*disclosure.Table `json:"-"`
}

// AuditEntry is one suppressed cell of a table, for the administrator's
// audit file.
type AuditEntry struct {
	Key      []string   `json:"key"`
	Measures []string   `json:"measures"`
	Status   string     `json:"status"`
	Rule     string     `json:"rule"`
	Value    float64    `json:"value"`
	Protects [][]string `json:"protects,omitempty"`
}

// measure returns the measure with id.
func (t *Table) measure(id string) Measure {
	for _, m := range t.Measures {
		if m.ID == id {
			return m
		}
	}
	return Measure{ID: id}
}

// label returns the label of code in dimension d.
func (t *Table) label(d int, code string) Text {
	for _, c := range t.Dims[d].Codes {
		if c.ID == code {
			return c.Label
		}
	}
	return Text{EN: code, MN: code}
}

func obsKey(key []string, measure string) string {
	s := measure
	for _, k := range key {
		s += "\x1f" + k
	}
	return s
}

// sortObs orders the cells by dimension codes (in the order of each
// dimension's Codes) then by measure, so every artifact lists them alike.
func (t *Table) sortObs() {
	pos := make([]map[string]int, len(t.Dims))
	for d, dim := range t.Dims {
		pos[d] = map[string]int{}
		for i, c := range dim.Codes {
			pos[d][c.ID] = i
		}
	}
	mpos := map[string]int{}
	for i, m := range t.Measures {
		mpos[m.ID] = i
	}
	sort.SliceStable(t.Obs, func(i, j int) bool {
		a, b := t.Obs[i], t.Obs[j]
		for d := range a.Key {
			if pa, pb := pos[d][a.Key[d]], pos[d][b.Key[d]]; pa != pb {
				return pa < pb
			}
		}
		return mpos[a.Measure] < mpos[b.Measure]
	})
}
