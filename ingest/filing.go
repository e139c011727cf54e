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
	setSentinels(rec)
	return decodeFilingJSON(data, rec)
}

// setSentinels sets the numbers a record may lack to their sentinels; the
// decoder of filingjson.go replaces every other field.
func setSentinels(rec *ictstat.FilingRecord) {
	nan := math.NaN()
	rec.Revision, rec.Employees = -1, -1
	rec.Revenue, rec.IntermediateConsumption, rec.Wages, rec.RnDExpense = nan, nan, nan, nan
}

// FilingDecoder is DecodeFiling for records used at once: it does not copy
// a record's strings, flags and lists, which share the memory of the input
// and of the decoder, valid until the next Decode or until the input is
// written over. Not safe for concurrent use; the zero value is ready.
type FilingDecoder struct{ d *filingDecoder }

// Decode decodes data into rec, as DecodeFiling does.
func (fd *FilingDecoder) Decode(data []byte, rec *ictstat.FilingRecord) error {
	if fd.d == nil {
		fd.d = &filingDecoder{alias: true}
	}
	setSentinels(rec)
	return fd.d.decodeInto(data, rec)
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
