// Package queries holds the named analytics: one embedded, documented SQL
// file each, with typed parameters that are checked before any SQL runs and
// output columns that carry their units.
//
// A file's header is comment lines "-- key: value": name, title, answers,
// method, then
//
//	-- param: NAME TYPE[LO..HI] = DEFAULT : doc
//	-- check: NAME OP NAME : doc
//	-- column: NAME [unit] : doc
//
// TYPE is enum(a,b,...), bool, int, number, string, date, month or
// timestamp ("latest", a date meaning the end of that day UTC, or a time);
// the optional [LO..HI] bounds an int or number, inclusive; an empty
// DEFAULT of an int or number binds SQL NULL, which the query documents. A
// check compares two int or number parameters (<, <=, >, >=, !=). The SQL
// names parameters as $NAME.
//
// Every query also takes digits (see DigitsParam): its measures, the
// columns whose unit has a published precision (PublishedDigits), are
// rounded by a projection around the query's SQL.
package queries

import (
	"embed"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

//go:embed *.sql
var sqlFiles embed.FS

// Param is a typed parameter of a named query.
type Param struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"` // enum, bool, int, number, string, date, month, timestamp, ebops, digits
	Choices  []string `json:"choices,omitempty"`
	Default  string   `json:"default"`
	Required bool     `json:"required,omitempty"` // declared with the default (required): no run without it
	Min      *float64 `json:"min,omitempty"`      // inclusive bounds of an int or number, from int[LO..HI]
	Max      *float64 `json:"max,omitempty"`
	Doc      string   `json:"doc"`
}

// requiredMark is the default that declares a parameter required.
const requiredMark = "(required)"

// Column documents an output column and its unit.
type Column struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	Doc  string `json:"doc"`
	// Digits is the published precision of a measure: the decimals of its
	// unit in PublishedDigits; nil for a count, a label or a date, which
	// digits leaves alone.
	Digits *int `json:"digits,omitempty"`
}

// DigitsParam is the parameter every query takes: "" (the default) keeps
// full precision, "published" rounds each measure to its published
// precision, and 0..15 round every measure to that many decimals. The
// command line and the API ask for "published" when they write csv or a
// table, unless digits is given (DefaultDigits).
const DigitsParam = "digits"

// Published is the digits value that rounds each measure to its published
// precision.
const Published = "published"

// DefaultDigits asks for each measure's published precision when the
// output is a report (format csv or table) and given has no digits: full
// precision stays the default of the formats programs and spreadsheets
// compute with (json, parquet, arrow, xlsx).
func DefaultDigits(given map[string]string, format string) {
	if _, ok := given[DigitsParam]; !ok && (format == "csv" || format == "table") {
		given[DigitsParam] = Published
	}
}

// PublishedDigits is the published precision, in decimals, of the units
// whose figures are measured rather than counted: amounts in MNT, USD or
// the currency column's unit to the unit, million MNT to a tenth, percents
// and percentage points to a hundredth, ratios and survey shares or means
// to a thousandth, hours and average persons to a tenth.
func PublishedDigits(unit string) (int, bool) {
	switch {
	case unit == "MNT" || unit == "USD" || unit == "currency":
		return 0, true
	case strings.HasPrefix(unit, "million MNT"):
		return 1, true
	case unit == "percent" || unit == "percent a year" || unit == "percentage points":
		return 2, true
	case unit == "ratio" || unit == "share or question unit":
		return 3, true
	case unit == "hours" || unit == "persons":
		return 1, true
	}
	return 0, false
}

// Check is a rule between two int or number parameters, from a header line
// "-- check: target_year > base_year : the target must come after the base".
// Bind refuses values that break it; a NULL (empty optional) side passes.
type Check struct {
	Left  string `json:"left"`
	Op    string `json:"op"` // <, <=, >, >=, !=
	Right string `json:"right"`
	Doc   string `json:"doc"`
}

// Query is a named analytic.
type Query struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Answers string   `json:"answers"`
	Method  string   `json:"method"`
	Params  []Param  `json:"params"`
	Columns []Column `json:"columns"`
	Checks  []Check  `json:"checks,omitempty"`
	SQL     string   `json:"-"`
}

