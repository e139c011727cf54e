package kpi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/npit-mn/ictstat/queries"
)

// Name is the name of the KPI analytic.
const Name = "kpis"

// header documents the kpis analytic; its SQL is built from the KPIs.
const header = `-- name: kpis
-- title: Key performance indicators
-- answers: For each KPI of the configuration (and each of its disaggregations) by period: its value, baseline, target, progress towards the target and whether it is on track.
-- method: Each KPI's value by period comes from its SELECT (columns period, value) or its named analytic, run on the queried snapshot; a period a KPI returns twice is an error naming the KPI. Rows: every period with a value or a target. target is the KPI's target for the period, else the next target after it (target_period); path_value is where a straight line from the baseline to that target stands in the period's year (the target itself without a baseline). progress_pct = 100 * (value - baseline) / (target - baseline), or 100 * value / target without a baseline. status: no data when the period has no value; no target when the KPI has no target at or after the period; on track when the value is at or beyond path_value in the KPI's direction (up: at least, down: at most), both rounded to the published hundredth, behind otherwise. A KPI's SQL runs as ictstat sql does: one read-only SELECT over the warehouse views.
-- column: kpi [label] : KPI id
-- column: disaggregation [label] : "total", or the id of the KPI's disaggregation
-- column: name_en [text] : name in English
-- column: name_mn [text] : name in Mongolian
-- column: unit [label] : unit of value, baseline_value, target and path_value
-- column: period [label] : the period as the KPI's SQL gives it (2025, 2025-10, 2025Q3)
-- column: value [KPI unit] : the KPI in the period; NULL when no data
-- column: baseline_period [label] : period of the baseline
-- column: baseline_value [KPI unit] : the KPI's baseline
-- column: target_period [label] : period of the target compared with
-- column: target [KPI unit] : the target of target_period
-- column: path_value [KPI unit] : the straight-line path from the baseline to the target, in the period's year
-- column: progress_pct [percent] : progress from the baseline towards the target
-- column: status [label] : on track, behind, no data or no target
`

// Query returns the kpis analytic for defs, which Validate accepted.
func Query(defs []Def) (*queries.Query, error) {
	fl := flatten(defs)
	var vals, ds, ts []string
	for i, f := range fl {
		src, err := f.def.source()
		if err != nil {
			return nil, fmt.Errorf("kpi %s: %w", f.label(), err)
		}
		vals = append(vals, fmt.Sprintf("SELECT %d AS i, CAST(period AS VARCHAR) AS period, CAST(value AS DOUBLE) AS value FROM (\n%s\n) AS k%d", i, src, i))
		bp, bv := "NULL", "NULL"
		if b := f.def.Baseline; b != nil {
			bp, bv = quote(b.Period), num(b.Value)
		}
		dir := f.def.Direction
		if dir == "" {
			dir = "up"
		}
		ds = append(ds, fmt.Sprintf("(%d, %s, %s, %s, %s, %s, %s, %s, CAST(%s AS DOUBLE))", i, quote(f.kpi), quote(f.disaggregation),
			quote(f.def.Name.EN), quote(f.def.Name.MN), quote(f.def.Unit), quote(dir), bp, bv))
		periods := make([]string, 0, len(f.def.Targets))
		for p := range f.def.Targets {
			periods = append(periods, p)
		}
		sort.Strings(periods)
		for _, p := range periods {
			ts = append(ts, fmt.Sprintf("(%d, %s, CAST(%s AS DOUBLE))", i, quote(p), num(f.def.Targets[p])))
		}
	}
	if len(fl) == 0 {
		vals = []string{"SELECT 0 AS i, CAST(NULL AS VARCHAR) AS period, CAST(NULL AS DOUBLE) AS value WHERE false"}
		ds = []string{"(0, '', '', '', '', '', 'up', NULL, CAST(NULL AS DOUBLE))"}
	}
	targets := "SELECT CAST(NULL AS INTEGER) AS i, CAST(NULL AS VARCHAR) AS period, CAST(NULL AS DOUBLE) AS target WHERE false"
	if len(ts) > 0 {
		targets = "SELECT * FROM (VALUES " + strings.Join(ts, ",\n    ") + ") t(i, period, target)"
	}
	sql := fmt.Sprintf(`WITH v AS (
%s
), d AS (
    SELECT * FROM (VALUES %s) d(i, kpi, disaggregation, name_en, name_mn, unit, direction, baseline_period, baseline_value)
), t AS (
    %s
), guard AS (
    -- a period a KPI gives twice is an error naming the KPI, not a doubled row
    SELECT error('kpi ' || d.kpi || CASE WHEN d.disaggregation <> 'total' THEN '/' || d.disaggregation ELSE '' END
        || ': its SQL returns period ' || v.period || ' ' || CAST(count(*) AS VARCHAR) || ' times; want one row per period') AS e
    FROM v JOIN d USING (i) WHERE v.period IS NOT NULL
    GROUP BY d.kpi, d.disaggregation, v.period HAVING count(*) > 1
), p AS (
    SELECT i, period FROM v WHERE period IS NOT NULL UNION SELECT i, period FROM t
), r AS (
    SELECT p.i, p.period, v.value, nt.period AS target_period, nt.target
    FROM p
    LEFT JOIN v ON v.i = p.i AND v.period = p.period
    LEFT JOIN LATERAL (SELECT t.period, t.target FROM t WHERE t.i = p.i AND t.period >= p.period ORDER BY t.period LIMIT 1) nt ON true
), s AS (
    SELECT r.*, d.*  EXCLUDE (i),
        CASE WHEN d.baseline_value IS NULL OR try_cast(left(target_period, 4) AS INTEGER) <= try_cast(left(d.baseline_period, 4) AS INTEGER)
                OR try_cast(left(r.period, 4) AS INTEGER) IS NULL
            THEN r.target
            ELSE d.baseline_value + (r.target - d.baseline_value)
                * greatest(0, try_cast(left(r.period, 4) AS INTEGER) - try_cast(left(d.baseline_period, 4) AS INTEGER))
                / (try_cast(left(target_period, 4) AS INTEGER) - try_cast(left(d.baseline_period, 4) AS INTEGER)) END AS path_value
    FROM r JOIN d USING (i)
)
SELECT kpi, disaggregation, name_en, name_mn, unit, period, value, baseline_period, baseline_value, target_period, target, path_value,
    CASE WHEN target IS NULL OR value IS NULL THEN NULL
        WHEN baseline_value IS NULL THEN CASE WHEN target <> 0 THEN 100 * value / target END
        WHEN target <> baseline_value THEN 100 * (value - baseline_value) / (target - baseline_value) END AS progress_pct,
    CASE WHEN value IS NULL THEN 'no data'
        WHEN target IS NULL THEN 'no target'
        -- compared at the published precision, a hundredth, so that the noise of sums decides nothing
        WHEN direction = 'up' AND round(value, 2) >= round(path_value, 2) THEN 'on track'
        WHEN direction = 'down' AND round(value, 2) <= round(path_value, 2) THEN 'on track'
        ELSE 'behind' END AS status
FROM s
WHERE (SELECT count(e) FROM guard) = 0
ORDER BY i, period`, strings.Join(vals, "\n    UNION ALL\n"), strings.Join(ds, ",\n    "), targets)
	q, err := queries.Parse(header + sql)
	if err != nil {
		return nil, err
	}
	// A KPI's unit varies by row: its figures are published to a
	// hundredth, which leaves counts whole.
	for i, c := range q.Columns {
		if c.Unit == "KPI unit" {
			d := 2
			q.Columns[i].Digits = &d
		}
	}
	return q, nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
