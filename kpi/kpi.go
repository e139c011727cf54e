// Package kpi turns the key performance indicators of the configuration
// into one named analytic, kpis: each KPI is data (an id, names in
// Mongolian and English, a unit, a SELECT or a named analytic that gives
// its value by period, a baseline, targets and a direction), and the
// analytic reports each KPI by period with its value, baseline, target,
// progress and status. The KPIs' SQL runs as `ictstat sql` does: one
// read-only SELECT over the tables of one snapshot, through
// warehouse.Query, so a KPI is reproducible from any snapshot.
package kpi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

// Names are a KPI's names in English and Mongolian.
type Names struct {
	EN string `yaml:"en" json:"en"`
	MN string `yaml:"mn" json:"mn"`
}

// Point is a KPI's value in one period.
type Point struct {
	Period string  `yaml:"period" json:"period"`
	Value  float64 `yaml:"value" json:"value"`
}

// Def is one KPI. Its value comes from SQL, one SELECT over the warehouse
// views returning the columns period and value, or from a named analytic:
// Analytic run with Params, column Value taken as the value of the row's
// period, keeping the rows whose columns equal Where.
type Def struct {
	ID        string             `yaml:"id" json:"id"`
	Name      Names              `yaml:"name" json:"name"`
	Unit      string             `yaml:"unit" json:"unit"`
	SQL       string             `yaml:"sql,omitempty" json:"sql,omitempty"`
	Analytic  string             `yaml:"analytic,omitempty" json:"analytic,omitempty"`
	Params    map[string]string  `yaml:"params,omitempty" json:"params,omitempty"`
	Value     string             `yaml:"value,omitempty" json:"value,omitempty"`
	Where     map[string]string  `yaml:"where,omitempty" json:"where,omitempty"`
	Baseline  *Point             `yaml:"baseline,omitempty" json:"baseline,omitempty"`
	Targets   map[string]float64 `yaml:"targets,omitempty" json:"targets,omitempty"`
	Direction string             `yaml:"direction,omitempty" json:"direction,omitempty"` // up (default) or down
	// Disaggregations are the KPI broken down (by market, zone, ...): each
	// is a Def of its own, without disaggregations, whose unit and
	// direction default to the KPI's.
	Disaggregations []Def `yaml:"disaggregations,omitempty" json:"disaggregations,omitempty"`
}

var idRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Validate checks every KPI and returns an error wrapping ictstat.ErrUsage
// that names the KPI and the field to fix.
func Validate(defs []Def) error {
	seen := map[string]bool{}
	for i, d := range defs {
		if err := d.validate(fmt.Sprintf("kpis[%d]", i), true); err != nil {
			return err
		}
		if seen[d.ID] {
			return fmt.Errorf("%w: kpis[%d]: id %q given twice", ictstat.ErrUsage, i, d.ID)
		}
		seen[d.ID] = true
		sub := map[string]bool{}
		for j, s := range d.Disaggregations {
			if err := s.inherit(d).validate(fmt.Sprintf("kpi %s: disaggregations[%d]", d.ID, j), false); err != nil {
				return err
			}
			if sub[s.ID] {
				return fmt.Errorf("%w: kpi %s: disaggregation %q given twice", ictstat.ErrUsage, d.ID, s.ID)
			}
			sub[s.ID] = true
		}
	}
	return nil
}

// inherit returns s with the unit and direction of its KPI where it has
// none.
func (s Def) inherit(parent Def) Def {
	if s.Unit == "" {
		s.Unit = parent.Unit
	}
	if s.Direction == "" {
		s.Direction = parent.Direction
	}
	return s
}

func (d Def) validate(where string, top bool) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s (%s): %s", ictstat.ErrUsage, where, d.ID, fmt.Sprintf(format, args...))
	}
	switch {
	case !idRe.MatchString(d.ID):
		return bad("id %q: want lower-case letters, digits and _, starting with a letter", d.ID)
	case strings.TrimSpace(d.Name.EN) == "" || strings.TrimSpace(d.Name.MN) == "":
		return bad("name: want both en and mn")
	case d.Unit == "":
		return bad("unit missing")
	case d.Direction != "" && d.Direction != "up" && d.Direction != "down":
		return bad("direction %q: want up or down", d.Direction)
	case !top && len(d.Disaggregations) > 0:
		return bad("a disaggregation has no disaggregations of its own")
	case (d.SQL == "") == (d.Analytic == ""):
		return bad("want exactly one of sql and analytic")
	}
	if d.Baseline != nil && d.Baseline.Period == "" {
		return bad("baseline: period missing")
	}
	for p := range d.Targets {
		if p == "" {
			return bad("targets: a target without a period")
		}
	}
	if _, err := d.source(); err != nil {
		return bad("%v", err)
	}
	return nil
}

