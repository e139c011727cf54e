package warehouse

import (
	"context"

	"github.com/npit-mn/ictstat"
)

// MergeNationalAccounts hands the rows of national_accounts to merge, a
// merge rule (see transform.MergeNationalAccounts wrapped by the caller),
// and appends the rows it returns: vintages are never rewritten.
func (tx *Tx) MergeNationalAccounts(ctx context.Context, merge func(held []ictstat.NationalAccount) []ictstat.NationalAccount) error {
	held, err := ReadTable[ictstat.NationalAccount](tx, TableNationalAccount)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return AppendRows(tx, TableNationalAccount, merge(held))
}
