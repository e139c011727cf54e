package warehouse

import (
	"context"

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

// ActiveCompaniesByDivision counts the companies of the companies table
// registered on or before day at and not deregistered by then, by ISIC
// division (the first two digits of isic4), as the transaction sees them.
func (tx *Tx) ActiveCompaniesByDivision(at ictstat.Date) (map[string]int64, error) {
	cs, err := ReadTable[ictstat.Company](tx, TableCompanies)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, c := range cs {
		if c.RegisteredOn > at || c.DeregisteredOn != nil && *c.DeregisteredOn <= at || len(c.ISIC4) < 2 {
			continue
		}
		out[c.ISIC4[:2]]++
	}
	return out, nil
}
