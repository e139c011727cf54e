package warehouse

import (
	"context"
	"slices"
	"sort"

	"github.com/npit-mn/ictstat"
)

// MergeSurveyResponses hands the rows of survey_responses to merge, a
// merge rule (see transform.MergeSurveyResponses wrapped by the caller),
// and stores the rows it returns as the whole table; nil stores nothing.
func (tx *Tx) MergeSurveyResponses(ctx context.Context, merge func(held []ictstat.SurveyResponse) []ictstat.SurveyResponse) error {
	held, err := ReadTable[ictstat.SurveyResponse](tx, TableSurveyResponses)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if all := merge(held); all != nil {
		return ReplaceTable(tx, TableSurveyResponses, all)
	}
	return nil
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
