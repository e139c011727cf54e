package warehouse

import (
	"slices"
	"sort"

	"github.com/npit-mn/ictstat"
)

// SurveyMerge counts what MergeSurveyResponses did, in responses.
type SurveyMerge struct {
	Added     int // responses new to the table
	Replaced  int // responses edited in Kobo (later or different): their rows replaced
	Unchanged int // responses held already, as they are, or a stale older copy
}

// MergeSurveyResponses merges rows into survey_responses. A response is
// keyed by (wave, response_id): a response held with the same rows (the
// source column aside) changes nothing; one whose submission time is
// earlier than the held one's is stale and changes nothing; otherwise its
// rows replace the held ones. rows must hold each response's rows
// together. It stages a new table file only when something changed.
func (tx *Tx) MergeSurveyResponses(rows []ictstat.SurveyResponse) (SurveyMerge, error) {
	var st SurveyMerge
	current, err := ReadTable[ictstat.SurveyResponse](tx, TableSurveyResponses)
	if err != nil {
		return st, err
	}
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
		return st, nil
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].wave != order[j].wave {
			return order[i].wave < order[j].wave
		}
		return order[i].id < order[j].id
	})
	all := make([]ictstat.SurveyResponse, 0, len(current)+len(rows))
	for _, k := range order {
		all = append(all, held[k]...)
	}
	return st, ReplaceTable(tx, TableSurveyResponses, all)
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

// ReplaceSurveyStrata makes rows the strata of wave in survey_strata,
// keeping the other waves' strata. It stages a new table file only when
// the wave's strata changed, and reports whether they did.
func (tx *Tx) ReplaceSurveyStrata(wave string, rows []ictstat.SurveyStratum) (bool, error) {
	current, err := ReadTable[ictstat.SurveyStratum](tx, TableSurveyStrata)
	if err != nil {
		return false, err
	}
	var kept, old []ictstat.SurveyStratum
	for _, r := range current {
		if r.Wave == wave {
			old = append(old, r)
		} else {
			kept = append(kept, r)
		}
	}
	if slices.Equal(old, rows) {
		return false, nil
	}
	all := append(kept, rows...)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Wave != all[j].Wave {
			return all[i].Wave < all[j].Wave
		}
		return all[i].Stratum < all[j].Stratum
	})
	return true, ReplaceTable(tx, TableSurveyStrata, all)
}
