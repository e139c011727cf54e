package ingest

import (
	"errors"
	"fmt"
	"math"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/npit-mn/ictstat"
)

// DecodeFiling decodes one feed or file record into rec. Fields the record
// lacks keep sentinels (NaN for amounts, -1 for counts), so that validation
// can tell "missing" from zero. The error, if any, names the field.
func DecodeFiling(data []byte, rec *ictstat.FilingRecord) error {
	*rec = ictstat.FilingRecord{
		Revision: -1, Employees: -1,
		Revenue: math.NaN(), IntermediateConsumption: math.NaN(), Wages: math.NaN(), RnDExpense: math.NaN(),
	}
	if err := json.Unmarshal(data, rec); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeError turns a JSON decoder error into a field-level InputError.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(record)"
		}
		want := te.Type.String()
		switch want {
		case "float64", "*float64":
			want = "a number"
		case "int64":
			want = "a whole number"
		case "string":
			want = "a string"
		case "json.RawMessage":
			want = "an object"
		default:
			if strings.HasPrefix(want, "[]") {
				want = "an array"
			}
		}
		return &ictstat.InputError{Field: field, Reason: fmt.Sprintf("want %s, got %s", want, te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ictstat.InputError{Reason: fmt.Sprintf("not valid JSON at byte %d: %s", se.Offset, se.Error())}
	}
	return &ictstat.InputError{Reason: "not valid JSON: " + err.Error()}
}
