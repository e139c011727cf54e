package warehouse

import (
	"sort"

	"github.com/npit-mn/ictstat"
)

// NationalAccountsMerge reports what MergeNationalAccounts did.
type NationalAccountsMerge struct {
	Added     int // rows of new vintages appended
	Unchanged int // rows of vintages already held: nothing changed
	// Conflicts counts rows of a vintage already held whose value or
	// status differs from the stored one: the publisher changed data
	// without changing its `updated` time. History is kept as stored.
	Conflicts int
}

// naCell is the identity of a cell within one vintage of a table.
type naCell struct{ indicator, activity, period string }

// naKey is one vintage of one table.
type naKey struct {
	table   string
	vintage int64
}

// MergeNationalAccounts appends the vintages of rows that national_accounts
// does not hold yet, never touching stored vintages: a vintage is a table's
// rows with one Vintage time, and re-reading it changes nothing. When
// contentVintage is set (the publisher gave no `updated` time, so Vintage
// is the pull time) a vintage whose cells equal those of the table's latest
// stored vintage is taken as already held.
func (tx *Tx) MergeNationalAccounts(rows []ictstat.NationalAccount, contentVintage bool) (NationalAccountsMerge, error) {
	var res NationalAccountsMerge
	if len(rows) == 0 {
		return res, nil
	}
	current, err := ReadTable[ictstat.NationalAccount](tx, TableNationalAccount)
	if err != nil {
		return res, err
	}
	held := map[naKey][]ictstat.NationalAccount{}
	latest := map[string]int64{}
	for _, r := range current {
		k := naKey{r.TableID, r.Vintage}
		held[k] = append(held[k], r)
		if v, ok := latest[r.TableID]; !ok || r.Vintage > v {
			latest[r.TableID] = r.Vintage
		}
	}
	// A pull is one vintage of one table: keep its rows as they are rather
	// than copy them into groups.
	incoming := map[naKey][]ictstat.NationalAccount{}
	var order []naKey
	if first := (naKey{rows[0].TableID, rows[0].Vintage}); allOf(rows, first) {
		incoming[first], order = rows, []naKey{first}
	} else {
		for _, r := range rows {
			k := naKey{r.TableID, r.Vintage}
			if _, ok := incoming[k]; !ok {
				order = append(order, k)
			}
			incoming[k] = append(incoming[k], r)
		}
	}
	var add []ictstat.NationalAccount
	for _, k := range order {
		in := incoming[k]
		if stored, ok := held[k]; ok {
			res.Unchanged += len(in)
			res.Conflicts += naDiffer(stored, in)
			continue
		}
		if v, ok := latest[k.table]; ok && contentVintage {
			if stored := held[naKey{k.table, v}]; len(stored) == len(in) && naDiffer(stored, in) == 0 {
				res.Unchanged += len(in)
				continue
			}
		}
		res.Added += len(in)
		if len(order) == 1 {
			return res, AppendRows(tx, TableNationalAccount, in)
		}
		add = append(add, in...)
	}
	sort.SliceStable(add, func(i, j int) bool {
		a, b := &add[i], &add[j]
		if a.TableID != b.TableID {
			return a.TableID < b.TableID
		}
		return a.Vintage < b.Vintage
	})
	return res, AppendRows(tx, TableNationalAccount, add)
}

// allOf reports whether every row is of vintage k.
func allOf(rows []ictstat.NationalAccount, k naKey) bool {
	for i := range rows {
		if rows[i].TableID != k.table || rows[i].Vintage != k.vintage {
			return false
		}
	}
	return true
}

// naDiffer counts the incoming cells that are missing from stored or hold
// another value or status there.
func naDiffer(stored, in []ictstat.NationalAccount) int {
	type cell struct {
		v      *float64
		status string
	}
	m := make(map[naCell]cell, len(stored))
	for _, r := range stored {
		m[naCell{r.Indicator, r.Activity, r.Period}] = cell{r.Value, r.Status}
	}
	n := 0
	for _, r := range in {
		s, ok := m[naCell{r.Indicator, r.Activity, r.Period}]
		switch {
		case !ok, s.status != r.Status, (s.v == nil) != (r.Value == nil), s.v != nil && *s.v != *r.Value:
			n++
		}
	}
	return n
}