var (
	paramRe  = regexp.MustCompile(`^(\w+)\s+(enum\(([^)]*)\)|bool|int|number|string|date|month|timestamp|ebops)(?:\[(-?[0-9.]+)\.\.(-?[0-9.]+)\])?\s*=\s*(\S*)\s*:\s*(.*)$`)
	columnRe = regexp.MustCompile(`^(\w+)\s+\[([^\]]*)\]\s*:\s*(.*)$`)
	checkRe  = regexp.MustCompile(`^(\w+)\s*(<=|>=|!=|<|>)\s*(\w+)\s*:\s*(.*)$`)
	placeRe  = regexp.MustCompile(`\$([a-z_]+)`)
)

// All returns every named query, sorted by name.
func All() ([]*Query, error) {
	ents, err := sqlFiles.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []*Query
	for _, e := range ents {
		b, err := sqlFiles.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		q, err := Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get returns the named query, or an error wrapping ictstat.ErrNotFound that
// lists the names there are.
func Get(name string) (*Query, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, q := range all {
		if q.Name == name {
			return q, nil
		}
		names = append(names, q.Name)
	}
	return nil, fmt.Errorf("no named query %q (there are: %s): %w", name, strings.Join(names, ", "), ictstat.ErrNotFound)
}

// Parse reads a query written as the embedded files are: header comments,
// then the SQL. Analytics made at run time (the KPIs of the configuration)
// are parsed from text built the same way.
func Parse(text string) (*Query, error) {
	q := &Query{}
	var body []string
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, "-- ")
		if !ok || len(body) > 0 {
			body = append(body, line)
			continue
		}
		key, val, _ := strings.Cut(rest, ":")
		val = strings.TrimSpace(val)
		switch key {
		case "name":
			q.Name = val
		case "title":
			q.Title = val
		case "answers":
			q.Answers = val
		case "method":
			q.Method = val
		case "param":
			m := paramRe.FindStringSubmatch(val)
			if m == nil {
				return nil, fmt.Errorf("bad param line %q", val)
			}
			p := Param{Name: m[1], Type: m[2], Default: m[6], Doc: m[7]}
			if m[4] != "" {
				lo, err1 := strconv.ParseFloat(m[4], 64)
				hi, err2 := strconv.ParseFloat(m[5], 64)
				if err1 != nil || err2 != nil || lo > hi || (p.Type != "int" && p.Type != "number") {
					return nil, fmt.Errorf("bad range in param line %q: want int[LO..HI] or number[LO..HI]", val)
				}
				p.Min, p.Max = &lo, &hi
			}
			if m[3] != "" {
				p.Type, p.Choices = "enum", strings.Split(m[3], ",")
			}
			if p.Default == requiredMark {
				p.Default, p.Required = "", true
			}
			q.Params = append(q.Params, p)
		case "check":
			m := checkRe.FindStringSubmatch(val)
			if m == nil {
				return nil, fmt.Errorf("bad check line %q", val)
			}
			q.Checks = append(q.Checks, Check{Left: m[1], Op: m[2], Right: m[3], Doc: m[4]})
		case "column":
			m := columnRe.FindStringSubmatch(val)
			if m == nil {
				return nil, fmt.Errorf("bad column line %q", val)
			}
			c := Column{Name: m[1], Unit: m[2], Doc: m[3]}
			if d, ok := PublishedDigits(c.Unit); ok {
				c.Digits = &d
			}
			q.Columns = append(q.Columns, c)
		default:
			body = append(body, line)
		}
	}
	q.SQL = strings.TrimSpace(strings.Join(body, "\n"))
	if q.Name == "" || q.SQL == "" {
		return nil, fmt.Errorf("missing name or SQL")
	}
	if q.param(DigitsParam) == nil {
		q.Params = append(q.Params, Param{Name: DigitsParam, Type: "digits", Default: "",
			Doc: "rounding of the measures: empty for full precision, published for each measure's published precision, or 0..15 decimals for all"})
	}
	return q, nil
}

