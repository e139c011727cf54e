package transform

import "github.com/npit-mn/ictstat"

// ResolveRevisions is the rule that decides which revision of a filing is
// current, written once for every path that stores filings. held maps the
// filing_id of each filing already stored to its current revision;
// incoming are new records in input order. A record is a new revision when
// its revision is higher than every revision of its filing held or met
// before it in the input; a lower or equal one changes nothing (of two
// equal ones the first wins). It returns the indexes in incoming of the new
// revisions, in input order, and for each of them whether it is current:
// the last new revision of its filing.
func ResolveRevisions(held map[string]int32, incoming []ictstat.Filing) (accepted []int, current []bool) {
	type newest struct {
		rev int32
		at  int // index in accepted, -1 when the newest is a held revision
	}
	seen := make(map[string]newest, len(incoming))
	for i := range incoming {
		f := &incoming[i]
		n, ok := seen[f.FilingID]
		if !ok {
			n.at = -1
			if rev, isHeld := held[f.FilingID]; isHeld {
				n.rev = rev
			} else {
				n.rev = -1 << 31
			}
		}
		if f.Revision <= n.rev {
			continue
		}
		if n.at >= 0 {
			current[n.at] = false
		}
		seen[f.FilingID] = newest{rev: f.Revision, at: len(accepted)}
		accepted = append(accepted, i)
		current = append(current, true)
	}
	return accepted, current
}
