package ingest

import (
	"bytes"
	"io"
	"math"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/npit-mn/ictstat"
)

// FilingDecoder decodes filing records as DecodeFiling does, reading each
// record's tokens straight into the FilingRecord with a JSON tokenizer it
// keeps from record to record, which spares the reflection and the
// allocations of decoding into the wire struct. A record that is not what
// the contract expects (a wrong type, a number out of range, not JSON) is
// decoded again by DecodeFiling for its error. Not safe for concurrent use;
// the zero value is ready.
type FilingDecoder struct {
	r   bytes.Reader
	dec jsontext.Decoder
}

// Decode decodes data into rec, replacing all of it, as DecodeFiling does.
func (d *FilingDecoder) Decode(data []byte, rec *ictstat.FilingRecord) error {
	d.r.Reset(data)
	d.dec.Reset(&d.r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	*rec = ictstat.FilingRecord{}
	setSentinels(rec)
	if !d.record(rec) {
		return DecodeFiling(data, rec)
	}
	if _, err := d.dec.ReadToken(); err != io.EOF {
		return DecodeFiling(data, rec)
	}
	return nil
}

// record reads the record into rec and reports whether it could; false
// leaves the error to DecodeFiling.
func (d *FilingDecoder) record(rec *ictstat.FilingRecord) bool {
	dec := &d.dec
	tok, err := dec.ReadToken()
	switch {
	case err != nil:
		return false
	case tok.Kind() == 'n':
		return true
	case tok.Kind() != '{':
		return false
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return false
		}
		ok := true
		switch name.String() {
		case "filing_id":
			ok = d.str(&rec.FilingID)
		case "revision":
			ok = d.int(&rec.Revision)
		case "registry_no":
			ok = d.str(&rec.RegistryNo)
		case "company_name":
			ok = d.str(&rec.CompanyName)
		case "isic4":
			ok = d.str(&rec.ISIC4)
		case "zone":
			ok = d.str(&rec.Zone)
		case "period":
			ok = d.str(&rec.Period)
		case "submitted_at":
			ok = d.str(&rec.SubmittedAt)
		case "currency":
			ok = d.str(&rec.Currency)
		case "revenue":
			ok = d.float(&rec.Revenue)
		case "intermediate_consumption":
			ok = d.float(&rec.IntermediateConsumption)
		case "wages":
			ok = d.float(&rec.Wages)
		case "employees":
			ok = d.int(&rec.Employees)
		case "rnd_expense":
			ok = d.float(&rec.RnDExpense)
		case "exports":
			ok = d.exports(rec)
		case "flags":
			v, err := dec.ReadValue()
			ok = err == nil
			rec.Flags = bytes.Clone(v)
		case "programs":
			ok = d.programs(rec)
		default:
			ok = dec.SkipValue() == nil
		}
		if !ok {
			return false
		}
	}
	_, err = dec.ReadToken()
	return err == nil
}

// str reads a string, or null, which sets "".
func (d *FilingDecoder) str(dst *string) bool {
	tok, err := d.dec.ReadToken()
	switch {
	case err != nil:
		return false
	case tok.Kind() == '"':
		*dst = tok.String()
	case tok.Kind() == 'n':
		*dst = ""
	default:
		return false
	}
	return true
}

// float reads a number well inside the float64 range, or null, which
// sets NaN (missing); a number near the range's ends is left to
// DecodeFiling, which knows whether it overflows.
func (d *FilingDecoder) float(dst *float64) bool {
	tok, err := d.dec.ReadToken()
	switch {
	case err != nil:
		return false
	case tok.Kind() == '0':
		f := tok.Float()
		if math.Abs(f) >= math.MaxFloat64/2 {
			return false
		}
		*dst = f
	case tok.Kind() == 'n':
		*dst = math.NaN()
	default:
		return false
	}
	return true
}

// int reads a whole number in int64 range written without fraction or
// exponent, or null, which sets -1 (missing).
func (d *FilingDecoder) int(dst *int64) bool {
	if d.dec.PeekKind() == 'n' {
		_, err := d.dec.ReadToken()
		*dst = -1
		return err == nil
	}
	v, err := d.dec.ReadValue()
	if err != nil || v.Kind() != '0' {
		return false
	}
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' || n > (math.MaxInt64+1)/10 {
			return false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case neg && n <= math.MaxInt64+1:
		*dst = -int64(n-1) - 1
	case !neg && n <= math.MaxInt64:
		*dst = int64(n)
	default:
		return false
	}
	return true
}

// exports reads the exports array, or null.
func (d *FilingDecoder) exports(rec *ictstat.FilingRecord) bool {
	dec := &d.dec
	tok, err := dec.ReadToken()
	switch {
	case err != nil:
		return false
	case tok.Kind() == 'n':
		rec.Exports = nil
		return true
	case tok.Kind() != '[':
		return false
	}
	rec.Exports = []ictstat.ExportRecord{}
	for dec.PeekKind() != ']' {
		var e ictstat.ExportRecord
		tok, err := dec.ReadToken()
		switch {
		case err != nil:
			return false
		case tok.Kind() == 'n':
			rec.Exports = append(rec.Exports, e)
			continue
		case tok.Kind() != '{':
			return false
		}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return false
			}
			ok := true
			switch name.String() {
			case "country":
				ok = d.str(&e.Country)
			case "ebops":
				ok = d.str(&e.EBOPS)
			case "amount":
				amount := math.NaN()
				if ok = d.float(&amount); ok && !math.IsNaN(amount) {
					e.Amount = &amount
				}
			default:
				ok = dec.SkipValue() == nil
			}
			if !ok {
				return false
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return false
		}
		rec.Exports = append(rec.Exports, e)
	}
	_, err = dec.ReadToken()
	return err == nil
}

// programs reads the programs array, or null.
func (d *FilingDecoder) programs(rec *ictstat.FilingRecord) bool {
	dec := &d.dec
	tok, err := dec.ReadToken()
	switch {
	case err != nil:
		return false
	case tok.Kind() == 'n':
		rec.Programs = nil
		return true
	case tok.Kind() != '[':
		return false
	}
	rec.Programs = []string{}
	for dec.PeekKind() != ']' {
		var s string
		if !d.str(&s) {
			return false
		}
		rec.Programs = append(rec.Programs, s)
	}
	_, err = dec.ReadToken()
	return err == nil
}
