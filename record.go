package ictstat

import "encoding/json"

// FilingRecord is a filing exactly as a source sent it, before validation.
// Numbers that the decoder did not see keep the sentinel values that
// NewFilingRecord sets (NaN, -1), so that a missing field can be told from a
// zero.
type FilingRecord struct {
	FilingID                string          `json:"filing_id"`
	Revision                int64           `json:"revision"`
	RegistryNo              string          `json:"registry_no"`
	CompanyName             string          `json:"company_name"`
	ISIC4                   string          `json:"isic4"`
	Zone                    string          `json:"zone"`
	Period                  string          `json:"period"`
	SubmittedAt             string          `json:"submitted_at"`
	Currency                string          `json:"currency"`
	Revenue                 float64         `json:"revenue"`
	IntermediateConsumption float64         `json:"intermediate_consumption"`
	Wages                   float64         `json:"wages"`
	Employees               int64           `json:"employees"`
	RnDExpense              float64         `json:"rnd_expense"`
	Exports                 []ExportRecord  `json:"exports"`
	Flags                   json.RawMessage `json:"flags"`
	Programs                []string        `json:"programs"`
}

// ExportRecord is one exports[] entry as received.
type ExportRecord struct {
	Country string   `json:"country"`
	EBOPS   string   `json:"ebops"`
	Amount  *float64 `json:"amount"`
}
