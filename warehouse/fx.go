package warehouse

import (
	"context"

	"github.com/npit-mn/ictstat"
)

// MergeFXRates hands the rates of fx_rates to merge, a merge rule
// (transform.MergeFXRates), and stores the rates it returns as the whole
// table when it reports a change. It returns how many rates changed.
func (tx *Tx) MergeFXRates(ctx context.Context, rates []ictstat.FXRate, merge func(held, in []ictstat.FXRate) ([]ictstat.FXRate, int)) (int, error) {
	held, err := ReadTable[ictstat.FXRate](tx, TableFXRates)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	all, changed := merge(held, rates)
	if changed == 0 {
		return 0, nil
	}
	return changed, ReplaceTable(tx, TableFXRates, all)
}
