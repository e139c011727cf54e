-- name: revisions
-- title: Revisions of GDP, ICT value added and the ICT share across NSO vintages
-- answers: How did NSO's published GDP, ICT value added or ICT share of GDP change from vintage to vintage: the revision triangle (each period as each vintage published it, and its revision from the first published value), and the mean and mean absolute revision of each vintage and from first to latest.
-- method: Reads every vintage in national_accounts at current prices (current_prices): GDP = activity_role 'total', ICT value added = activity_role 'ict' (summed over the activities configured as ICT), share = 100 * ICT value added / GDP of the same table and vintage; annual series (freq A) for grain=year, quarterly (freq Q) for grain=quarter, a year-to-date quarter turned into the quarter alone (Qn - Qn-1 of the same table and vintage). A vintage publishes a period when its cell is not NULL; when two tables publish the same period in the same vintage the single-period series, then the first table_id, is taken. The first publication of a period is the earliest vintage held that publishes it; it is the period's first estimate unless that vintage is the oldest held and publishes a later period too (a release adds the newest period, so the oldest vintage held republished its older periods, whose first estimates are not held): such periods have first_estimate false, no revision from first, and stay out of every mean. view=triangle: one row per period and vintage that publishes it, with revision_from_first = value - first published value and revision_from_previous = value - the value of the period's previous vintage. view=summary: for each vintage, over the periods with a first estimate that it publishes and an earlier vintage first published (periods), the mean of (value in this vintage - first published value) as revision_from_first, the mean of its absolute value as abs_revision_from_first, and the mean relative revision; then one row per period published more than once with a first estimate, from its first estimate to its latest publication (vintage: the latest; periods 1); then one row period='latest vs first' with the mean of those rows over periods and their number in periods (vintage NULL). A period published once is not revised yet and is not in the means. Revisions are in million MNT, or in percentage points for statistic=share.
-- param: statistic enum(gdp,ict_value_added,share) = gdp : the figure whose revisions are shown
-- param: grain enum(year,quarter) = year : annual or quarterly series
-- param: view enum(triangle,summary) = triangle : triangle: period x vintage; summary: mean and mean absolute revision per vintage, and latest vs first
-- column: period [label] : triangle: the year (2023) or quarter (2023Q4); summary: mean, or latest vs first
-- column: period_start [date] : triangle: first day of the period
-- column: vintage [timestamp UTC] : NSO vintage (the table's updated time); NULL in the latest-vs-first row
-- column: publication [ordinal] : triangle: 1 for the period's first publication, 2 for the next vintage that publishes it, ...; summary: the period's publications
-- column: first_estimate [bool] : whether the period's first publication held is its first estimate (see method); revisions from first are NULL when not
-- column: value [million MNT; percent for share] : triangle: the statistic as this vintage published it
-- column: first_value [million MNT; percent for share] : triangle: the statistic as first published
-- column: revision_from_first [million MNT; percentage points for share] : triangle: value - first_value; summary: its mean over periods
-- column: abs_revision_from_first [million MNT; percentage points for share] : triangle: |value - first_value|; summary: its mean over periods (mean absolute revision)
-- column: revision_pct_from_first [percent] : triangle: 100 * (value - first_value) / |first_value|, not for share; summary: its mean over periods
-- column: revision_from_previous [million MNT; percentage points for share] : triangle: value - the value of the period's previous publication
-- column: periods [periods] : summary: the periods averaged (1 in a period's own row)
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
), known AS (
    -- a period's first publication held is its first estimate unless the oldest vintage held published it beside a
    -- later period: a release adds the newest period, so the older periods of the oldest vintage were published before it
    SELECT period_start,
        min(vintage) > (SELECT min(vintage) FROM stat)
            OR period_start = (SELECT max(period_start) FROM stat WHERE vintage = (SELECT min(vintage) FROM stat)) AS first_estimate
    FROM stat GROUP BY period_start
), tri AS (
    SELECT period_start, vintage, value,
        row_number() OVER w AS publication,
        count(*) OVER (PARTITION BY period_start) AS publications,
        first_value(value) OVER w AS first_value,
        lag(value) OVER w AS prev_value
    FROM stat
    WINDOW w AS (PARTITION BY period_start ORDER BY vintage)
), rev AS (
    SELECT tri.*, k.first_estimate,
        CASE WHEN k.first_estimate THEN value - first_value END AS revision,
        CASE WHEN k.first_estimate AND $statistic <> 'share' AND first_value <> 0 THEN 100 * (value - first_value) / abs(first_value) END AS revision_pct
    FROM tri JOIN known k USING (period_start)
), label AS (
    SELECT *, CASE $grain WHEN 'year' THEN strftime(period_start, '%Y')
        ELSE strftime(period_start, '%Y') || 'Q' || quarter(period_start) END AS period
    FROM rev
)
SELECT * FROM (
    SELECT
        period, period_start, vintage, publication, first_estimate, value, first_value,
        revision AS revision_from_first,
        abs(revision) AS abs_revision_from_first,
        revision_pct AS revision_pct_from_first,
        value - prev_value AS revision_from_previous,
        CAST(NULL AS BIGINT) AS periods
    FROM label WHERE $view = 'triangle'
    UNION ALL
    SELECT 'mean', NULL, vintage, NULL, NULL, NULL, NULL, avg(revision), avg(abs(revision)), avg(revision_pct), NULL, count(*)
    FROM label WHERE $view = 'summary' AND publication > 1 AND first_estimate
    GROUP BY vintage
    UNION ALL
    -- each period from its first estimate to its latest publication
    SELECT period, period_start, vintage, publication, first_estimate, value, first_value, revision, abs(revision), revision_pct, NULL, 1
    FROM label WHERE $view = 'summary' AND publication > 1 AND publication = publications AND first_estimate
    UNION ALL
    SELECT 'latest vs first', NULL, NULL, NULL, NULL, NULL, NULL, avg(revision), avg(abs(revision)), avg(revision_pct), NULL, count(*)
    FROM label WHERE $view = 'summary' AND publication > 1 AND publication = publications AND first_estimate
    HAVING count(*) > 0
)
ORDER BY period = 'latest vs first', period = 'mean' DESC, CASE WHEN period = 'mean' THEN vintage END, period_start NULLS LAST, vintage NULLS LAST, period
