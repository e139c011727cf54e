package warehouse

import (
	"context"

	"github.com/npit-mn/ictstat"
)

// MergeRegistrations appends the events registrations does not hold yet
// (an event is its registry number, kind and date: a repeated event changes
// nothing) and rebuilds companies from every event with derive. It returns
// how many events were new.
func (tx *Tx) MergeRegistrations(ctx context.Context, events []ictstat.Registration, derive func([]ictstat.Registration) []ictstat.Company) (int, error) {
	held, err := readParquet[ictstat.Registration](tx.w.root, tx.readable(tx.Files(TableRegistrations, "")))
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	type key struct {
		no, event string
		date      ictstat.Date
	}
	seen := make(map[key]bool, len(held)+len(events))
	for _, e := range held {
		seen[key{e.RegistryNo, e.Event, e.Date}] = true
	}
	var add []ictstat.Registration
	for _, e := range events {
		k := key{e.RegistryNo, e.Event, e.Date}
		if seen[k] {
			continue
		}
		seen[k] = true
		add = append(add, e)
	}
	if len(add) == 0 {
		return 0, nil
	}
	if _, err := stageRows(tx, TableRegistrations, "", add); err != nil {
		return 0, err
	}
	tx.DropPartition(TableCompanies, "")
	_, err = stageRows(tx, TableCompanies, "", derive(append(held, add...)))
	return len(add), err
}
