package transform

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/npit-mn/ictstat"
)

// Limits on free-text fields, so that one record cannot bloat the tables.
const (
	maxIDLen      = 64
	maxNameLen    = 300
	maxZoneLen    = 32
	maxExports    = 1000
	maxPrograms   = 100
	maxProgramLen = 100
	maxAmount     = 1e18 // a quintillion: far above Mongolia's GDP in MNT
)

func bad(field, format string, args ...any) *ictstat.InputError {
	return &ictstat.InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ValidateFiling checks rec against every rule of the filings contract
// (docs/sources.md, section 1) and
// returns the filing to store, with currency conversion and derived
// measures. The error names the first field that breaks a rule.
func ValidateFiling(rec *ictstat.FilingRecord, fx *FXTable) (ictstat.Filing, *ictstat.InputError) {
	return new(Validator).Validate(rec, fx)
}

// Validator is ValidateFiling with buffers of its own, for a worker that
// uses each filing at once (a bulk pull appends it to its columns): the
// optional amounts and the exports of the filing it returns live in the
// validator, valid until its next Validate. Not safe for concurrent use;
// the zero value is ready.
type Validator struct {
	opt     [4]float64
	exports []ictstat.Export
}

// Validate is ValidateFiling.
func (v *Validator) Validate(rec *ictstat.FilingRecord, fx *FXTable) (ictstat.Filing, *ictstat.InputError) {
	var f ictstat.Filing
	e := v.ValidateInto(rec, fx, &f)
	return f, e
}

// ValidateInto is Validate into f, which it sets whole when rec is valid;
// a bulk pull validates every record into the same filing instead of
// copying each one out.
func (v *Validator) ValidateInto(rec *ictstat.FilingRecord, fx *FXTable, f *ictstat.Filing) *ictstat.InputError {
	if e := checkText("filing_id", rec.FilingID, maxIDLen, true); e != nil {
		return e
	}
	switch {
	case rec.Revision == -1:
		return bad("revision", "missing")
	case rec.Revision < 1 || rec.Revision > math.MaxInt32:
		return bad("revision", "%d is not a revision number (1 or more)", rec.Revision)
	}
	if rec.RegistryNo == "" {
		return bad("registry_no", "missing")
	}
	if !ictstat.ValidRegistryNo(rec.RegistryNo) {
		return bad("registry_no", "%q is not a state registration number (7 digits)", clip(rec.RegistryNo))
	}
	if e := checkText("company_name", rec.CompanyName, maxNameLen, false); e != nil {
		return e
	}
	if !ictstat.ValidISIC4(rec.ISIC4) {
		return bad("isic4", "%q is not an ISIC Rev.4 class (4 digits of an existing division)", clip(rec.ISIC4))
	}
	if e := checkText("zone", rec.Zone, maxZoneLen, true); e != nil {
		return e
	}
	if rec.Period == "" {
		return bad("period", "missing")
	}
	year, month, err := ictstat.ParseMonth(rec.Period)
	if err != nil {
		return &ictstat.InputError{Field: "period", Reason: err.Error()}
	}
	subMicros, sy, sm, err := parseSubmitted(rec.SubmittedAt)
	if err != nil {
		return bad("submitted_at", "%q is not an RFC 3339 time (2026-11-05T09:12:00+08:00)", clip(rec.SubmittedAt))
	}
	if year*12+month > sy*12+sm {
		return bad("period", "%s is after the month the filing was submitted (%04d-%02d)", rec.Period, sy, sm)
	}
	rate, ok := fx.Rate(rec.Currency, year, month)
	switch {
	case rec.Currency != "MNT" && rec.Currency != "USD":
		return bad("currency", "%q is not MNT or USD", clip(rec.Currency))
	case !ok:
		return bad("currency", "no official MNT/%s rate for %s: ingest fx rates, then run `ictstat quarantine replay`", rec.Currency, rec.Period)
	}
	for _, a := range [...]struct {
		name     string
		v        float64
		optional bool
	}{{"revenue", rec.Revenue, false}, {"intermediate_consumption", rec.IntermediateConsumption, false}, {"wages", rec.Wages, true}, {"rnd_expense", rec.RnDExpense, true}} {
		if e := checkAmount(a.name, a.v, a.optional); e != nil {
			return e
		}
	}
	switch {
	case rec.Employees == -1:
		return bad("employees", "missing")
	case rec.Employees < 0 || rec.Employees > 10_000_000:
		return bad("employees", "%d is not a number of persons", rec.Employees)
	}
	if len(rec.Exports) > maxExports {
		return bad("exports", "%d entries; at most %d", len(rec.Exports), maxExports)
	}
	ai, startup, flags, e := checkFlags(rec.Flags)
	if e != nil {
		return e
	}
	if len(rec.Programs) > maxPrograms {
		return bad("programs", "%d entries; at most %d", len(rec.Programs), maxPrograms)
	}
	for i, p := range rec.Programs {
		if e := checkText("programs", p, maxProgramLen, false); e != nil {
			e.Field = fmt.Sprintf("programs[%d]", i)
			return e
		}
	}

	period := ictstat.MonthDate(year, month)
	*f = ictstat.Filing{
		FilingID: rec.FilingID, Revision: int32(rec.Revision), RegistryNo: rec.RegistryNo, CompanyName: rec.CompanyName,
		ISIC4: rec.ISIC4, ISICDivision: rec.ISIC4[:2], ICTSector: ictstat.ICTSector(rec.ISIC4), Zone: rec.Zone,
		Period: period, SubmittedAt: subMicros, Currency: rec.Currency,
		Revenue: rec.Revenue, IntermediateConsumption: rec.IntermediateConsumption, Employees: int32(rec.Employees),
		FXRate: rate, RevenueMNT: rec.Revenue * rate, IntermediateMNT: rec.IntermediateConsumption * rate,
		ExportLines: int32(len(rec.Exports)), AI: ai, Startup: startup, Flags: flags, Programs: rec.Programs,
	}
	f.GVAMNT = GVA(f.RevenueMNT, f.IntermediateMNT)
	opt := &v.opt
	if !math.IsNaN(rec.Wages) {
		opt[0], opt[1] = rec.Wages, rec.Wages*rate
		f.Wages, f.WagesMNT = &opt[0], &opt[1]
	}
	if !math.IsNaN(rec.RnDExpense) {
		opt[2], opt[3] = rec.RnDExpense, rec.RnDExpense*rate
		f.RnDExpense, f.RnDExpenseMNT = &opt[2], &opt[3]
	}
	if len(rec.Exports) > 0 {
		f.Exports = slices.Grow(v.exports[:0], len(rec.Exports))
		defer func() { v.exports = f.Exports[:0] }()
	}
	for i, x := range rec.Exports {
		field := func(name string) string { return fmt.Sprintf("exports[%d].%s", i, name) }
		if !ictstat.ValidCountry(x.Country) {
			return bad(field("country"), "%q is not an ISO 3166-1 alpha-2 country code", clip(x.Country))
		}
		if x.Country == HomeCountry {
			return bad(field("country"), "MN (Mongolia) is not a foreign market: exports are sales to other countries; report sales in Mongolia as revenue only")
		}
		if !ictstat.ValidEBOPS(x.EBOPS) {
			return bad(field("ebops"), "%q is not an EBOPS 2010 code (e.g. SI2)", clip(x.EBOPS))
		}
		if x.Amount == nil {
			return bad(field("amount"), "missing")
		}
		if e := checkAmount("amount", *x.Amount, false); e != nil {
			e.Field = field("amount")
			return e
		}
		f.ExportsMNT += *x.Amount * rate
		// One row per destination and EBOPS code: repeated lines add up.
		if j := findExport(f.Exports, x.Country, x.EBOPS); j >= 0 {
			f.Exports[j].Amount += *x.Amount
			f.Exports[j].AmountMNT += *x.Amount * rate
			continue
		}
		f.Exports = append(f.Exports, ictstat.Export{
			FilingID: f.FilingID, Revision: f.Revision, RegistryNo: f.RegistryNo, Period: period,
			Country: x.Country, EBOPS: x.EBOPS, ICTService: ictstat.ICTServiceItems[x.EBOPS],
			Amount: *x.Amount, Currency: f.Currency, AmountMNT: *x.Amount * rate,
		})
	}
	return nil
}

// HomeCountry is the reporting economy, Mongolia: never an export
// destination.
const HomeCountry = "MN"

func findExport(ex []ictstat.Export, country, ebops string) int {
	for i := range ex {
		if ex[i].Country == country && ex[i].EBOPS == ebops {
			return i
		}
	}
	return -1
}

// GVA is gross value added at basic prices as the contract defines it for a
// filing: output (revenue) less intermediate consumption.
func GVA(revenue, intermediate float64) float64 { return revenue - intermediate }

func checkAmount(field string, v float64, optional bool) *ictstat.InputError {
	switch {
	case math.IsNaN(v) && optional:
		return nil
	case math.IsNaN(v):
		return bad(field, "missing")
	case math.IsInf(v, 0):
		return bad(field, "%g is not a finite amount", v)
	case v > maxAmount:
		return bad(field, "%g is larger than any plausible amount (at most %g)", v, maxAmount)
	case v < 0:
		return bad(field, "%g is negative; amounts must be 0 or more", v)
	}
	return nil
}

// checkFlags accepts an absent flags field or an object of booleans, and
// returns the ai and startup flags and raw as text: one of
// ictstat.CommonFlags, the ones nearly every record sends, is shared rather
// than copied for each record. raw is already known to be valid JSON.
func checkFlags(raw []byte) (ai, startup bool, text string, e *ictstat.InputError) {
	for i, c := range ictstat.CommonFlags {
		if string(raw) == c {
			return i&1 != 0, i&2 != 0, c, nil
		}
	}
	ai, startup, ok := parseFlags(raw)
	if !ok {
		return false, false, "", bad("flags", "want an object of true/false values")
	}
	return ai, startup, string(raw), nil
}

// parseFlags is checkFlags without the error, which only a failure builds.
func parseFlags(raw []byte) (ai, startup, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return false, false, true
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false, false, false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return false, false, true
	}
	for i < len(raw) {
		if raw[i] != '"' {
			return false, false, false
		}
		end := i + 1
		for end < len(raw) && raw[end] != '"' {
			if raw[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(raw) {
			return false, false, false
		}
		keyB := raw[i+1 : end]
		var isAI, isStartup bool
		if bytes.IndexByte(keyB, '\\') >= 0 {
			// An escaped key: only "ai" and "startup" matter, and a key
			// strconv cannot unquote (\/, surrogate pairs) is neither.
			key, _ := strconv.Unquote(string(raw[i : end+1]))
			isAI, isStartup = key == "ai", key == "startup"
		} else {
			isAI, isStartup = string(keyB) == "ai", string(keyB) == "startup"
		}
		i = skipSpace(raw, end+1)
		if i >= len(raw) || raw[i] != ':' {
			return false, false, false
		}
		i = skipSpace(raw, i+1)
		var v bool
		switch {
		case strings.HasPrefix(string(raw[i:]), "true"):
			v, i = true, i+4
		case strings.HasPrefix(string(raw[i:]), "false"):
			v, i = false, i+5
		default:
			return false, false, false
		}
		switch {
		case isAI:
			ai = v
		case isStartup:
			startup = v
		}
		i = skipSpace(raw, i)
		if i < len(raw) && raw[i] == '}' {
			return ai, startup, true
		}
		if i >= len(raw) || raw[i] != ',' {
			return false, false, false
		}
		i = skipSpace(raw, i+1)
	}
	return false, false, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func checkText(field, s string, maxLen int, idOnly bool) *ictstat.InputError {
	switch {
	case s == "":
		return bad(field, "missing")
	case len(s) > maxLen:
		return bad(field, "%d bytes; at most %d", len(s), maxLen)
	}
	allowed := &textChars
	if idOnly {
		allowed = &idChars
	}
	i := 0
	for ; i < len(s) && allowed[s[i]]; i++ {
	}
	if i == len(s) || !idOnly && plainText(s[i:]) {
		return nil
	}
	if s[i] < 0x80 {
		return bad(field, "%q has a character that is not allowed (%q)", clip(s), rune(s[i]))
	}
	if !utf8.ValidString(s) {
		return bad(field, "not valid UTF-8")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || (idOnly && !isIDChar(r)) {
			return bad(field, "%q has a character that is not allowed (%q)", clip(s), r)
		}
	}
	return nil
}

// textChars and idChars tell the ASCII bytes allowed in free text and in
// identifiers; bytes from 0x80 on are false in both, for checkText to look
// at the whole rune.
var textChars, idChars = func() (text, id [256]bool) {
	for c := ' '; c < 0x7f; c++ {
		text[c], id[c] = true, isIDChar(c)
	}
	return text, id
}()

// plainText reports whether s, free text, is valid UTF-8 without a control
// character: the common case, told without decoding runes (the bytes of a
// multi-byte UTF-8 sequence are all from 0x80 on).
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && !textChars[c] {
			return false
		}
	}
	return utf8.ValidString(s)
}

func isIDChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':'
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
