package simulate

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends f as one JSON object of the filings feed contract, on
// one line without a newline, and returns the extended buffer. Field names
// and order follow the contract; amounts are written as integers (rounded),
// or null if not finite; submitted_at is RFC 3339 in +08:00 whatever the
// location of f.SubmittedAt; exports is always present, programs only when
// not empty.
func (f *Filing) AppendJSON(b []byte) []byte { return appendFiling(b, f, faultNone) }

// fault is a way of breaking the JSON of a filing that a field value alone
// cannot express.
type fault uint8

const (
	faultNone          fault = iota
	faultNoFilingID          // filing_id left out
	faultNoRevision          // revision left out
	faultRevenueAsText       // revenue written as the string "abc"
)

// appendFiling is AppendJSON with an optional fault. It uses strconv, not
// fmt or encoding/json: it is the hot path of WriteNDJSON.
func appendFiling(b []byte, f *Filing, flt fault) []byte {
	b = append(b, '{')
	if flt != faultNoFilingID {
		b = append(b, `"filing_id":`...)
		b = appendString(b, f.FilingID)
		b = append(b, ',')
	}
	if flt != faultNoRevision {
		b = append(b, `"revision":`...)
		b = strconv.AppendInt(b, int64(f.Revision), 10)
		b = append(b, ',')
	}
	b = append(b, `"registry_no":`...)
	b = appendString(b, f.RegistryNo)
	b = append(b, `,"company_name":`...)
	b = appendString(b, f.CompanyName)
	b = append(b, `,"isic4":`...)
	b = appendString(b, f.ISIC4)
	b = append(b, `,"zone":`...)
	b = appendString(b, f.Zone)
	b = append(b, `,"period":`...)
	b = appendString(b, f.Period)
	return appendTail(b, f, flt)
}

// appendJSON is AppendJSON of the generator's current filing, faster: the
// company's fields come pre-rendered and the filing_id is not built as a
// string. The bytes are the same.
func (g *generator) appendJSON(b []byte) []byte {
	f := &g.f
	b = append(b, `{"filing_id":"`...)
	b = append(b, g.w.idPrefix[g.k]...)
	b = append(b, g.c.RegistryNo...)
	b = append(b, `","revision":`...)
	b = strconv.AppendInt(b, int64(f.Revision), 10)
	b = append(b, g.c.head...)
	b = append(b, g.w.periods[g.k]...)
	b = append(b, '"')
	return appendTail(b, f, faultNone)
}

// companyHead renders the fields of a filing that come from its company,
// from the comma after revision to the opening quote of period's value, as
// appendFiling writes them.
func companyHead(c *Company) []byte {
	b := append([]byte(nil), `,"registry_no":`...)
	b = appendString(b, c.RegistryNo)
	b = append(b, `,"company_name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"isic4":`...)
	b = appendString(b, c.ISIC4)
	b = append(b, `,"zone":`...)
	b = appendString(b, c.Zone)
	return append(b, `,"period":"`...)
}

// appendTail writes f from submitted_at to the closing brace.
func appendTail(b []byte, f *Filing, flt fault) []byte {
	b = append(b, `,"submitted_at":"`...)
	b = appendTime(b, f.SubmittedAt)
	b = append(b, `","currency":`...)
	b = appendString(b, f.Currency)
	b = append(b, `,"revenue":`...)
	if flt == faultRevenueAsText {
		b = append(b, `"abc"`...)
	} else {
		b = appendAmount(b, f.Revenue)
	}
	b = append(b, `,"intermediate_consumption":`...)
	b = appendAmount(b, f.IntermediateConsumption)
	b = append(b, `,"wages":`...)
	b = appendAmount(b, f.Wages)
	b = append(b, `,"employees":`...)
	b = strconv.AppendInt(b, int64(f.Employees), 10)
	b = append(b, `,"rnd_expense":`...)
	b = appendAmount(b, f.RnDExpense)
	b = append(b, `,"exports":[`...)
	for i := range f.Exports {
		e := &f.Exports[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"country":`...)
		b = appendString(b, e.Country)
		b = append(b, `,"ebops":`...)
		b = appendString(b, e.EBOPS)
		b = append(b, `,"amount":`...)
		b = appendAmount(b, e.Amount)
		b = append(b, '}')
	}
	b = append(b, `],"flags":{"ai":`...)
	b = strconv.AppendBool(b, f.AI)
	b = append(b, `,"startup":`...)
	b = strconv.AppendBool(b, f.Startup)
	b = append(b, '}')
	if len(f.Programs) > 0 {
		b = append(b, `,"programs":[`...)
		for i, p := range f.Programs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, p)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendAmount writes x as a JSON integer, or null if x is not finite.
func appendAmount(b []byte, x float64) []byte {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return append(b, "null"...)
	case math.Abs(x) < 1<<53:
		return strconv.AppendInt(b, int64(math.Round(x)), 10)
	default:
		return strconv.AppendFloat(b, math.Round(x), 'f', 0, 64)
	}
}

// appendTime writes t as RFC 3339 in +08:00 with whole seconds, without the
// quotes; years outside 0000-9999 are clamped to that range.
func appendTime(b []byte, t time.Time) []byte {
	sec := t.Unix() + ulaanbaatarOffset
	days := sec / 86400
	rem := sec % 86400
	if rem < 0 {
		days--
		rem += 86400
	}
	y, m, d := civilFromDays(days)
	y = min(max(y, 0), 9999)
	b = append2(append2(b, y/100), y%100)
	b = append2(append(b, '-'), m)
	b = append2(append(b, '-'), d)
	b = append2(append(b, 'T'), int(rem/3600))
	b = append2(append(b, ':'), int(rem/60%60))
	b = append2(append(b, ':'), int(rem%60))
	return append(b, "+08:00"...)
}

// append2 writes n (0-99) as two digits.
func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// in encoding/json; HTML characters are left as they are.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		// Two-byte sequences (Cyrillic) are checked inline, longer ones
		// by the decoder.
		if c >= 0xc2 && c <= 0xdf && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
			i += 2
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
