package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/npit-mn/ictstat"
)

// filingJSON is the wire shape of a filing record. Pointers tell a number
// that was sent from one that was absent or null; flags stay raw text.
type filingJSON struct {
	FilingID                string         `json:"filing_id"`
	Revision                *int64         `json:"revision"`
	RegistryNo              string         `json:"registry_no"`
	CompanyName             string         `json:"company_name"`
	ISIC4                   string         `json:"isic4"`
	Zone                    string         `json:"zone"`
	Period                  string         `json:"period"`
	SubmittedAt             string         `json:"submitted_at"`
	Currency                string         `json:"currency"`
	Revenue                 *float64       `json:"revenue"`
	IntermediateConsumption *float64       `json:"intermediate_consumption"`
	Wages                   *float64       `json:"wages"`
	Employees               *int64         `json:"employees"`
	RnDExpense              *float64       `json:"rnd_expense"`
	Exports                 []exportJSON   `json:"exports"`
	Flags                   jsontext.Value `json:"flags"`
	Programs                []string       `json:"programs"`
}

// exportJSON is the wire shape of an exports[] entry.
type exportJSON struct {
	Country string   `json:"country"`
	EBOPS   string   `json:"ebops"`
	Amount  *float64 `json:"amount"`
}

// filingOptions decode a record as the contract spells it: member names
// match exactly (a "Revenue" is an unknown member, skipped); a repeated
// member is taken as its last value, as encoding/json does; unknown
// members are skipped; invalid UTF-8 becomes U+FFFD.
var filingOptions = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// DecodeFiling decodes one feed or file record into rec, replacing all of
// it. Numbers the record lacks or sends as null get sentinels (NaN for
// amounts, -1 for counts), so that validation can tell "missing" from
// zero. The error, an *ictstat.InputError, names the field.
func DecodeFiling(data []byte, rec *ictstat.FilingRecord) error {
	var in filingJSON
	err := jsonv2.Unmarshal(data, &in, filingOptions)
	if err != nil {
		*rec = ictstat.FilingRecord{}
		setSentinels(rec)
		return decodeError(err)
	}
	*rec = ictstat.FilingRecord{FilingID: in.FilingID, RegistryNo: in.RegistryNo, CompanyName: in.CompanyName,
		ISIC4: in.ISIC4, Zone: in.Zone, Period: in.Period, SubmittedAt: in.SubmittedAt, Currency: in.Currency,
		Programs: in.Programs}
	setSentinels(rec)
	setInt(&rec.Revision, in.Revision)
	setInt(&rec.Employees, in.Employees)
	setFloat(&rec.Revenue, in.Revenue)
	setFloat(&rec.IntermediateConsumption, in.IntermediateConsumption)
	setFloat(&rec.Wages, in.Wages)
	setFloat(&rec.RnDExpense, in.RnDExpense)
	if in.Flags != nil {
		rec.Flags = json.RawMessage(in.Flags)
	}
	if in.Exports != nil {
		rec.Exports = make([]ictstat.ExportRecord, len(in.Exports))
		for i, e := range in.Exports {
			rec.Exports[i] = ictstat.ExportRecord{Country: e.Country, EBOPS: e.EBOPS, Amount: e.Amount}
		}
	}
	return nil
}

// setSentinels sets the numbers a record may lack to their sentinels.
func setSentinels(rec *ictstat.FilingRecord) {
	nan := math.NaN()
	rec.Revision, rec.Employees = -1, -1
	rec.Revenue, rec.IntermediateConsumption, rec.Wages, rec.RnDExpense = nan, nan, nan, nan
}

func setInt(dst *int64, v *int64) {
	if v != nil {
		*dst = *v
	}
}

func setFloat(dst *float64, v *float64) {
	if v != nil {
		*dst = *v
	}
}

// decodeError turns an error of the JSON decoder into an InputError that
// names the field ("revenue", "exports.1.amount"; "(record)" for the
// record as a whole) for a value of the wrong type, or says where the
// input stops being JSON.
func decodeError(err error) error {
	var se *jsonv2.SemanticError
	if errors.As(err, &se) && se.JSONKind != 0 {
		field := strings.ReplaceAll(strings.TrimPrefix(string(se.JSONPointer), "/"), "/", ".")
		if field == "" {
			field = "(record)"
		}
		want := "a number"
		if t := se.GoType; t != nil {
			if t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			switch t.Kind() {
			case reflect.String:
				want = "a string"
			case reflect.Slice:
				want = "an array"
			case reflect.Struct:
				want = "an object"
			case reflect.Int64:
				want = "a whole number"
			}
		}
		reason := "want " + want + ", got " + kindName(se.JSONKind)
		if se.JSONValue != nil {
			reason += " " + truncateText(string(se.JSONValue), 40)
		}
		return &ictstat.InputError{Field: field, Reason: reason}
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		return &ictstat.InputError{Reason: "not valid JSON at byte " + strconv.FormatInt(syn.ByteOffset, 10) + ": " + strings.TrimPrefix(syn.Err.Error(), "jsontext: ")}
	}
	return &ictstat.InputError{Reason: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
}

// kindName names a JSON kind as a user reads it.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "a " + k.String()
}

func truncateText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
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
