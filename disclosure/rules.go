// Package disclosure applies statistical disclosure control to the tables of a
// release: primary suppression of confidential cells (too few companies, one or
// two companies dominating, the p% rule, small counts, small survey samples) and
// secondary suppression of complementary cells so that no confidential cell can
// be recomputed, to within p percent, from what the same table publishes with
// its margins. It is pure: no I/O, no logging.
package disclosure

import (
	"fmt"
	"math"
)

// Rules are the primary suppression rules; the zero value is not valid, use
// DefaultRules.
type Rules struct {
	MinCompanies int     // a magnitude cell with fewer contributing companies is confidential (default 3)
	DominanceN   int     // (n,k) dominance: the n largest contributors (1 or 2; default 2)...
	DominanceK   float64 // ...hold more than k percent of the cell total (default 85)
	PPercent     float64 // p% rule (default 10); also the protection interval secondary suppression must give, in percent of the cell's value
	MinFrequency int     // a count cell below this (and above 0) is confidential (default 3)
	SurveyMinN   int     // survey cells: respondents below this are suppressed (default 10; the public can never lower it)
}

// DefaultRules returns the rules a statistics office applies by default:
// 3 companies, (2, 85) dominance, p = 10, frequency 3, survey minimum 10.
func DefaultRules() Rules {
	return Rules{MinCompanies: 3, DominanceN: 2, DominanceK: 85, PPercent: 10, MinFrequency: 3, SurveyMinN: 10}
}

// Validate reports the first bad rule, naming its configuration key
// (disclosure.min_companies, disclosure.dominance_n, disclosure.dominance_k,
// disclosure.p_percent, disclosure.min_frequency, disclosure.survey_min_n).
func (r Rules) Validate() error {
	switch {
	case r.MinCompanies < 1:
		return fmt.Errorf("disclosure.min_companies: %d must be at least 1", r.MinCompanies)
	case r.DominanceN < 1 || r.DominanceN > 2:
		return fmt.Errorf("disclosure.dominance_n: %d must be 1 or 2 (the two largest contributions are kept)", r.DominanceN)
	case math.IsNaN(r.DominanceK) || r.DominanceK <= 0 || r.DominanceK > 100:
		return fmt.Errorf("disclosure.dominance_k: %v is outside 0..100 (0 excluded)", r.DominanceK)
	case math.IsNaN(r.PPercent) || r.PPercent <= 0 || r.PPercent > 100:
		return fmt.Errorf("disclosure.p_percent: %v is outside 0..100 (0 excluded)", r.PPercent)
	case r.MinFrequency < 1:
		return fmt.Errorf("disclosure.min_frequency: %d must be at least 1", r.MinFrequency)
	case r.SurveyMinN < 1:
		return fmt.Errorf("disclosure.survey_min_n: %d must be at least 1", r.SurveyMinN)
	}
	return nil
}

// WithSurveyMinN returns r with the survey minimum raised to n when n is larger:
// a request's min_n can tighten the floor but never lower it.
func (r Rules) WithSurveyMinN(n int) Rules {
	if n > r.SurveyMinN {
		r.SurveyMinN = n
	}
	return r
}

// Status of a published cell, as printed in a release's status column and in
// SDMX's OBS_STATUS and CONF_STATUS.
type Status string

// The statuses of a cell. Protect sets Confidential and Secondary; the caller
// sets Provisional and Estimate, which are published values.
const (
	Normal       Status = ""  // a normal, published value
	Confidential Status = "C" // suppressed by a primary rule
	Secondary    Status = "D" // suppressed to protect a confidential cell
	Provisional  Status = "P" // published, to be revised
	Estimate     Status = "E" // published estimate or nowcast
)

// Suppressed reports whether a cell with this status is withheld.
func (s Status) Suppressed() bool { return s == Confidential || s == Secondary }

// Kind says which primary rules apply to a table's cells.
type Kind int

// The kinds of table.
const (
	// Magnitude cells are sums of company contributions (employees, revenue):
	// the minimum companies, dominance and p% rules apply.
	Magnitude Kind = iota
	// Count cells count units (companies, registrations): the frequency
	// threshold applies to the value.
	Count
	// Survey cells are weighted estimates; Companies holds the respondents and
	// the survey minimum applies.
	Survey
)

// The rule names recorded in Cell.Rule and Suppression.Rule.
const (
	RuleMinCompanies = "min_companies"
	RuleDominance    = "dominance"
	RulePPercent     = "p_percent"
	RuleFrequency    = "frequency"
	RuleSurveyMinN   = "survey_min_n"
	RuleLinked       = "linked" // confidential in another measure of the same cells
	RuleSecondary    = "secondary"
)
