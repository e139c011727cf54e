package simulate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// This file is an independent checker of the filings contract, written
// against the contract text with encoding/json rather than with the code
// under test, so that the two can disagree.

// Reasons the checker gives, one per contract rule; they match the invalid
// kinds of WriteNDJSON.
var kindReason = map[string]string{
	KindNotJSON:        "json",
	KindMissingField:   "missing",
	KindBadType:        "type",
	KindBadRegistryNo:  "registry_no",
	KindBadISIC:        "isic4",
	KindBadPeriod:      "period",
	KindFuturePeriod:   "future_period",
	KindNegativeAmount: "negative",
	KindBadCurrency:    "currency",
	KindBadCountry:     "country",
}

type checkExport struct {
	Country *string         `json:"country"`
	EBOPS   *string         `json:"ebops"`
	Amount  json.RawMessage `json:"amount"`
}

type checkRecord struct {
	FilingID                *string         `json:"filing_id"`
	Revision                json.RawMessage `json:"revision"`
	RegistryNo              *string         `json:"registry_no"`
	CompanyName             *string         `json:"company_name"`
	ISIC4                   *string         `json:"isic4"`
	Zone                    *string         `json:"zone"`
	Period                  *string         `json:"period"`
	SubmittedAt             *string         `json:"submitted_at"`
	Currency                *string         `json:"currency"`
	Revenue                 json.RawMessage `json:"revenue"`
	IntermediateConsumption json.RawMessage `json:"intermediate_consumption"`
	Wages                   json.RawMessage `json:"wages"`
	Employees               json.RawMessage `json:"employees"`
	RnDExpense              json.RawMessage `json:"rnd_expense"`
	Exports                 *[]checkExport  `json:"exports"`
	Flags                   *struct {
		AI      *bool `json:"ai"`
		Startup *bool `json:"startup"`
	} `json:"flags"`
	Programs *[]string `json:"programs"`
}

// checked is a record that passed the checker, with its numbers parsed.
type checked struct {
	checkRecord
	revision  int
	amounts   map[string]float64 // revenue, intermediate_consumption, wages, rnd_expense
	employees int
	exports   []float64
	submitted time.Time
}

var (
	reRegistry = regexp.MustCompile(`^[0-9]{7}$`)
	reISIC     = regexp.MustCompile(`^[0-9]{4}$`)
	rePeriod   = regexp.MustCompile(`^([0-9]{4})-(0[1-9]|1[0-2])$`)
	reCountry  = regexp.MustCompile(`^[A-Z]{2}$`)
	reEBOPS    = regexp.MustCompile(`^S[A-L][0-9]{0,3}$`)
)

// checkLine validates one NDJSON line against the contract and returns the
// record, or the reason of the first rule it breaks.
func checkLine(line []byte) (*checked, string, error) {
	var r checked
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r.checkRecord); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, "type", err
		}
		return nil, "json", err
	}
	if dec.More() {
		return nil, "json", fmt.Errorf("trailing data")
	}
	if r.FilingID == nil || r.Revision == nil || r.RegistryNo == nil || r.CompanyName == nil || r.ISIC4 == nil ||
		r.Zone == nil || r.Period == nil || r.SubmittedAt == nil || r.Currency == nil || r.Revenue == nil ||
		r.IntermediateConsumption == nil || r.Wages == nil || r.Employees == nil || r.RnDExpense == nil ||
		r.Exports == nil || r.Flags == nil || r.Flags.AI == nil || r.Flags.Startup == nil {
		return nil, "missing", fmt.Errorf("a required field is missing")
	}
	num := func(raw json.RawMessage) (float64, error) {
		if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
			return 0, fmt.Errorf("not a number: %s", raw)
		}
		return strconv.ParseFloat(string(raw), 64)
	}
	rev, err := num(r.Revision)
	if err != nil || rev != math.Trunc(rev) || rev < 1 {
		return nil, "type", fmt.Errorf("revision %s", r.Revision)
	}
	r.revision = int(rev)
	r.amounts = map[string]float64{}
	for name, raw := range map[string]json.RawMessage{"revenue": r.Revenue, "intermediate_consumption": r.IntermediateConsumption,
		"wages": r.Wages, "rnd_expense": r.RnDExpense} {
		x, err := num(raw)
		if err != nil {
			return nil, "type", fmt.Errorf("%s: %w", name, err)
		}
		r.amounts[name] = x
	}
	emp, err := num(r.Employees)
	if err != nil || emp != math.Trunc(emp) {
		return nil, "type", fmt.Errorf("employees %s", r.Employees)
	}
	r.employees = int(emp)
	for i, e := range *r.Exports {
		if e.Country == nil || e.EBOPS == nil || e.Amount == nil {
			return nil, "missing", fmt.Errorf("exports[%d]: a field is missing", i)
		}
		x, err := num(e.Amount)
		if err != nil {
			return nil, "type", fmt.Errorf("exports[%d].amount: %w", i, err)
		}
		r.exports = append(r.exports, x)
	}

	if !reRegistry.MatchString(*r.RegistryNo) {
		return nil, "registry_no", fmt.Errorf("registry_no %q", *r.RegistryNo)
	}
	if !reISIC.MatchString(*r.ISIC4) {
		return nil, "isic4", fmt.Errorf("isic4 %q", *r.ISIC4)
	}
	pm := rePeriod.FindStringSubmatch(*r.Period)
	if pm == nil {
		return nil, "period", fmt.Errorf("period %q", *r.Period)
	}
	r.submitted, err = time.Parse(time.RFC3339, *r.SubmittedAt)
	if err != nil {
		return nil, "submitted_at", err
	}
	py, _ := strconv.Atoi(pm[1])
	pmo, _ := strconv.Atoi(pm[2])
	if sy, smo := r.submitted.Year(), int(r.submitted.Month()); py*12+pmo > sy*12+smo {
		return nil, "future_period", fmt.Errorf("period %s after submitted_at %s", *r.Period, *r.SubmittedAt)
	}
	if *r.Currency != "MNT" && *r.Currency != "USD" {
		return nil, "currency", fmt.Errorf("currency %q", *r.Currency)
	}
	for name, x := range r.amounts {
		if x < 0 || math.IsInf(x, 0) {
			return nil, "negative", fmt.Errorf("%s %v", name, x)
		}
	}
	for i, x := range r.exports {
		if x < 0 {
			return nil, "negative", fmt.Errorf("exports[%d].amount %v", i, x)
		}
	}
	for i, e := range *r.Exports {
		if !reCountry.MatchString(*e.Country) {
			return nil, "country", fmt.Errorf("exports[%d].country %q", i, *e.Country)
		}
		if !reEBOPS.MatchString(*e.EBOPS) {
			return nil, "ebops", fmt.Errorf("exports[%d].ebops %q", i, *e.EBOPS)
		}
	}
	if r.employees < 0 {
		return nil, "negative", fmt.Errorf("employees %d", r.employees)
	}
	if r.Programs != nil && len(*r.Programs) == 0 {
		return nil, "programs", fmt.Errorf("programs present but empty")
	}
	return &r, "", nil
}