// Resolved returns each declared parameter, in order, with the value a run
// with given uses: the given one, else the default.
func (q *Query) Resolved(given map[string]string) [][2]string {
	out := make([][2]string, len(q.Params))
	for i, p := range q.Params {
		v, ok := given[p.Name]
		if !ok {
			v = p.Default
		}
		out[i] = [2]string{p.Name, v}
	}
	return out
}

// ParamDoc returns the documentation of parameter name, or "".
func (q *Query) ParamDoc(name string) string {
	if p := q.param(name); p != nil {
		return p.Doc
	}
	return ""
}

// Unit returns the unit of an output column, or "".
func (q *Query) Unit(column string) string {
	for _, c := range q.Columns {
		if c.Name == column {
			return c.Unit
		}
	}
	return ""
}

// Bind checks the given parameters against the query's declared types and
// returns the SQL with positional placeholders and its arguments. An unknown
// or malformed parameter is an error wrapping ictstat.ErrUsage that names it.
func (q *Query) Bind(given map[string]string) (string, []any, error) {
	vals, err := q.values(given)
	if err != nil {
		return "", nil, err
	}
	var args []any
	pos := map[string]int{}
	var bindErr error
	sql := placeRe.ReplaceAllStringFunc(q.SQL, func(m string) string {
		name := m[1:]
		v, ok := vals[name]
		if !ok {
			bindErr = fmt.Errorf("query %s uses undeclared parameter $%s", q.Name, name)
			return m
		}
		if _, seen := pos[name]; !seen {
			args = append(args, v)
			pos[name] = len(args)
		}
		return "$" + strconv.Itoa(pos[name])
	})
	return q.round(sql, vals[DigitsParam]), args, bindErr
}

// round wraps sql in a projection that rounds its measures as digits asks
// ("", "published" or a number of decimals).
func (q *Query) round(sql string, digits any) string {
	d, _ := digits.(string)
	if d == "" {
		return sql
	}
	var reps []string
	for _, c := range q.Columns {
		if c.Digits == nil {
			continue
		}
		n := strconv.Itoa(*c.Digits)
		if d != Published {
			n = d
		}
		reps = append(reps, fmt.Sprintf("round(%q, %s) AS %q", c.Name, n, c.Name))
	}
	if len(reps) == 0 {
		return sql
	}
	return fmt.Sprintf("SELECT * REPLACE (%s) FROM (\n%s\n)", strings.Join(reps, ", "), sql)
}

// Values checks the given parameters as Bind does and returns their
// values in the order of q.Params, defaults filled in: equal values for
// equal questions however they were spelled (1.7, 1.70, 17e-1), without
// the cost of building the SQL.
func (q *Query) Values(given map[string]string) ([]any, error) {
	vals, err := q.values(given)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(q.Params))
	for i, p := range q.Params {
		out[i] = vals[p.Name]
	}
	return out, nil
}

func (q *Query) values(given map[string]string) (map[string]any, error) {
	vals := map[string]any{}
	for k := range given {
		if q.param(k) == nil {
			return nil, fmt.Errorf("%w: %s has no parameter %q (parameters: %s)", ictstat.ErrUsage, q.Name, k, q.paramNames())
		}
	}
	for _, p := range q.Params {
		raw, ok := given[p.Name]
		if !ok {
			raw = p.Default
		}
		if p.Required && raw == "" {
			return nil, fmt.Errorf("%w: %s needs parameter %s (%s)", ictstat.ErrUsage, q.Name, p.Name, p.Doc)
		}
		v, err := p.convert(raw)
		if err == nil {
			err = p.inRange(v)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: parameter %s: %v", ictstat.ErrUsage, p.Name, err)
		}
		vals[p.Name] = v
	}
	for _, c := range q.Checks {
		if err := c.holds(vals); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ictstat.ErrUsage, q.Name, err)
		}
	}
	return vals, nil
}

func (q *Query) param(name string) *Param {
	for i := range q.Params {
		if q.Params[i].Name == name {
			return &q.Params[i]
		}
	}
	return nil
}

