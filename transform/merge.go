package transform

import (
	"sort"

	"github.com/npit-mn/ictstat"
)

// The merge rules of the tables other than the filings ones: given a
// table's rows now and a pull's, what the table holds after the pull. The
// warehouse reads and stores; these decide.

// SurveyMerge counts what MergeSurveyResponses did, in responses.
type SurveyMerge struct {
	Added     int // responses new to the table
	Replaced  int // responses edited in Kobo (later or different): their rows replaced
	Unchanged int // responses held already, as they are, or a stale older copy
}

// MergeSurveyResponses is the merge rule of survey_responses: it returns
// the table's rows after rows are merged into current, its rows now, and
// what changed. A response is keyed by (wave, response_id): a response
// held with the same rows (the source column aside) changes nothing; one
// whose submission time is earlier than the held one's is stale and
// changes nothing; otherwise its rows replace the held ones. rows must
// hold each response's rows together. all is nil when nothing changed.
func MergeSurveyResponses(current, rows []ictstat.SurveyResponse) (all []ictstat.SurveyResponse, st SurveyMerge) {
	type key struct{ wave, id string }
	held := map[key][]ictstat.SurveyResponse{}
	var order []key
	for _, group := range responseGroups(current) {
		k := key{group[0].Wave, group[0].ResponseID}
		if _, ok := held[k]; !ok {
			order = append(order, k)
		}
		held[k] = group
	}
	changed := false
	for _, group := range responseGroups(rows) {
		k := key{group[0].Wave, group[0].ResponseID}
		old, ok := held[k]
		switch {
		case !ok:
			st.Added++
			order = append(order, k)
		case group[0].SubmittedAt < old[0].SubmittedAt || sameResponse(old, group):
			st.Unchanged++
			continue
		default:
			st.Replaced++
		}
		held[k] = group
		changed = true
	}
	if !changed {
		return nil, st
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].wave != order[j].wave {
			return order[i].wave < order[j].wave
		}
		return order[i].id < order[j].id
	})
	all = make([]ictstat.SurveyResponse, 0, len(current)+len(rows))
	for _, k := range order {
		all = append(all, held[k]...)
	}
	return all, st
}

// responseGroups splits rows into runs of one response each.
func responseGroups(rows []ictstat.SurveyResponse) [][]ictstat.SurveyResponse {
	var out [][]ictstat.SurveyResponse
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].Wave == rows[i].Wave && rows[j].ResponseID == rows[i].ResponseID {
			j++
		}
		out = append(out, rows[i:j])
		i = j
	}
	return out
}

// sameResponse reports whether two responses hold the same rows, the
// source (which file or URL brought them) aside.
func sameResponse(a, b []ictstat.SurveyResponse) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if (x.Value == nil) != (y.Value == nil) || x.Value != nil && *x.Value != *y.Value {
			return false
		}
		x.Value, y.Value, x.Source, y.Source = nil, nil, "", ""
		if x != y {
			return false
		}
	}
	return true
}

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

// MergeNationalAccounts is the merge rule of national_accounts, whose rows
// now are current: it returns the rows of the vintages of rows that the
// table does not hold yet, to append, never touching stored vintages: a
// vintage is a table's rows with one Vintage time, and re-reading it
// changes nothing. When contentVintage is set (the publisher gave no
// `updated` time, so Vintage is the pull time) a vintage whose cells equal
// those of the table's latest stored vintage is taken as already held.
func MergeNationalAccounts(current, rows []ictstat.NationalAccount, contentVintage bool) (add []ictstat.NationalAccount, res NationalAccountsMerge) {
	if len(rows) == 0 {
		return nil, res
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
			return in, res
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
	return add, res
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

// MergeFXRates is the merge rule of fx_rates, whose rates now are
// current: a rate for a day and currency already held replaces it (official
// rates are sometimes corrected). It returns the table's rates after the
// merge, sorted by currency and day, and how many rates were new or
// different; all is nil when none was.
func MergeFXRates(current, rates []ictstat.FXRate) (all []ictstat.FXRate, changed int) {
	type key struct {
		d ictstat.Date
		c string
	}
	byKey := make(map[key]float64, len(current)+len(rates))
	for _, r := range current {
		byKey[key{r.Date, r.Currency}] = r.MNTPerUnit
	}
	for _, r := range rates {
		k := key{r.Date, r.Currency}
		if v, ok := byKey[k]; !ok || v != r.MNTPerUnit {
			changed++
		}
		byKey[k] = r.MNTPerUnit
	}
	if changed == 0 {
		return nil, 0
	}
	all = make([]ictstat.FXRate, 0, len(byKey))
	for k, v := range byKey {
		all = append(all, ictstat.FXRate{Date: k.d, Currency: k.c, MNTPerUnit: v})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Currency != all[j].Currency {
			return all[i].Currency < all[j].Currency
		}
		return all[i].Date < all[j].Date
	})
	return all, changed
}
