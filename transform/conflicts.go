package transform

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"github.com/npit-mn/ictstat"
)

// Verdict is what the filings rules decide about one incoming filing
// against the filings already held.
type Verdict uint8

// The verdicts of FilingIndex.Check.
const (
	// Accept: a new filing, or a higher revision of one held; it becomes
	// the current revision.
	Accept Verdict = iota
	// Unchanged: a lower revision than the one held, or the same revision
	// with the same content sent again; it changes nothing (the contract's
	// "a lower or equal revision that arrives later changes nothing").
	Unchanged
	// Conflict: the same filing_id and revision as one held, with other
	// content; quarantined, since which of the two is right is unknown.
	Conflict
	// Collision: a second filing_id for a company-month that another
	// filing already holds; quarantined, naming that filing.
	Collision
)

// companyMonth is the key of the one-filing-per-company-month rule.
type companyMonth struct {
	registryNo string
	period     ictstat.Date
}

// heldFiling is what the index keeps of the current revision of a filing.
type heldFiling struct {
	rev    int32
	digest uint64
	key    companyMonth
}

// FilingIndex holds, for the filings of the affected company-months, the
// current revision of each filing_id with a digest of its content, and the
// filing_id that holds each company-month. A merge fills it with Hold from
// the warehouse's current filings of the partitions a batch touches, then
// calls Check for each incoming filing in input order; Check records what
// it accepts, so later rows of the same batch are judged against earlier
// ones. About 100 bytes a filing: a lifetime's 360,000 filings fit in
// 40 MB. Not safe for concurrent use.
type FilingIndex struct {
	seed    maphash.Seed
	byID    map[string]heldFiling
	byMonth map[companyMonth]string
}

// NewFilingIndex returns an empty index.
func NewFilingIndex() *FilingIndex {
	return &FilingIndex{seed: maphash.MakeSeed(), byID: map[string]heldFiling{}, byMonth: map[companyMonth]string{}}
}

// Hold records f, with its Exports, as the current revision of a filing
// already in the warehouse.
func (x *FilingIndex) Hold(f *ictstat.Filing) {
	x.put(f, x.digest(f))
}

func (x *FilingIndex) put(f *ictstat.Filing, d uint64) {
	key := companyMonth{f.RegistryNo, f.Period}
	if old, ok := x.byID[f.FilingID]; ok && old.key != key && x.byMonth[old.key] == f.FilingID {
		delete(x.byMonth, old.key) // a revision that corrects the company or month frees the old one
	}
	x.byID[f.FilingID] = heldFiling{rev: f.Revision, digest: d, key: key}
	x.byMonth[key] = f.FilingID
}

// Check decides about incoming filing f, with its Exports, and records it
// when it is accepted. For a Conflict or a Collision the error names the
// field and what to do, as the quarantine's reason.
//
// The rules, in order: a filing_id held at a higher revision, or at the
// same revision with the same content, is Unchanged; at the same revision
// with other content it is a Conflict; otherwise a company-month (registry
// number and period) held by another filing_id is a Collision, so that one
// company files one filing a month and amends it by revision; otherwise it
// is accepted. The content compared is what the company reported: every
// field but submitted_at (and what is derived from the rest).
func (x *FilingIndex) Check(f *ictstat.Filing) (Verdict, *ictstat.InputError) {
	d := x.digest(f)
	if h, ok := x.byID[f.FilingID]; ok {
		switch {
		case f.Revision < h.rev:
			return Unchanged, nil
		case f.Revision == h.rev && d == h.digest:
			return Unchanged, nil
		case f.Revision == h.rev:
			return Conflict, bad("revision", "conflict: filing %s revision %d was already received with other content; send the correction as revision %d", f.FilingID, f.Revision, h.rev+1)
		}
	}
	key := companyMonth{f.RegistryNo, f.Period}
	if holder, ok := x.byMonth[key]; ok && holder != f.FilingID {
		y, m := f.Period.YearMonth()
		return Collision, bad("filing_id", "company %s already has filing %s for %04d-%02d (one filing per company and month): amend %s with a higher revision instead of sending %s",
			f.RegistryNo, holder, y, m, holder, f.FilingID)
	}
	x.put(f, d)
	return Accept, nil
}

// digest hashes the content of f that its sender reported, exports in any
// order.
func (x *FilingIndex) digest(f *ictstat.Filing) uint64 {
	var h maphash.Hash
	h.SetSeed(x.seed)
	str := func(s string) { h.WriteString(s); h.WriteByte(0) }
	num := func(v float64) { h.WriteString(fmt.Sprint(math.Float64bits(v))); h.WriteByte(0) }
	opt := func(p *float64) {
		if p == nil {
			str("-")
			return
		}
		num(*p)
	}
	str(f.RegistryNo)
	str(f.CompanyName)
	str(f.ISIC4)
	str(f.Zone)
	str(fmt.Sprint(int32(f.Period)))
	str(f.Currency)
	num(f.Revenue)
	num(f.IntermediateConsumption)
	opt(f.Wages)
	opt(f.RnDExpense)
	str(fmt.Sprint(f.Employees))
	str(f.Flags)
	str(strings.Join(f.Programs, "\x00"))
	lines := make([]string, len(f.Exports))
	for i, e := range f.Exports {
		lines[i] = fmt.Sprintf("%s|%s|%x", e.Country, e.EBOPS, math.Float64bits(e.Amount))
	}
	slices.Sort(lines)
	str(strings.Join(lines, ";"))
	return h.Sum64()
}
