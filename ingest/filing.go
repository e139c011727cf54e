package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
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

// DecodeRegistration decodes one registrations-feed record. Registry events
// are few, so the standard decoder serves; the error names the field.
func DecodeRegistration(data []byte, rec *ictstat.RegistrationRecord) error {
	*rec = ictstat.RegistrationRecord{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(rec); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &ictstat.InputError{Field: te.Field, Reason: "want a " + te.Type.String() + ", got " + te.Value}
		}
		return &ictstat.InputError{Reason: "not valid JSON: " + err.Error()}
	}
	return nil
}
