-- name: gdp_share
-- title: ICT share of GDP, nowcast and the 2030 target path
-- answers: What share of GDP does the ICT sector's value added make, by year (or quarter where NSO publishes quarters), from the national accounts; what does a filings-based nowcast say for years NSO has not published yet; and how far is the share from the path to the target (1.7% of GDP in 2024 to 5% in 2030), in percentage points and in million MNT of value added.
-- method: Official figures: national_accounts at current prices (current_prices), GDP = activity_role 'total', ICT value added = activity_role 'ict' (summed over the activities configured as ICT, NSO section J by default; named in `definition`), annual series (freq A) for grain=year, quarterly (freq Q) for grain=quarter; a year-to-date quarterly series is turned into single quarters (Qn - Qn-1 of the same table and vintage). For each period and role the value is the one of the greatest vintage at or before `vintage` ('latest': the greatest vintage; a date: the end of that day UTC); a NULL cell counts as not published. share_pct = 100 * ICT value added / GDP. Nowcast (grain=year only): for each year after the last year NSO published ICT value added (the base year), up to the last year with filings, the base year's official ICT value added is moved by the growth of the gross value added (filings.gva_mnt, current revisions, ict_sector) of the matched sample: the companies that filed in both the year and the year before, over the same months (months 1..M, M = the last month with ICT filings in the nowcast year, so a partial current year compares January..M of both years); links are chained year over year, and a link whose matched base GVA is not positive gives no nowcast. The nowcast's GDP is the official GDP of the year if NSO published it, else the base year's GDP moved by gdp_growth per year (default: the base year's official nominal growth over the year before); its share is therefore an estimate labelled kind='nowcast'. Target path: constant growth of the share from base_share in base_year to target_share in target_year, path_growth = (target_share/base_share)^(1/(target_year-base_year)) - 1, target_share_pct = base_share * (1 + path_growth)^(year - base_year), for base_year..target_year (quarters get their year's annual target: quarterly shares are seasonal, compare with care). Every year (or quarter) of base_year..target_year appears, kind='no_data' when there is neither an official figure nor a nowcast.
-- param: grain enum(year,quarter) = year : length of the period; quarters only where NSO publishes a quarterly series, and no nowcast
-- param: vintage timestamp = latest : national-accounts vintage: latest, or a date (end of that day UTC) or time: for each period the greatest vintage at or before it
-- param: gdp_growth number[-50..100] = : nominal GDP growth in percent a year that moves GDP into nowcast years; empty: the base year's official nominal growth
-- param: base_year int[1990..2100] = 2024 : first year of the target path
-- param: base_share number[0.01..100] = 1.7 : ICT share of GDP in base_year, percent
-- param: target_year int[1990..2100] = 2030 : year of the target; must be after base_year
-- param: target_share number[0.01..100] = 5.0 : ICT share of GDP targeted for target_year, percent
-- check: target_year > base_year : the target year must come after the base year of the path
-- column: period [label] : the year (2024) or quarter (2024Q2)
-- column: period_start [date] : first day of the period
-- column: year [year] : calendar year of the period
-- column: kind [official|nowcast|no_data] : official: NSO national accounts; nowcast: filings-based estimate; no_data: only the target path
-- column: definition [text] : the national-accounts activities taken as the ICT sector, with their codes
-- column: vintage [timestamp UTC] : NSO vintage of the official figures (the later of the GDP and ICT vintages); for a nowcast, of the base year's figures
-- column: gdp_mn_mnt [million MNT] : GDP at current prices; for a nowcast year without official GDP, projected with gdp_growth_pct
-- column: ict_va_mn_mnt [million MNT] : ICT gross value added at current prices (official or nowcast)
-- column: share_pct [percent] : ICT value added / GDP * 100
-- column: gdp_growth_pct [percent] : nominal GDP growth over the same period a year earlier (the assumed growth in nowcast years)
-- column: nowcast_base_year [year] : nowcast: the last year NSO published ICT value added, which the nowcast moves
-- column: nowcast_months [months] : nowcast: months 1..M compared in this year and the year before
-- column: nowcast_companies [companies] : nowcast: matched companies (ICT filings in the compared months of both years)
-- column: nowcast_coverage_pct [percent] : nowcast: the matched companies' share of the previous year's ICT GVA of all filers, over the compared months
-- column: nowcast_gva_growth_pct [percent] : nowcast: growth of the matched companies' GVA over the year before (this link of the chain)
-- column: target_share_pct [percent] : the share the target path needs in this year
-- column: path_growth_pct [percent a year] : constant growth of the share that the path from base_share to target_share takes
-- column: required_growth_pct [percent a year] : grain=year: growth of the share a year needed from this year's share to reach target_share in target_year
-- column: gap_pp [percentage points] : share_pct - target_share_pct (negative: below the path)
-- column: target_va_mn_mnt [million MNT] : ICT value added the path's share of this year's GDP would be
-- column: gap_va_mn_mnt [million MNT] : target_va_mn_mnt - ict_va_mn_mnt (positive: value added short of the path)
-- column: on_track [bool] : share_pct >= target_share_pct
WITH p0 AS (
    SELECT
        CAST(CASE WHEN $vintage = 'latest' THEN 'infinity' ELSE $vintage END AS TIMESTAMPTZ) AS as_of,
        CAST($gdp_growth AS DOUBLE) AS gdp_growth,
        CAST($base_year AS INTEGER) AS base_year,
        CAST($base_share AS DOUBLE) AS base_share,
        CAST($target_year AS INTEGER) AS target_year,
        CAST($target_share AS DOUBLE) AS target_share
), p AS (
    SELECT *,
        CASE WHEN target_year > base_year
            THEN pow(target_share / base_share, 1.0 / (target_year - base_year)) - 1 END AS path_growth
    FROM p0
), cells AS (
    -- one value per table, vintage, period and role: GDP, or ICT summed over its activities
    SELECT n.table_id, n.vintage, n.period_start, n.year, n.ytd, n.activity_role AS role,
        sum(n.value_mn_mnt) AS value,
        string_agg(DISTINCT trim(n.activity || ' ' || n.activity_label), '; ' ORDER BY trim(n.activity || ' ' || n.activity_label)) AS activities
    FROM national_accounts n, p
    WHERE n.current_prices AND n.value_mn_mnt IS NOT NULL AND n.activity_role IN ('total', 'ict')
        AND n.freq = CASE $grain WHEN 'year' THEN 'A' ELSE 'Q' END
        AND n.vintage <= p.as_of
    GROUP BY n.table_id, n.vintage, n.period_start, n.year, n.ytd, n.activity_role
), single AS (
    -- a year-to-date quarter becomes the quarter alone: minus the previous quarter of the same table and vintage
    SELECT c.table_id, c.vintage, c.period_start, c.year, c.ytd, c.role, c.activities,
        CASE WHEN NOT c.ytd OR month(c.period_start) = 1 THEN c.value ELSE c.value - prev.value END AS value
    FROM cells c
    LEFT JOIN cells prev ON c.ytd AND prev.ytd AND prev.table_id = c.table_id AND prev.vintage = c.vintage
        AND prev.role = c.role AND prev.period_start = CAST(c.period_start - INTERVAL 3 MONTH AS DATE)
), pick AS (
    SELECT * FROM single WHERE value IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY period_start, role ORDER BY vintage DESC, ytd, table_id) = 1
), official AS (
    SELECT coalesce(g.period_start, i.period_start) AS period_start, coalesce(g.year, i.year) AS year,
        g.value AS gdp, i.value AS ict, i.activities,
        CASE WHEN g.vintage IS NULL THEN i.vintage WHEN i.vintage IS NULL THEN g.vintage ELSE greatest(g.vintage, i.vintage) END AS vintage
    FROM (SELECT * FROM pick WHERE role = 'total') g
    FULL JOIN (SELECT * FROM pick WHERE role = 'ict') i ON i.period_start = g.period_start
), base AS (
    -- the nowcast's base: the last year NSO published ICT value added
    SELECT o.year, o.gdp, o.ict, o.activities, o.vintage, 100 * (o.gdp / prev.gdp - 1) AS gdp_growth
    FROM official o LEFT JOIN official prev ON prev.year = o.year - 1
    WHERE $grain = 'year' AND o.ict IS NOT NULL
    ORDER BY o.year DESC LIMIT 1
), fil AS (
    SELECT registry_no, year(period) AS y, month(period) AS m, gva_mnt
    FROM filings WHERE ict_sector AND year >= (SELECT year FROM base)
), ny AS (
    -- nowcast years: after the base year up to the last year with filings; M = the year's last month with filings
    SELECT r.y, (SELECT max(m) FROM fil WHERE fil.y = r.y) AS months
    FROM (SELECT CAST(unnest(range(base.year + 1, (SELECT max(y) FROM fil) + 1)) AS INTEGER) AS y FROM base) r
), win AS (
    SELECT ny.y AS link_year, f.registry_no,
        sum(f.gva_mnt) FILTER (WHERE f.y = ny.y - 1) AS base_gva,
        sum(f.gva_mnt) FILTER (WHERE f.y = ny.y) AS cur_gva
    FROM ny JOIN fil f ON f.y IN (ny.y - 1, ny.y) AND f.m <= ny.months
    GROUP BY ny.y, f.registry_no
), link AS (
    SELECT link_year,
        count(*) FILTER (WHERE base_gva IS NOT NULL AND cur_gva IS NOT NULL) AS companies,
        sum(base_gva) FILTER (WHERE cur_gva IS NOT NULL) AS matched_base,
        sum(cur_gva) FILTER (WHERE base_gva IS NOT NULL) AS matched_cur,
        sum(base_gva) AS all_base
    FROM win GROUP BY link_year
), chain AS (
    SELECT ny.y, ny.months, coalesce(l.companies, 0) AS companies, l.matched_base, l.all_base,
        CASE WHEN l.matched_base > 0 THEN l.matched_cur / l.matched_base END AS growth
    FROM ny LEFT JOIN link l ON l.link_year = ny.y
), nowcast AS (
    SELECT c.y AS year, c.months, c.companies, 100 * (c.growth - 1) AS gva_growth,
        CASE WHEN c.all_base > 0 THEN 100 * c.matched_base / c.all_base END AS coverage,
        CASE WHEN count(*) OVER w = count(c.growth) OVER w THEN base.ict * product(c.growth) OVER w END AS ict,
        base.gdp * pow(1 + coalesce(p.gdp_growth, base.gdp_growth) / 100, c.y - base.year) AS gdp,
        base.year AS base_year, base.activities, base.vintage
    FROM chain c, base, p
    WINDOW w AS (ORDER BY c.y ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), grid AS (
    SELECT period_start FROM official
    UNION SELECT make_date(year, 1, 1) FROM nowcast
    UNION SELECT make_date(CAST(ys.y AS INTEGER), CAST(ms.m AS INTEGER), 1)
    FROM (SELECT unnest(range(base_year, target_year + 1)) AS y FROM p) ys,
        (SELECT unnest(CASE $grain WHEN 'year' THEN [1] ELSE [1, 4, 7, 10] END) AS m) ms
), r AS (
    SELECT g.period_start, year(g.period_start) AS year,
        CASE WHEN o.ict IS NOT NULL THEN 'official' WHEN n.year IS NOT NULL THEN 'nowcast'
            WHEN o.gdp IS NOT NULL THEN 'official' ELSE 'no_data' END AS kind,
        coalesce(o.activities, n.activities, (SELECT activities FROM official WHERE activities IS NOT NULL ORDER BY period_start DESC LIMIT 1)) AS activities,
        CASE WHEN o.ict IS NOT NULL OR n.year IS NULL THEN o.vintage ELSE n.vintage END AS vintage,
        coalesce(o.gdp, n.gdp) AS gdp,
        coalesce(o.ict, n.ict) AS ict,
        n.base_year, n.months, n.companies, n.coverage, n.gva_growth
    FROM grid g
    LEFT JOIN official o ON o.period_start = g.period_start
    LEFT JOIN nowcast n ON o.ict IS NULL AND make_date(n.year, 1, 1) = g.period_start
), s AS (
    SELECT r.*,
        CASE WHEN r.gdp > 0 THEN 100 * r.ict / r.gdp END AS share,
        CASE WHEN prev.gdp > 0 THEN 100 * (r.gdp / prev.gdp - 1) END AS gdp_growth,
        CASE WHEN r.year BETWEEN p.base_year AND p.target_year
            THEN p.base_share * pow(1 + p.path_growth, r.year - p.base_year) END AS target_share,
        p.path_growth, p.target_share AS final_share, p.target_year
    FROM r
    CROSS JOIN p
    LEFT JOIN r prev ON prev.period_start = CAST(r.period_start - INTERVAL 1 YEAR AS DATE)
)
SELECT
    CASE $grain WHEN 'year' THEN strftime(period_start, '%Y')
        ELSE strftime(period_start, '%Y') || 'Q' || quarter(period_start) END AS period,
    period_start,
    CAST(year AS INTEGER) AS year,
    kind,
    CASE WHEN activities IS NOT NULL THEN 'NSO national accounts, activity ' || activities END AS definition,
    vintage,
    gdp AS gdp_mn_mnt,
    ict AS ict_va_mn_mnt,
    share AS share_pct,
    gdp_growth AS gdp_growth_pct,
    base_year AS nowcast_base_year,
    CAST(months AS INTEGER) AS nowcast_months,
    companies AS nowcast_companies,
    coverage AS nowcast_coverage_pct,
    gva_growth AS nowcast_gva_growth_pct,
    target_share AS target_share_pct,
    100 * path_growth AS path_growth_pct,
    CASE WHEN $grain = 'year' AND share > 0 AND year < target_year
        THEN 100 * (pow(final_share / share, 1.0 / (target_year - year)) - 1) END AS required_growth_pct,
    share - target_share AS gap_pp,
    target_share / 100 * gdp AS target_va_mn_mnt,
    target_share / 100 * gdp - ict AS gap_va_mn_mnt,
    share >= target_share AS on_track
FROM s
ORDER BY period_start