func (q *Query) paramNames() string {
	names := make([]string, len(q.Params))
	for i, p := range q.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// holds reports whether the check holds for the bound values.
func (c Check) holds(vals map[string]any) error {
	num := func(name string) (float64, bool, error) {
		v, ok := vals[name]
		if !ok {
			return 0, false, fmt.Errorf("check on undeclared parameter %s", name)
		}
		switch x := v.(type) {
		case int64:
			return float64(x), true, nil
		case float64:
			return x, true, nil
		case nil:
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("check on parameter %s, which is not a number", name)
	}
	l, lok, err := num(c.Left)
	if err != nil {
		return err
	}
	r, rok, err := num(c.Right)
	if err != nil || !lok || !rok {
		return err
	}
	ok := map[string]bool{"<": l < r, "<=": l <= r, ">": l > r, ">=": l >= r, "!=": l != r}[c.Op]
	if !ok {
		return fmt.Errorf("parameter %s (%v) must be %s %s (%v): %s", c.Left, vals[c.Left], c.Op, c.Right, vals[c.Right], c.Doc)
	}
	return nil
}

// inRange checks a converted int or number against the declared bounds.
func (p *Param) inRange(v any) error {
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return nil
	}
	if (p.Min != nil && f < *p.Min) || (p.Max != nil && f > *p.Max) {
		return fmt.Errorf("%v is outside %v..%v", v, *p.Min, *p.Max)
	}
	return nil
}

// convert parses a raw parameter value as the parameter's type.
func (p *Param) convert(raw string) (any, error) {
	switch p.Type {
	case "enum":
		for _, c := range p.Choices {
			if raw == c {
				return raw, nil
			}
		}
		return nil, fmt.Errorf("%q is not one of %s", raw, strings.Join(p.Choices, ", "))
	case "bool":
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", raw)
		}
		return b, nil
	case "int":
		if raw == "" {
			return nil, nil // optional: SQL NULL, which the query documents
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", raw)
		}
		return n, nil
	case "number":
		if raw == "" {
			return nil, nil // optional: SQL NULL, which the query documents
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a number", raw)
		}
		return f, nil
	case "digits":
		if raw == "" || raw == Published {
			return raw, nil
		}
		if n, err := strconv.Atoi(raw); err == nil && n >= 0 && n <= 15 {
			return strconv.Itoa(n), nil
		}
		return nil, fmt.Errorf("%q is not empty, published or a number of decimals 0..15", raw)
	case "ebops":
		if !ictstat.ValidEBOPS(raw) {
			return nil, fmt.Errorf("%q is not an EBOPS 2010 code (e.g. SI, SI2)", raw)
		}
		return raw, nil
	case "timestamp":
		return parseTimestamp(raw)
	case "date":
		if _, err := time.Parse(time.DateOnly, raw); err != nil && raw != "" {
			return nil, fmt.Errorf("%q is not a day (YYYY-MM-DD)", raw)
		}
		return raw, nil
	case "month":
		if _, _, err := ictstat.ParseMonth(raw); err != nil && raw != "" {
			return nil, err
		}
		return raw, nil
	default:
		if len(raw) > 200 {
			return nil, fmt.Errorf("longer than 200 characters")
		}
		return raw, nil
	}
}

// timestampLayouts are the accepted spellings of a timestamp parameter, UTC
// unless they carry an offset.
var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// parseTimestamp reads a timestamp parameter: "latest", a time (RFC 3339, or
// YYYY-MM-DD HH:MM[:SS] in UTC) or a date, which means the end of that day
// UTC. It returns "latest", "" or the time in UTC as YYYY-MM-DD HH:MM:SS.ffffffZ,
// which DuckDB casts to a timestamp.
func parseTimestamp(raw string) (any, error) {
	if raw == "latest" || raw == "" {
		return raw, nil // the query's own meaning: the latest vintage, now
	}
	const out = "2006-01-02 15:04:05.000000Z"
	if d, err := time.Parse("2006-01-02", raw); err == nil {
		return d.Add(24*time.Hour - time.Microsecond).Format(out), nil
	}
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, raw); err == nil {
			return t.UTC().Format(out), nil
		}
	}
	return nil, fmt.Errorf("%q is not latest, a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM:SSZ)", raw)
}
