package ictstat

import (
	"encoding/json"
	"time"
)

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

// CommonFlags are the flags objects nearly every record sends, spelled as
// our feed and its simulator spell them; the bits of an object's index are
// its ai (1) and startup (2) flags. Decoding and validation take these
// spellings without parsing them.
var CommonFlags = [...]string{`{"ai":false,"startup":false}`, `{"ai":true,"startup":false}`,
	`{"ai":false,"startup":true}`, `{"ai":true,"startup":true}`}

// ExportRecord is one exports[] entry as received.
type ExportRecord struct {
	Country string   `json:"country"`
	EBOPS   string   `json:"ebops"`
	Amount  *float64 `json:"amount"`
}

// JobRun is one run of a scheduled or manual job: a row of job_runs.
type JobRun struct {
	Job             string    `json:"job"`
	Source          string    `json:"source"`
	Trigger         string    `json:"trigger"` // schedule, catch-up, manual
	StartedAt       time.Time `json:"started_at"`
	EndedAt         time.Time `json:"ended_at"`
	Status          string    `json:"status"` // ok, failed, cancelled
	Attempts        int       `json:"attempts"`
	RowsRead        int64     `json:"rows_read"`
	RowsCommitted   int64     `json:"rows_committed"`
	RowsQuarantined int64     `json:"rows_quarantined"`
	Snapshot        int64     `json:"snapshot"` // snapshot after the run
	Error           string    `json:"error,omitempty"`

	// What the scheduler expected of the job when the run ended, so that
	// freshness can be judged from the log alone (analytic data_quality).
	// Empty for a run outside the scheduler (ictstat ingest).
	Schedule  string    `json:"schedule,omitempty"`   // the job's schedule as configured, e.g. "@every 15m" or "0 6 * * *"
	NextDue   time.Time `json:"next_due,omitzero"`    // when the schedule runs the job next after this run
	IntervalS int64     `json:"interval_s,omitempty"` // seconds from NextDue to the due time after it: the schedule's period there
}