// source returns the SELECT that gives the KPI's period and value.
func (d Def) source() (string, error) {
	if d.SQL != "" {
		sql := strings.TrimSpace(d.SQL)
		sql = strings.TrimSpace(strings.TrimSuffix(sql, ";"))
		if strings.Contains(sql, ";") {
			return "", errors.New("sql: want one SELECT, without ';'")
		}
		return sql, nil
	}
	q, err := queries.Get(d.Analytic)
	if err != nil {
		return "", fmt.Errorf("analytic: %w", err)
	}
	if q.Unit(d.Value) == "" {
		return "", fmt.Errorf("value: analytic %s has no column %q", d.Analytic, d.Value)
	}
	sql, args, err := q.Bind(d.Params)
	if err != nil {
		return "", fmt.Errorf("params: %w", err)
	}
	sql, err = inline(sql, args)
	if err != nil {
		return "", err
	}
	var conds []string
	keys := make([]string, 0, len(d.Where))
	for k := range d.Where {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if q.Unit(k) == "" {
			return "", fmt.Errorf("where: analytic %s has no column %q", d.Analytic, k)
		}
		conds = append(conds, fmt.Sprintf("CAST(%q AS VARCHAR) = %s", k, quote(d.Where[k])))
	}
	where := ""
	if len(conds) > 0 {
		where = "\nWHERE " + strings.Join(conds, " AND ")
	}
	return fmt.Sprintf("SELECT period, %q AS value FROM (\n%s\n) AS analytic%s", d.Value, sql, where), nil
}

var argRe = regexp.MustCompile(`\$(\d+)`)

// inline writes the bound arguments of an analytic into its SQL as
// literals, so that several analytics join one statement. The arguments
// are the typed values Bind checked: text, whole numbers, numbers,
// booleans or NULL.
func inline(sql string, args []any) (string, error) {
	var err error
	out := argRe.ReplaceAllStringFunc(sql, func(m string) string {
		n, _ := strconv.Atoi(m[1:])
		if n < 1 || n > len(args) {
			err = fmt.Errorf("placeholder %s without an argument", m)
			return m
		}
		switch v := args[n-1].(type) {
		case nil:
			return "NULL"
		case string:
			return quote(v)
		case int64:
			return strconv.FormatInt(v, 10)
		case float64:
			return strconv.FormatFloat(v, 'g', -1, 64)
		case bool:
			return strconv.FormatBool(v)
		default:
			err = fmt.Errorf("argument %s of type %T", m, v)
			return m
		}
	})
	return out, err
}

// quote is s as an SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Querier runs one read-only SELECT on a snapshot: *warehouse.Warehouse.
type Querier interface {
	Query(ctx context.Context, id int64, query string, args ...any) (*warehouse.Result, error)
}

// Check runs each KPI's SELECT on snapshot snap (negative: current) without
// reading its rows and returns an error wrapping ictstat.ErrUsage that
// names the first KPI whose SQL fails or does not return exactly the
// columns period and a numeric value.
func Check(ctx context.Context, q Querier, snap int64, defs []Def) error {
	for _, d := range flatten(defs) {
		src, err := d.def.source()
		if err != nil {
			return fmt.Errorf("%w: kpi %s: %v", ictstat.ErrUsage, d.label(), err)
		}
		res, err := q.Query(ctx, snap, "SELECT * FROM (\n"+src+"\n) AS kpi LIMIT 0")
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			return fmt.Errorf("%w: kpi %s: its SQL fails: %v", ictstat.ErrUsage, d.label(), err)
		}
		fields := res.Schema().Fields()
		res.Release()
		var names []string
		for _, f := range fields {
			names = append(names, f.Name)
		}
		if len(fields) != 2 || fields[0].Name != "period" || fields[1].Name != "value" {
			return fmt.Errorf("%w: kpi %s: returns columns (%s); want (period, value)", ictstat.ErrUsage, d.label(), strings.Join(names, ", "))
		}
		if !numeric(fields[1].Type.Name()) {
			return fmt.Errorf("%w: kpi %s: value is %s; want a number", ictstat.ErrUsage, d.label(), fields[1].Type)
		}
	}
	return nil
}

// numeric reports whether an Arrow type name is a number's.
func numeric(name string) bool {
	for _, p := range []string{"int", "uint", "float", "decimal"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// flat is a KPI or one of its disaggregations.
type flat struct {
	kpi, disaggregation string
	def                 Def
}

func (f flat) label() string {
	if f.disaggregation == "total" {
		return f.kpi
	}
	return f.kpi + "/" + f.disaggregation
}

func flatten(defs []Def) []flat {
	var out []flat
	for _, d := range defs {
		out = append(out, flat{d.ID, "total", d})
		for _, s := range d.Disaggregations {
			out = append(out, flat{d.ID, s.ID, s.inherit(d)})
		}
	}
	return out
}
