package transform

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/npit-mn/ictstat"
)

// ResolveFilings is the rule that decides what becomes of incoming filings,
// written once for every path that stores filings (bulk file, feed pull,
// quarantine replay). held are the current filings of the partition the
// incoming ones belong to: of each, at least filing_id, revision,
// registry_no and period; and in full, with Exports, each filing that an
// incoming record has at the same revision (the only ones whose content the
// rules compare). incoming are new records in input order.
//
// Each record is judged by FilingIndex.Check against what is held and what
// was accepted before it in the input: a new filing or a higher revision is
// accepted; a lower revision, or the same revision with the same content,
// changes nothing; the same revision with other content (a conflict) and a
// second filing_id for a company-month (a collision) are rejected, each
// with the reason naming the field and the filing it collides with.
//
// It returns the indexes in incoming of the accepted records, in input
// order; for each of them whether it is current (the last accepted
// revision of its filing); and the rejected records as quarantine rows.
// A rejected record's Raw is the record as validated, re-encoded in the
// filings contract's JSON (the merge no longer has the line as received).
func ResolveFilings(held, incoming []ictstat.Filing) (accepted []int, current []bool, rejected []ictstat.Quarantined) {
	x := NewFilingIndex()
	for i := range held {
		x.Hold(&held[i])
	}
	last := make(map[string]int, len(incoming)) // filing_id -> index in accepted
	for i := range incoming {
		f := &incoming[i]
		switch v, why := x.Check(f); v {
		case Accept:
			if k, ok := last[f.FilingID]; ok {
				current[k] = false
			}
			last[f.FilingID] = len(accepted)
			accepted = append(accepted, i)
			current = append(current, true)
		case Conflict, Collision:
			rejected = append(rejected, ictstat.Quarantined{Origin: f.Source, Line: f.SourceLine, Reason: why.Error(), Raw: FilingJSON(f)})
		}
	}
	return accepted, current, rejected
}

// filingJSON is a validated filing in the filings contract's JSON.
type filingJSON struct {
	FilingID                string          `json:"filing_id"`
	Revision                int32           `json:"revision"`
	RegistryNo              string          `json:"registry_no"`
	CompanyName             string          `json:"company_name"`
	ISIC4                   string          `json:"isic4"`
	Zone                    string          `json:"zone"`
	Period                  string          `json:"period"`
	SubmittedAt             string          `json:"submitted_at"`
	Currency                string          `json:"currency"`
	Revenue                 float64         `json:"revenue"`
	IntermediateConsumption float64         `json:"intermediate_consumption"`
	Wages                   *float64        `json:"wages,omitempty"`
	Employees               int32           `json:"employees"`
	RnDExpense              *float64        `json:"rnd_expense,omitempty"`
	Exports                 []exportJSON    `json:"exports"`
	Flags                   json.RawMessage `json:"flags,omitempty"`
	Programs                []string        `json:"programs,omitempty"`
}

type exportJSON struct {
	Country string  `json:"country"`
	EBOPS   string  `json:"ebops"`
	Amount  float64 `json:"amount"`
}

// FilingJSON encodes a validated filing as one line of the filings
// contract's JSON, so that a record rejected after validation can be
// quarantined, fixed and replayed like one rejected as received.
func FilingJSON(f *ictstat.Filing) string {
	y, m := f.Period.YearMonth()
	r := filingJSON{FilingID: f.FilingID, Revision: f.Revision, RegistryNo: f.RegistryNo, CompanyName: f.CompanyName,
		ISIC4: f.ISIC4, Zone: f.Zone, Period: fmt.Sprintf("%04d-%02d", y, m),
		SubmittedAt: time.UnixMicro(f.SubmittedAt).UTC().Format(time.RFC3339Nano), Currency: f.Currency,
		Revenue: f.Revenue, IntermediateConsumption: f.IntermediateConsumption, Wages: f.Wages,
		Employees: f.Employees, RnDExpense: f.RnDExpense, Exports: []exportJSON{}, Programs: f.Programs}
	if json.Valid([]byte(f.Flags)) {
		r.Flags = json.RawMessage(f.Flags)
	}
	for _, e := range f.Exports {
		r.Exports = append(r.Exports, exportJSON{Country: e.Country, EBOPS: e.EBOPS, Amount: e.Amount})
	}
	b, err := json.Marshal(r)
	if err != nil { // only non-finite numbers, which validation refuses
		return fmt.Sprintf(`{"filing_id":%q,"revision":%d}`, f.FilingID, f.Revision)
	}
	return string(b)
}
