package publish

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/disclosure"
	"github.com/npit-mn/ictstat/queries"
)

// Names of the other release tables.
const (
	TableGDPShare      = "gdp_share"
	TableMarketEntry   = "market_entry"
	TableExports       = "exports_by_region"
	TableRegistrations = "registrations_by_zone"
	TableSurvey        = "survey_estimates"
)

// TableNames returns every release table, in publication order; a release
// publishes all of them unless the calendar lists fewer.
func TableNames() []string {
	return []string{TableGDPShare, TableSectorSizeYear, TableSectorSizeQuarter, TableMarketEntry,
		TableExports, TableRegistrations, TableSurvey}
}

// CheckTables refuses names that are not release tables, naming the first.
func CheckTables(names []string) error {
	for _, n := range names {
		if !slices.Contains(TableNames(), n) {
			return fmt.Errorf("%w: unknown release table %q (known: %s)", ictstat.ErrUsage, n, strings.Join(TableNames(), ", "))
		}
	}
	return nil
}

var (
	textPeriod    = Text{"Period", "Хугацаа"}
	sourceFilings = Text{"Monthly filings of virtual-zone companies (current revisions)", "Виртуал бүсийн аж ахуйн нэгжийн сарын тайлан (сүүлийн засвар)"}
)

// builder computes the tables of one release from one snapshot.
type builder struct {
	q      Querier
	snap   int64
	period Period
	rules  disclosure.Rules
	target TargetPath
	sector [2]*Table
}

// TargetPath is the ICT share of GDP that the target path asks for.
type TargetPath struct {
	BaseYear    int     // default 2024
	BaseShare   float64 // percent, default 1.7
	TargetYear  int     // default 2030
	TargetShare float64 // percent, default 5
}

func (t TargetPath) withDefaults() TargetPath {
	if t.BaseYear == 0 {
		t.BaseYear, t.BaseShare, t.TargetYear, t.TargetShare = 2024, 1.7, 2030, 5
	}
	return t
}

func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }

// provisional reports whether a period code (2026, 2026Q3, 2026-10) falls in
// the release's latest quarter or year: figures the next filings may revise.
func (b *builder) provisional(code string) bool {
	last := b.period.End.AddDate(0, 0, -1)
	switch {
	case strings.Contains(code, "Q"):
		return code == fmt.Sprintf("%dQ%d", last.Year(), (int(last.Month())+2)/3)
	case strings.Contains(code, "-"):
		return code == last.Format("2006-01")
	}
	return code == strconv.Itoa(last.Year())
}

// table computes one release table by name.
func (b *builder) table(ctx context.Context, name string) (*Table, error) {
	switch name {
	case TableSectorSizeYear:
		y, _, err := b.sectorSize(ctx)
		return y, err
	case TableSectorSizeQuarter:
		_, q, err := b.sectorSize(ctx)
		return q, err
	case TableGDPShare:
		return b.gdpShare(ctx)
	case TableMarketEntry:
		return b.marketEntry(ctx)
	case TableExports:
		return b.exports(ctx)
	case TableRegistrations:
		return b.registrations(ctx)
	case TableSurvey:
		return b.survey(ctx)
	}
	return nil, CheckTables([]string{name})
}

// named runs a named analytic with params on the release's snapshot and
// returns the columns cols of its rows.
func (b *builder) named(ctx context.Context, name string, params map[string]string, cols ...string) ([]row, error) {
	q, err := queries.Get(name)
	if err != nil {
		return nil, err
	}
	sql, args, err := q.Bind(params)
	if err != nil {
		return nil, err
	}
	sql = strings.TrimRight(strings.TrimSpace(sql), ";")
	wrapped := fmt.Sprintf("SELECT %s FROM (%s)", strings.Join(cols, ", "), sql)
	rows, err := queryRows(ctx, b.q, b.snap, wrapped, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rows, nil
}

// contribution is one company's part of an annual cell of a category.
type contribution struct {
	year     int
	category string
	company  string
	value    float64
}

// protected is a protected cell of an annual table: its year, category,
// value and status.
type protected struct {
	year     string
	category string
	value    float64
	status   disclosure.Status
	audit    *AuditEntry
}

// protectByYear builds one disclosure table per year (categories within
// their total, code _T) from company contributions, protects it, and returns
// its cells, years in order. Counts contribute 1 per unit counted.
func (b *builder) protectByYear(name string, kind disclosure.Kind, catDim string, contribs []contribution) ([]protected, []*disclosure.Table, error) {
	builders := map[int]*disclosure.Builder{}
	var years []int
	for _, c := range contribs {
		bl := builders[c.year]
		if bl == nil {
			bl = disclosure.NewBuilder(fmt.Sprintf("%s %d", name, c.year), kind, disclosure.Dim{Name: catDim, Total: divisionTotal})
			builders[c.year] = bl
			years = append(years, c.year)
		}
		bl.Add([]string{c.category}, c.company, c.value)
	}
	slices.Sort(years)
	var out []protected
	var tabs []*disclosure.Table
	for _, y := range years {
		t := builders[y].Table()
		if _, err := disclosure.Protect(t, b.rules); err != nil {
			return nil, nil, fmt.Errorf("%s %d: disclosure control: %w", name, y, err)
		}
		tabs = append(tabs, t)
		ys := strconv.Itoa(y)
		for i, c := range t.Cells {
			p := protected{year: ys, category: c.Key[0], value: c.Value, status: c.Status}
			if c.Status == disclosure.Confidential || c.Status == disclosure.Secondary {
				a := auditOf(t, i, nil)
				a.Key = []string{ys, c.Key[0]}
				for j := range a.Protects {
					a.Protects[j] = append([]string{ys}, a.Protects[j]...)
				}
				p.audit = &a
			} else if b.provisional(ys) {
				p.status = disclosure.Provisional
			}
			out = append(out, p)
		}
	}
	return out, tabs, nil
}
