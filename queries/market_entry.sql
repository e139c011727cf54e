-- name: market_entry
-- title: Companies that entered foreign markets
-- answers: How many virtual-zone companies entered foreign markets in each period: new entrants, cumulative entrants and exporting companies, by destination region or country, or by the companies' ISIC division, zone or support programme.
-- method: Reads the current revision of every filing (filing_exports joined to filings on filing_id and revision) of a company registered in the virtual zone in the filing's month (once the register is loaded: table companies not empty; data_quality counts the filings left out), keeping export lines with an amount above zero; an amendment that removes an export line therefore removes the entry it was the only evidence of. With by=region or by=country a company enters a country in the first month it reports exports there, and a region in the first month it reports exports to any country of it (regions: the reference table regions, queries/regions.csv; a code missing from it counts as region "unknown"). With by=all, isic_division, zone or programme a company enters foreign markets in the month of its first export to any country, and is counted under the division and zone of that month's filing. A company takes part in a programme from the month of its first filing (current revision, any sector) that lists it in programs; by=programme counts an entrant under every programme it takes part in at its entry month, or "(none)", so programme rows may add up to more than all companies. Repeat exporters count once, in their first period. new_entrants counts the entries in the period, cumulative_entrants their running sum up to the period, exporting_companies the companies with exports in the period (in the category). Each category has a row for every period from its first export to the last period of any filing. ict_only keeps the exports of filings whose ISIC class is in the OECD ICT sector. The first period of the data counts as entrants every company already exporting then, since earlier exports are not in the warehouse: read new_entrants from the second period on: that first period, a period with a month without any filing, and the period holding the latest month of filings (still filling) have complete=false.
-- param: grain enum(month,quarter,year) = year : length of the period
-- param: by enum(region,country,all,isic_division,zone,programme) = region : what to break entrants down by: destination region or country, or the company's ISIC division, zone or support programme; all gives one category
-- param: ict_only bool = true : keep only filings of classes inside the OECD ICT-sector definition
-- column: period [label] : the period, as 2026-10, 2026Q3 or 2026
-- column: period_start [date] : first day of the period
-- column: breakdown [label] : the by parameter: region, country, all, isic_division, zone or programme
-- column: category [label] : region name, ISO 3166-1 alpha-2 country code, "all foreign markets", ISIC Rev.4 division, zone, or programme name ("(none)": no programme)
-- column: new_entrants [companies] : companies that entered the category's market(s) in the period
-- column: cumulative_entrants [companies] : companies that entered up to and including the period
-- column: exporting_companies [companies] : companies that reported exports in the period (to the category's destination, or from the category)
-- column: complete [bool] : false for the first period of the data (its new entrants include every company already exporting), a period with months without filings, or one holding the latest month of filings, still filling
WITH x AS (
    SELECT DISTINCT f.registry_no, f.period AS month, e.country, f.isic_division, f.zone
    FROM filing_exports e
    JOIN zone_filings f ON f.filing_id = e.filing_id AND f.revision = e.revision
    WHERE e.amount > 0 AND (f.ict_sector OR NOT $ict_only)
), part AS (
    SELECT registry_no, programme, min(period) AS since
    FROM (SELECT registry_no, period, unnest(programs) AS programme FROM filings)
    GROUP BY ALL
), xc AS (
    SELECT DISTINCT registry_no, month, category FROM (
        SELECT x.registry_no, x.month,
            CASE $by
                WHEN 'country' THEN x.country
                WHEN 'region' THEN coalesce(r.region, 'unknown')
                WHEN 'isic_division' THEN x.isic_division
                WHEN 'zone' THEN x.zone
                ELSE 'all foreign markets' END AS category
        FROM x LEFT JOIN regions r ON r.country = x.country
        WHERE $by <> 'programme'
        UNION ALL
        SELECT x.registry_no, x.month, coalesce(p.programme, '(none)') AS category
        FROM x LEFT JOIN part p ON p.registry_no = x.registry_no AND p.since <= x.month
        WHERE $by = 'programme'
    )
), entries AS (
    SELECT registry_no, category, month FROM (
        SELECT registry_no, category, month,
            min(month) OVER (PARTITION BY registry_no, CASE WHEN $by IN ('region', 'country') THEN category END) AS first_month
        FROM xc
    ) WHERE month = first_month
), new AS (
    SELECT CAST(date_trunc($grain, month) AS DATE) AS period_start, category, count(DISTINCT registry_no) AS new_entrants
    FROM entries GROUP BY ALL
), exporting AS (
    SELECT CAST(date_trunc($grain, month) AS DATE) AS period_start, category, count(DISTINCT registry_no) AS exporting_companies
    FROM xc GROUP BY ALL
), last_period AS (
    SELECT CAST(date_trunc($grain, max(period)) AS DATE) AS last_start
    FROM filings WHERE ict_sector OR NOT $ict_only
), fmonths AS (
    -- the months with filings (any sector): a period is complete when it has filings in every month and ends before
    -- the latest month of filings, which is still filling; the first period of the data may start mid-period
    SELECT CAST(date_trunc($grain, period) AS DATE) AS period_start, count(DISTINCT period) AS months,
        any_value(last_month) AS last_month
    FROM filings, (SELECT max(period) AS last_month FROM filings)
    GROUP BY ALL
), fcomplete AS (
    SELECT period_start,
        months = CASE $grain WHEN 'month' THEN 1 WHEN 'quarter' THEN 3 ELSE 12 END
            AND CAST(period_start + CASE $grain WHEN 'month' THEN INTERVAL 1 MONTH WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 YEAR END AS DATE) <= last_month AS complete
    FROM fmonths
), first_period AS (
    SELECT min(period_start) AS first_start FROM fmonths
), grid AS (
    SELECT category, CAST(unnest(range(CAST(first_start AS TIMESTAMP), CAST(last_start AS TIMESTAMP) + step, step)) AS DATE) AS period_start
    FROM (SELECT category, min(period_start) AS first_start FROM exporting GROUP BY ALL), last_period,
        (SELECT CASE $grain WHEN 'month' THEN INTERVAL 1 MONTH WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 YEAR END AS step)
)
SELECT
    CASE $grain
        WHEN 'month' THEN strftime(g.period_start, '%Y-%m')
        WHEN 'quarter' THEN strftime(g.period_start, '%Y') || 'Q' || quarter(g.period_start)
        ELSE strftime(g.period_start, '%Y') END AS period,
    g.period_start,
    CAST($by AS VARCHAR) AS breakdown,
    g.category,
    CAST(coalesce(n.new_entrants, 0) AS BIGINT) AS new_entrants,
    CAST(sum(coalesce(n.new_entrants, 0)) OVER (PARTITION BY g.category ORDER BY g.period_start) AS BIGINT) AS cumulative_entrants,
    CAST(coalesce(e.exporting_companies, 0) AS BIGINT) AS exporting_companies,
    coalesce(c.complete, false) AND g.period_start > (SELECT first_start FROM first_period) AS complete
FROM grid g
LEFT JOIN fcomplete c USING (period_start)
LEFT JOIN new n USING (period_start, category)
LEFT JOIN exporting e USING (period_start, category)
ORDER BY g.period_start, g.category
