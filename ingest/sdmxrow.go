package ingest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/npit-mn/ictstat"
)

// sdmxRowParser checks the rows of one file.
type sdmxRowParser struct {
	cols    sdmxColumns
	labels  bool
	version SDMXVersion
	sep     byte
	source  string
	// intern shares the few distinct codes between rows, so that a row
	// does not keep its whole CSV line alive.
	intern map[string]string
	// areas caches sdmxArea: a file names few areas, many times.
	areas map[string]sdmxAreaKind
}

// sdmxAreaKind is the result of sdmxArea.
type sdmxAreaKind struct{ aggregate, ok bool }

func (p *sdmxRowParser) area(s string) (aggregate, ok bool) {
	if k, hit := p.areas[s]; hit {
		return k.aggregate, k.ok
	}
	aggregate, ok = sdmxArea(s)
	if p.areas == nil {
		p.areas = map[string]sdmxAreaKind{}
	}
	if len(p.areas) < 1<<12 {
		p.areas[strings.Clone(s)] = sdmxAreaKind{aggregate, ok}
	}
	return aggregate, ok
}

func (p *sdmxRowParser) str(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	if len(p.intern) > 1<<16 {
		return strings.Clone(s)
	}
	s = strings.Clone(s)
	p.intern[s] = s
	return s
}

// field returns column i of rec, trimmed, without the ": name" of
// labels=both; "" when the column is absent.
func (p *sdmxRowParser) field(rec []string, i int) string {
	if i < 0 {
		return ""
	}
	s := strings.TrimSpace(rec[i])
	if p.labels {
		if j := strings.Index(s, ": "); j >= 0 {
			s = strings.TrimSpace(s[:j])
		}
	}
	return s
}

// row validates one record; reason names the column at fault.
func (p *sdmxRowParser) row(rec []string, line int64) (ictstat.BopChange, string) {
	var ch ictstat.BopChange
	if len(rec) != p.cols.fields {
		return ch, fmt.Sprintf("%d fields: the header has %d (RFC 4180 wants the same number in every record)", len(rec), p.cols.fields)
	}
	if p.version == 2 {
		switch k := strings.ToLower(strings.TrimSpace(rec[p.cols.kind])); k {
		case "dataflow", "datastructure", "dataprovision":
		default:
			return ch, fmt.Sprintf("STRUCTURE: %q: want dataflow, datastructure or dataprovision", clipText(k))
		}
	}
	idCol := sdmxDataflow
	if p.version == 2 {
		idCol = sdmxStructureID
	}
	id := p.field(rec, p.cols.id)
	if !validStructureID(id) {
		return ch, fmt.Sprintf("%s: %q is not an artefact id like AGENCY:ID(1.0)", idCol, clipText(id))
	}
	ch.Action = ictstat.BopInform
	if a := p.field(rec, p.cols.action); a != "" {
		switch a = strings.ToUpper(a); a {
		case "I", "A", "R", "D":
			ch.Action = ictstat.BopAction(a[0])
		default:
			return ch, fmt.Sprintf("ACTION: %q: want I (information), A (append), R (replace) or D (delete)", clipText(a))
		}
	}
	del := ch.Action == ictstat.BopDelete
	r := &ch.Row
	r.Dataflow, r.Source, r.SourceLine = p.str(id), p.source, line
	var key [len(sdmxKeyColumns)]string
	for i, c := range sdmxKeyColumns {
		key[i] = p.field(rec, p.cols.key[i])
		if key[i] == "" && !del {
			return ch, fmt.Sprintf("%s: empty; an observation needs its whole key (only a D row may leave a dimension empty)", c)
		}
	}
	freq, ref, cp, flow, item, period := key[0], key[1], key[2], key[3], key[4], key[5]
	if freq != "" {
		if freq = strings.ToUpper(freq); !strings.Contains("ASQM", freq) || len(freq) != 1 {
			return ch, fmt.Sprintf("FREQ: %q: want A (annual), S (half-year), Q (quarterly) or M (monthly)", clipText(freq))
		}
		r.Freq = p.str(freq)
	}
	if ref != "" {
		if _, ok := p.area(ref); !ok {
			return ch, fmt.Sprintf("REF_AREA: %q is neither an ISO 3166-1 alpha-2 country nor an area code (W1, 4A, _T)", clipText(ref))
		}
		r.RefArea = p.str(ref)
	}
	if cp != "" {
		agg, ok := p.area(cp)
		if !ok {
			return ch, fmt.Sprintf("COUNTERPART_AREA: %q is neither an ISO 3166-1 alpha-2 country nor an area code (W1 world, 4A, _T)", clipText(cp))
		}
		r.CounterpartArea, r.Aggregate = p.str(cp), agg
	}
	if flow != "" {
		if flow != "C" && flow != "D" {
			return ch, fmt.Sprintf("FLOW: %q: want C (credit, exports) or D (debit, imports)", clipText(flow))
		}
		r.Flow = p.str(flow)
	}
	if item != "" {
		if item != "S" && !ictstat.ValidEBOPS(item) {
			return ch, fmt.Sprintf("SERVICE_ITEM: %q is not an EBOPS 2010 code (S, SI, SI2, SI21, ...)", clipText(item))
		}
		r.ServiceItem = p.str(item)
	}
	if period != "" {
		pd, err := ParseSDMXPeriod(period, r.Freq)
		if err != nil {
			return ch, "TIME_PERIOD: " + err.Error()
		}
		r.TimePeriod, r.PeriodStart, r.Year = p.str(pd.Label), pd.Start, pd.Year
		if r.Freq == "" {
			r.Freq = p.str(string(pd.Freq))
		}
	}
	if del {
		return ch, "" // a delete names observations; its measure and attributes say nothing more
	}
	if s := p.field(rec, p.cols.mult); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < -30 || n > 30 {
			return ch, fmt.Sprintf("UNIT_MULT: %q: want a power of ten from -30 to 30 (6 = millions)", clipText(s))
		}
		r.UnitMult, ch.HasUnitMult = int32(n), true
	}
	if s := p.field(rec, p.cols.value); s != "" {
		ch.HasValue = true
		if s != "NaN" { // SDMX's missing value
			v, sv, ok := parseSDMXNumber(s, p.sep, r.UnitMult)
			if !ok {
				return ch, fmt.Sprintf("OBS_VALUE: %q is not a number", clipText(s))
			}
			if math.IsInf(sv, 0) {
				return ch, fmt.Sprintf("OBS_VALUE: %q × 10^%d is too large", clipText(s), r.UnitMult)
			}
			vals := [2]float64{v, sv} // one allocation for both
			r.ObsValue, r.Value = &vals[0], &vals[1]
		}
	}
	if s := p.field(rec, p.cols.unit); s != "" {
		if !sdmxCode(s, 20) {
			return ch, fmt.Sprintf("UNIT_MEASURE: %q is not a code like USD", clipText(s))
		}
		r.UnitMeasure, ch.HasUnitMeasure = p.str(s), true
	}
	if s := p.field(rec, p.cols.status); s != "" {
		if !sdmxCode(s, 3) {
			return ch, fmt.Sprintf("OBS_STATUS: %q is not a status code (A, P, E, M, ...)", clipText(s))
		}
		r.ObsStatus, ch.HasStatus = p.str(s), true
	}
	return ch, ""
}

