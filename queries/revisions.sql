-- name: revisions
-- title: Revisions of GDP, ICT value added and the ICT share across NSO vintages
-- answers: How did NSO's published GDP, ICT value added or ICT share of GDP change from vintage to vintage: the revision triangle (each period as each vintage published it, and its revision from the first published value), and the mean and mean absolute revision of each vintage and from first to latest.
-- method: Reads every vintage in national_accounts at current prices (current_prices): GDP = activity_role 'total', ICT value added = activity_role 'ict' (summed over the activities configured as ICT), share = 100 * ICT value added / GDP of the same table and vintage; annual series (freq A) for grain=year, quarterly (freq Q) for grain=quarter, a year-to-date quarter turned into the quarter alone (Qn - Qn-1 of the same table and vintage). A vintage publishes a period when its cell is not NULL; when two tables publish the same period in the same vintage the single-period series, then the first table_id, is taken. The first publication of a period is its earliest vintage. view=triangle: one row per period and vintage that publishes it, with revision_from_first = value - first published value and revision_from_previous = value - the value of the period's previous vintage. view=summary: for each vintage, over the periods it publishes that an earlier vintage first published (periods), the mean of (value in this vintage - first published value) as revision_from_first, the mean of its absolute value as abs_revision_from_first, and the mean relative revision; then one row period='latest vs first' with the same means over every period published more than once, between its latest and its first value (vintage NULL). Revisions are in million MNT, or in percentage points for statistic=share.
-- param: statistic enum(gdp,ict_value_added,share) = gdp : the figure whose revisions are shown
-- param: grain enum(year,quarter) = year : annual or quarterly series
-- param: view enum(triangle,summary) = triangle : triangle: period x vintage; summary: mean and mean absolute revision per vintage, and latest vs first
-- column: period [label] : triangle: the year (2023) or quarter (2023Q4); summary: mean, or latest vs first
-- column: period_start [date] : triangle: first day of the period
-- column: vintage [timestamp UTC] : NSO vintage (the table's updated time); NULL in the latest-vs-first row
-- column: publication [ordinal] : triangle: 1 for the period's first publication, 2 for the next vintage that publishes it, ...
-- column: value [million MNT; percent for share] : triangle: the statistic as this vintage published it
-- column: first_value [million MNT; percent for share] : triangle: the statistic as first published
-- column: revision_from_first [million MNT; percentage points for share] : triangle: value - first_value; summary: its mean over periods
-- column: abs_revision_from_first [million MNT; percentage points for share] : triangle: |value - first_value|; summary: its mean over periods (mean absolute revision)
-- column: revision_pct_from_first [percent] : triangle: 100 * (value - first_value) / |first_value|, not for share; summary: its mean over periods
-- column: revision_from_previous [million MNT; percentage points for share] : triangle: value - the value of the period's previous publication
-- column: periods [periods] : summary: the periods averaged
WITH cells AS (
    -- one value per table, vintage, period and role: GDP, or ICT summed over its activities
    SELECT table_id, vintage, period_start, ytd, activity_role AS role, sum(value_mn_mnt) AS value
    FROM national_accounts
    WHERE current_prices AND value_mn_mnt IS NOT NULL AND activity_role IN ('total', 'ict')
        AND freq = CASE $grain WHEN 'year' THEN 'A' ELSE 'Q' END
    GROUP BY ALL
), single AS (
    -- a year-to-date quarter becomes the quarter alone: minus the previous quarter of the same table and vintage
    SELECT c.table_id, c.vintage, c.period_start, c.ytd, c.role,
        CASE WHEN NOT c.ytd OR month(c.period_start) = 1 THEN c.value ELSE c.value - prev.value END AS value
    FROM cells c
    LEFT JOIN cells prev ON c.ytd AND prev.ytd AND prev.table_id = c.table_id AND prev.vintage = c.vintage
        AND prev.role = c.role AND prev.period_start = CAST(c.period_start - INTERVAL 3 MONTH AS DATE)
), stat AS (
    SELECT period_start, vintage, value FROM (
        SELECT coalesce(g.period_start, i.period_start) AS period_start, coalesce(g.vintage, i.vintage) AS vintage,
            coalesce(g.table_id, i.table_id) AS table_id, coalesce(g.ytd, i.ytd) AS ytd,
            CASE $statistic WHEN 'gdp' THEN g.value WHEN 'ict_value_added' THEN i.value
                ELSE CASE WHEN g.value > 0 THEN 100 * i.value / g.value END END AS value
        FROM (SELECT * FROM single WHERE role = 'total') g
        FULL JOIN (SELECT * FROM single WHERE role = 'ict') i
            ON i.table_id = g.table_id AND i.vintage = g.vintage AND i.period_start = g.period_start AND i.ytd = g.ytd
    )
    WHERE value IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY period_start, vintage ORDER BY ytd, table_id) = 1
), tri AS (
    SELECT period_start, vintage, value,
        row_number() OVER w AS publication,
        count(*) OVER (PARTITION BY period_start) AS publications,
        first_value(value) OVER w AS first_value,
        lag(value) OVER w AS prev_value
    FROM stat
    WINDOW w AS (PARTITION BY period_start ORDER BY vintage)
), rev AS (
    SELECT *, value - first_value AS revision,
        CASE WHEN $statistic <> 'share' AND first_value <> 0 THEN 100 * (value - first_value) / abs(first_value) END AS revision_pct
    FROM tri
)
SELECT
    CASE $grain WHEN 'year' THEN strftime(period_start, '%Y')
        ELSE strftime(period_start, '%Y') || 'Q' || quarter(period_start) END AS period,
    period_start, vintage, publication, value, first_value,
    revision AS revision_from_first,
    abs(revision) AS abs_revision_from_first,
    revision_pct AS revision_pct_from_first,
    value - prev_value AS revision_from_previous,
    CAST(NULL AS BIGINT) AS periods
FROM rev WHERE $view = 'triangle'
UNION ALL
SELECT 'mean', NULL, vintage, NULL, NULL, NULL, avg(revision), avg(abs(revision)), avg(revision_pct), NULL, count(*)
FROM rev WHERE $view = 'summary' AND publication > 1
GROUP BY vintage
UNION ALL
SELECT 'latest vs first', NULL, NULL, NULL, NULL, NULL, avg(revision), avg(abs(revision)), avg(revision_pct), NULL, count(*)
FROM rev WHERE $view = 'summary' AND publication > 1 AND publication = publications
HAVING count(*) > 0
ORDER BY period_start NULLS LAST, vintage NULLS LAST, period
