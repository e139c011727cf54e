-- name: sector_size
-- title: Size of the ICT sector
-- answers: How large is the virtual-zone ICT sector in each period and subsector: active companies, revenue, gross value added, employment, wages and exports, in MNT and USD.
-- method: Sums the current revision of every filing (table filings) of a company registered in the virtual zone in the filing's month (once the register is loaded: table companies not empty; data_quality counts the filings left out) by period and subsector. A company is active in a period when it filed for at least one month of it. Flows (revenue, GVA, wages, exports) are summed over the months of the period; employees are the average over the period's months of the monthly total. USD figures convert each month at that month's average official rate (fx_rates); a USD figure is NULL when any month of its period has no rate. GVA = revenue - intermediate consumption. complete is false for a period with a month without any filing (as the first period of the data may be) or that holds the latest month of filings, which is still filling: such rows are not whole periods.
-- param: grain enum(month,quarter,year) = quarter : length of the period
-- param: subsector enum(class,division,all) = division : ISIC Rev.4 level to break the sector down by
-- param: ict_only bool = true : keep only classes inside the OECD ICT-sector definition
-- column: period [label] : the period, as 2026-10, 2026Q3 or 2026
-- column: period_start [date] : first day of the period
-- column: subsector [ISIC Rev.4] : class, division or "all"
-- column: complete [bool] : false for a partial period: months without any filing (the start of the data), or the latest month of filings, which is still filling (status P in releases)
-- column: months [months] : months of the period with at least one filing
-- column: active_companies [companies] : distinct registry numbers that filed in the period
-- column: revenue_mnt [MNT] : revenue
-- column: gva_mnt [MNT] : gross value added
-- column: employees [persons] : average monthly employment
-- column: wages_mnt [MNT] : wages paid
-- column: exports_mnt [MNT] : exports reported in the filings
-- column: revenue_usd [USD] : revenue at monthly average rates
-- column: gva_usd [USD] : gross value added at monthly average rates
-- column: exports_usd [USD] : exports at monthly average rates
WITH usd AS (
    SELECT date_trunc('month', "date") AS month, avg(mnt_per_unit) AS mnt_per_usd
    FROM fx_rates WHERE currency = 'USD' GROUP BY ALL
), f AS (
    SELECT
        CAST(date_trunc($grain, period) AS DATE) AS period_start,
        CASE $subsector WHEN 'class' THEN isic4 WHEN 'division' THEN isic_division ELSE 'all' END AS subsector,
        period, registry_no, revenue_mnt, gva_mnt, employees, wages_mnt, exports_mnt
    FROM zone_filings
    WHERE ict_sector OR NOT $ict_only
), monthly AS (
    -- one row per month of each period and subsector: a few thousand rows
    SELECT f.period_start, f.subsector, f.period,
        sum(f.revenue_mnt) AS revenue_mnt, sum(f.gva_mnt) AS gva_mnt, sum(f.employees) AS employees,
        sum(f.wages_mnt) AS wages_mnt, sum(f.exports_mnt) AS exports_mnt, any_value(usd.mnt_per_usd) AS mnt_per_usd
    FROM f LEFT JOIN usd ON usd.month = f.period
    GROUP BY ALL
), active AS (
    SELECT period_start, subsector, count(DISTINCT registry_no) AS active_companies
    FROM f GROUP BY ALL
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
)
SELECT
    CASE $grain
        WHEN 'month' THEN strftime(m.period_start, '%Y-%m')
        WHEN 'quarter' THEN strftime(m.period_start, '%Y') || 'Q' || quarter(m.period_start)
        ELSE strftime(m.period_start, '%Y') END AS period,
    m.period_start,
    m.subsector,
    coalesce(any_value(c.complete), false) AS complete,
    count(*) AS months,
    any_value(a.active_companies) AS active_companies,
    sum(m.revenue_mnt) AS revenue_mnt,
    sum(m.gva_mnt) AS gva_mnt,
    avg(m.employees) AS employees,
    sum(m.wages_mnt) AS wages_mnt,
    sum(m.exports_mnt) AS exports_mnt,
    CASE WHEN bool_and(m.mnt_per_usd IS NOT NULL) THEN sum(m.revenue_mnt / m.mnt_per_usd) END AS revenue_usd,
    CASE WHEN bool_and(m.mnt_per_usd IS NOT NULL) THEN sum(m.gva_mnt / m.mnt_per_usd) END AS gva_usd,
    CASE WHEN bool_and(m.mnt_per_usd IS NOT NULL) THEN sum(m.exports_mnt / m.mnt_per_usd) END AS exports_usd
FROM monthly m
JOIN active a USING (period_start, subsector)
LEFT JOIN fcomplete c USING (period_start)
GROUP BY m.period_start, m.subsector
ORDER BY m.period_start, m.subsector