// validStructureID accepts an SDMX artefact reference such as
// BOM:ICT_SERV(1.0) or AGENCY:ID: printable ASCII without spaces.
func validStructureID(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '"' || c == ',' || c == ';' {
			return false
		}
	}
	return true
}

// sdmxCode accepts an SDMX code: upper-case letters, digits and _, at most
// max characters.
func sdmxCode(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// sdmxArea checks an area code: an ISO 3166-1 alpha-2 country (aggregate
// false) or an area aggregate (true): two or three characters of upper-case
// letters, digits and _ with at least one digit or _ (W1 world, 4A, U2,
// B0, _T, _X), or EU.
func sdmxArea(s string) (aggregate, ok bool) {
	if ictstat.ValidCountry(s) {
		return false, true
	}
	if s == "EU" {
		return true, true
	}
	if len(s) < 2 || len(s) > 3 || !sdmxCode(s, 3) {
		return false, false
	}
	return true, strings.ContainsAny(s, "0123456789_")
}

// pow10 holds the powers of ten that a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseSDMXNumber parses a decimal number: optional sign, digits with an
// optional fraction, optional exponent; it returns the number and the
// number × 10^mult, each the float64 nearest the exact decimal. When the
// field separator is not a comma, a decimal comma is accepted too (the
// localised SDMX-CSV of, e.g., French or German users writes 12,4).
func parseSDMXNumber(s string, sep byte, mult int32) (v, scaled float64, ok bool) {
	if sep != ',' && strings.IndexByte(s, ',') >= 0 {
		if strings.IndexByte(s, '.') >= 0 || strings.Count(s, ",") > 1 {
			return 0, 0, false
		}
		s = strings.Replace(s, ",", ".", 1)
	}
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var mant uint64
	digits, frac, sig := 0, 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
		if mant != 0 || s[i] != '0' {
			sig++
		}
		mant = mant*10 + uint64(s[i]-'0')
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
			frac++
			if mant != 0 || s[i] != '0' {
				sig++
			}
			mant = mant*10 + uint64(s[i]-'0')
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	exp := false
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		exp = true
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == start {
			return 0, 0, false
		}
	}
	if i != len(s) {
		return 0, 0, false
	}
	// Fast path (exact mantissa below 2^53, exact power of ten): one
	// rounding, so the result is the nearest float64 as ParseFloat's.
	if !exp && sig <= 15 && frac <= 22 && int(mult)-frac >= -22 && int(mult)-frac <= 22 {
		m := float64(mant)
		if neg {
			m = -m
		}
		v = m / pow10[frac]
		if e := int(mult) - frac; e >= 0 {
			scaled = m * pow10[e]
		} else {
			scaled = m / pow10[-e]
		}
		return v, scaled, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, 0, false
	}
	// Scale the decimal itself, not v, so that long mantissas round once.
	m, e := s, 0
	if j := strings.IndexAny(s, "eE"); j >= 0 {
		n, err := strconv.Atoi(s[j+1:])
		if err != nil || n > 1e6 || n < -1e6 {
			return v, ictstat.ScaledValue(v, mult), true
		}
		m, e = s[:j], n
	}
	scaled, err = strconv.ParseFloat(m+"e"+strconv.Itoa(e+int(mult)), 64)
	if err != nil && !math.IsInf(scaled, 0) && scaled != 0 {
		return 0, 0, false
	}
	return v, scaled, true
}
