package warehouse

import (
	"sort"

	"github.com/npit-mn/ictstat"
)

// MergeFXRates adds rates to fx_rates: a rate for a day and currency already
// held replaces it (official rates are sometimes corrected). It stages a new
// table file only when something changed and returns how many rates were
// new or different.
func (tx *Tx) MergeFXRates(rates []ictstat.FXRate) (int, error) {
	current, err := readParquet[ictstat.FXRate](tx.w.root, tx.readable(tx.Files(TableFXRates, "")))
	if err != nil {
		return 0, err
	}
	type key struct {
		d ictstat.Date
		c string
	}
	byKey := make(map[key]float64, len(current)+len(rates))
	for _, r := range current {
		byKey[key{r.Date, r.Currency}] = r.MNTPerUnit
	}
	changed := 0
	for _, r := range rates {
		k := key{r.Date, r.Currency}
		if v, ok := byKey[k]; !ok || v != r.MNTPerUnit {
			changed++
		}
		byKey[k] = r.MNTPerUnit
	}
	if changed == 0 {
		return 0, nil
	}
	all := make([]ictstat.FXRate, 0, len(byKey))
	for k, v := range byKey {
		all = append(all, ictstat.FXRate{Date: k.d, Currency: k.c, MNTPerUnit: v})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Currency != all[j].Currency {
			return all[i].Currency < all[j].Currency
		}
		return all[i].Date < all[j].Date
	})
	tx.DropPartition(TableFXRates, "")
	_, err = stageRows(tx, TableFXRates, "", all)
	return changed, err
}
