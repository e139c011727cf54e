package ingest

import (
	"math"

	"github.com/npit-mn/ictstat"
)

// DecodeFiling decodes one feed or file record into rec. Fields the record
// lacks keep sentinels (NaN for amounts, -1 for counts), so that validation
// can tell "missing" from zero. The error, if any, names the field.
func DecodeFiling(data []byte, rec *ictstat.FilingRecord) error {
	// The sentinels; the decoder of filingjson.go replaces every other field.
	nan := math.NaN()
	rec.Revision, rec.Employees = -1, -1
	rec.Revenue, rec.IntermediateConsumption, rec.Wages, rec.RnDExpense = nan, nan, nan, nan
	return decodeFilingJSON(data, rec)
}
