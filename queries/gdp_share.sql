-- name: gdp_share
-- title: ICT share of GDP, nowcast and the 2030 target path
-- answers: What share of GDP does the ICT sector's value added make, by year (or quarter where NSO publishes quarters), from the national accounts; what does a filings-based nowcast say for years NSO has not published yet; and how far is the share from the path to the target (1.7% of GDP in 2024 to 5% in 2030), in percentage points and in million MNT of value added.
-- method: Official figures: national_accounts at current prices (current_prices), GDP = activity_role 'total', ICT value added = activity_role 'ict' (summed over the activities configured as ICT, NSO section J by default; named in `definition`), annual series (freq A) for grain=year, quarterly (freq Q) for grain=quarter; a year-to-date quarterly series is turned into single quarters (Qn - Qn-1 of the same table and vintage). GDP and ICT value added of a period come from one vintage (and table), so that the share never divides figures of two NSO releases: the greatest vintage at or before `vintage` ('latest': the greatest vintage; a date: the end of that day UTC) that published both, else the greatest that published either (then the share is NULL); a NULL cell counts as not published, so a newer release that blanks a cell leaves the period at the last release that published the pair. NSO's status of the cells (P preliminary) is kept in status. share_pct = 100 * ICT value added / GDP. Nowcast (grain=year only): for each year after the last year NSO published ICT value added (the base year), up to the last year with filings, the base year's official ICT value added is moved by the growth of the gross value added (filings.gva_mnt, current revisions) of the matched sample: the company-months present in both the year and the year before (the same company in the same calendar month, months 1..M, M = the last month with filings in the nowcast year, so a partial current year compares January..M of both years and a company that joined during the year adds only the months it filed in both). The filings taken are those of NSO's section J (ISIC divisions 58-63), as the official ICT value added, or with ict_definition=oecd those of the OECD ICT sector. Links are chained year over year, and a link whose matched base GVA is not positive gives no nowcast. Coverage is reported in value added (matched base-year GVA / all base-year GVA of the compared months) and in companies. Interval: a bootstrap over companies: each of `bootstrap` replicates draws the link's matched companies with replacement (a fixed hash of link year, replicate and draw, so every run gives the same interval), recomputes the link's growth and chains the replicates like the nowcast; share_low_pct and share_high_pct are the 2.5% and 97.5% quantiles over replicates divided by the nowcast's GDP, which rests on the gdp_growth assumption shown in gdp_growth_pct and is not part of the interval. A nowcast year of fewer than 12 compared months is marked complete=false. The nowcast's GDP is the official GDP of the year if NSO published it, else the base year's GDP moved by gdp_growth per year (default: the base year's official nominal growth over the year before); its share is therefore an estimate labelled kind='nowcast'. Target path: constant growth of the share from base_share in base_year to target_share in target_year, path_growth = (target_share/base_share)^(1/(target_year-base_year)) - 1, target_share_pct = base_share * (1 + path_growth)^(year - base_year), for base_year..target_year (quarters get their year's annual target: quarterly shares are seasonal, compare with care). on_track compares share and target at the published precision, both rounded to a hundredth of a percentage point. Every year (or quarter) of base_year..target_year appears, kind='no_data' when there is neither an official figure nor a nowcast.
-- param: grain enum(year,quarter) = year : length of the period; quarters only where NSO publishes a quarterly series, and no nowcast
-- param: vintage timestamp = latest : national-accounts vintage: latest, or a date (end of that day UTC) or time: for each period the greatest vintage at or before it
-- param: gdp_growth number[-50..100] = : nominal GDP growth in percent a year that moves GDP into nowcast years; empty: the base year's official nominal growth
-- param: base_year int[1990..2100] = 2024 : first year of the target path
-- param: base_share number[0.01..100] = 1.7 : ICT share of GDP in base_year, percent
-- param: target_year int[1990..2100] = 2030 : year of the target; must be after base_year
-- param: target_share number[0.01..100] = 5.0 : ICT share of GDP targeted for target_year, percent
-- param: ict_definition enum(section_j,oecd) = section_j : the filings the nowcast grows: section_j, NSO's section J (ISIC divisions 58-63), as the official ICT value added; oecd, the OECD ICT sector (section J's ICT classes with manufacturing 26, wholesale 465 and repair 951)
-- param: bootstrap int[0..9999] = 999 : replicates of the bootstrap over companies behind the nowcast's interval; 0: no interval
-- check: target_year > base_year : the target year must come after the base year of the path
-- column: period [label] : the year (2024) or quarter (2024Q2)
-- column: period_start [date] : first day of the period
-- column: year [year] : calendar year of the period
-- column: kind [official|nowcast|no_data] : official: NSO national accounts; nowcast: filings-based estimate; no_data: only the target path
-- column: status [OBS_STATUS] : official: NSO's statuses of the cells used (P preliminary), A when none; nowcast: E (estimate); NULL for no_data
-- column: complete [bool] : false for a nowcast year compared over fewer than 12 months (a partial year); NULL for no_data
-- column: definition [text] : the national-accounts activities taken as the ICT sector, with their codes
-- column: vintage [timestamp UTC] : NSO vintage of the official figures (the later of the GDP and ICT vintages); for a nowcast, of the base year's figures
-- column: gdp_mn_mnt [million MNT] : GDP at current prices; for a nowcast year without official GDP, projected with gdp_growth_pct
-- column: ict_va_mn_mnt [million MNT] : ICT gross value added at current prices (official or nowcast)
-- column: share_pct [percent] : ICT value added / GDP * 100
-- column: gdp_growth_pct [percent] : nominal GDP growth over the same period a year earlier (the assumed growth in nowcast years)
-- column: nowcast_base_year [year] : nowcast: the last year NSO published ICT value added, which the nowcast moves
-- column: nowcast_months [months] : nowcast: months 1..M compared in this year and the year before
-- column: nowcast_companies [companies] : nowcast: matched companies (ICT filings in the compared months of both years)
-- column: nowcast_coverage_pct [percent] : nowcast: coverage in value added: the matched company-months' share of the previous year's ICT GVA of all filers, over the compared months
-- column: nowcast_company_coverage_pct [percent] : nowcast: coverage in companies: matched companies / companies with ICT filings in the compared months of the previous year
-- column: nowcast_gva_growth_pct [percent] : nowcast: growth of the matched company-months' GVA over the year before (this link of the chain)
-- column: share_low_pct [percent] : nowcast: lower end of the 95% bootstrap interval of share_pct (companies resampled; GDP at the assumption in gdp_growth_pct)
-- column: share_high_pct [percent] : nowcast: upper end of that interval
-- column: target_share_pct [percent] : the share the target path needs in this year
-- column: path_growth_pct [percent a year] : constant growth of the share that the path from base_share to target_share takes
-- column: required_growth_pct [percent a year] : grain=year: growth of the share a year needed from this year's share to reach target_share in target_year
-- column: gap_pp [percentage points] : share_pct - target_share_pct (negative: below the path)
-- column: target_va_mn_mnt [million MNT] : ICT value added the path's share of this year's GDP would be
-- column: gap_va_mn_mnt [million MNT] : target_va_mn_mnt - ict_va_mn_mnt (positive: value added short of the path)
-- column: on_track [bool] : share_pct >= target_share_pct, both rounded to the published hundredth of a point
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
        string_agg(DISTINCT trim(n.activity || ' ' || n.activity_label), '; ' ORDER BY trim(n.activity || ' ' || n.activity_label)) AS activities,
        string_agg(DISTINCT nullif(n.status, ''), ',' ORDER BY nullif(n.status, '')) AS status
    FROM national_accounts n, p
    WHERE n.current_prices AND n.value_mn_mnt IS NOT NULL AND n.activity_role IN ('total', 'ict')
        AND n.freq = CASE $grain WHEN 'year' THEN 'A' ELSE 'Q' END
        AND n.vintage <= p.as_of
    GROUP BY n.table_id, n.vintage, n.period_start, n.year, n.ytd, n.activity_role
), single AS (
    -- a year-to-date quarter becomes the quarter alone: minus the previous quarter of the same table and vintage
    SELECT c.table_id, c.vintage, c.period_start, c.year, c.ytd, c.role, c.activities,
        CASE WHEN c.ytd AND month(c.period_start) > 1 THEN concat_ws(',', c.status, prev.status) ELSE c.status END AS status,
        CASE WHEN NOT c.ytd OR month(c.period_start) = 1 THEN c.value ELSE c.value - prev.value END AS value
    FROM cells c
    LEFT JOIN cells prev ON c.ytd AND prev.ytd AND prev.table_id = c.table_id AND prev.vintage = c.vintage
        AND prev.role = c.role AND prev.period_start = CAST(c.period_start - INTERVAL 3 MONTH AS DATE)
), pair AS (
    -- GDP and ICT as one table and vintage published them together
    SELECT coalesce(g.period_start, i.period_start) AS period_start, coalesce(g.year, i.year) AS year,
        coalesce(g.vintage, i.vintage) AS vintage, coalesce(g.ytd, i.ytd) AS ytd, coalesce(g.table_id, i.table_id) AS table_id,
        g.value AS gdp, i.value AS ict, i.activities, concat_ws(',', g.status, i.status) AS status
    FROM (SELECT * FROM single WHERE role = 'total' AND value IS NOT NULL) g
    FULL JOIN (SELECT * FROM single WHERE role = 'ict' AND value IS NOT NULL) i
        ON i.table_id = g.table_id AND i.vintage = g.vintage AND i.period_start = g.period_start AND i.ytd = g.ytd
), official AS (
    -- numerator and denominator from one vintage: the greatest that published both, else the greatest that published either
    SELECT period_start, year, gdp, ict, activities, vintage,
        nullif(array_to_string(list_sort(list_distinct(string_split(nullif(status, ''), ','))), ','), '') AS status
    FROM pair
    QUALIFY row_number() OVER (PARTITION BY period_start ORDER BY gdp IS NOT NULL AND ict IS NOT NULL DESC, vintage DESC, ytd, table_id) = 1
), base AS (
    -- the nowcast's base: the last year NSO published ICT value added
    SELECT o.year, o.gdp, o.ict, o.activities, o.vintage, o.status, 100 * (o.gdp / prev.gdp - 1) AS gdp_growth
    FROM official o LEFT JOIN official prev ON prev.year = o.year - 1
    WHERE $grain = 'year' AND o.ict IS NOT NULL
    ORDER BY o.year DESC LIMIT 1
), fil AS (
    -- the nowcast's ICT sector: NSO's section J (divisions 58-63) like the official figures, or the OECD ICT sector
    SELECT registry_no, year(period) AS y, month(period) AS m, gva_mnt
    FROM zone_filings
    WHERE year >= (SELECT year FROM base)
        AND CASE $ict_definition WHEN 'oecd' THEN ict_sector ELSE isic_division BETWEEN '58' AND '63' END
), ny AS (
    -- nowcast years: after the base year up to the last year with filings; M = the year's last month with filings
    SELECT r.y, (SELECT max(m) FROM fil WHERE fil.y = r.y) AS months
    FROM (SELECT CAST(unnest(range(base.year + 1, (SELECT max(y) FROM fil) + 1)) AS INTEGER) AS y FROM base) r
), cm AS (
    -- each company-month of the compared months, in the year before (base_gva) and the year (cur_gva)
    SELECT ny.y AS link_year, f.registry_no, f.m,
        sum(f.gva_mnt) FILTER (WHERE f.y = ny.y - 1) AS base_gva,
        sum(f.gva_mnt) FILTER (WHERE f.y = ny.y) AS cur_gva
    FROM ny JOIN fil f ON f.y IN (ny.y - 1, ny.y) AND f.m <= ny.months
    GROUP BY ny.y, f.registry_no, f.m
), co AS (
    -- each company of a link: its matched company-months (filed in both years) and all its base-year months
    SELECT link_year, registry_no,
        sum(base_gva) FILTER (WHERE cur_gva IS NOT NULL) AS matched_base,
        sum(cur_gva) FILTER (WHERE base_gva IS NOT NULL) AS matched_cur,
        sum(base_gva) AS all_base,
        count(*) FILTER (WHERE base_gva IS NOT NULL AND cur_gva IS NOT NULL) > 0 AS matched,
        count(base_gva) > 0 AS in_base
    FROM cm GROUP BY link_year, registry_no
), link AS (
    SELECT link_year,
        count(*) FILTER (WHERE matched) AS companies,
        count(*) FILTER (WHERE in_base) AS base_companies,
        sum(matched_base) AS matched_base,
        sum(matched_cur) AS matched_cur,
        sum(all_base) AS all_base
    FROM co GROUP BY link_year
), mco AS (
    -- the matched companies of each link, numbered for the bootstrap
    SELECT link_year, matched_base, matched_cur,
        row_number() OVER (PARTITION BY link_year ORDER BY registry_no) AS k,
        count(*) OVER (PARTITION BY link_year) AS n
    FROM co WHERE matched
), draws AS (
    -- replicate b draws n matched companies with replacement, by a fixed hash (seed 11): the same draws on every run
    SELECT link_year, b, 1 + CAST(hash(11, link_year, b, j) % CAST(n AS UBIGINT) AS BIGINT) AS k
    FROM (
        SELECT l.link_year, l.n, r.b, unnest(range(1, l.n + 1)) AS j
        FROM (SELECT DISTINCT link_year, n FROM mco) l, (SELECT unnest(range(1, $bootstrap + 1)) AS b) r
    )
), reps AS (
    SELECT d.link_year, d.b,
        CASE WHEN sum(m.matched_base) > 0 THEN sum(m.matched_cur) / sum(m.matched_base) END AS growth
    FROM draws d JOIN mco m ON m.link_year = d.link_year AND m.k = d.k
    GROUP BY d.link_year, d.b
), chain AS (
    SELECT ny.y, ny.months, coalesce(l.companies, 0) AS companies, l.base_companies, l.matched_base, l.all_base,
        CASE WHEN l.matched_base > 0 THEN l.matched_cur / l.matched_base END AS growth
    FROM ny LEFT JOIN link l ON l.link_year = ny.y
), rep_chain AS (
    -- each replicate chained over the links, as the nowcast itself
    SELECT r.b, ny.y,
        CASE WHEN count(*) OVER w = count(r.growth) OVER w THEN product(r.growth) OVER w END AS factor
    FROM ny JOIN reps r ON r.link_year = ny.y
    WINDOW w AS (PARTITION BY r.b ORDER BY ny.y ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), interval AS (
    SELECT y, quantile_cont(factor, 0.025) AS low, quantile_cont(factor, 0.975) AS high, count(*) AS reps
    FROM rep_chain GROUP BY y
    -- a year some link of whose chain has no replicates gets no interval
    HAVING count(*) = $bootstrap AND count(factor) = $bootstrap
), nowcast AS (
    SELECT c.y AS year, c.months, c.companies, 100 * (c.growth - 1) AS gva_growth,
        CASE WHEN c.all_base > 0 THEN 100 * c.matched_base / c.all_base END AS coverage,
        CASE WHEN c.base_companies > 0 THEN 100 * c.companies / c.base_companies END AS company_coverage,
        CASE WHEN count(*) OVER w = count(c.growth) OVER w THEN base.ict * product(c.growth) OVER w END AS ict,
        base.ict * iv.low AS ict_low, base.ict * iv.high AS ict_high,
        base.gdp * pow(1 + coalesce(p.gdp_growth, base.gdp_growth) / 100, c.y - base.year) AS gdp,
        base.year AS base_year, base.activities, base.vintage
    FROM chain c CROSS JOIN base CROSS JOIN p
    LEFT JOIN interval iv ON iv.y = c.y
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
        CASE WHEN o.ict IS NOT NULL OR (n.year IS NULL AND o.gdp IS NOT NULL) THEN coalesce(o.status, 'A')
            WHEN n.year IS NOT NULL THEN 'E' END AS status,
        CASE WHEN o.ict IS NOT NULL OR (n.year IS NULL AND o.gdp IS NOT NULL) THEN true
            WHEN n.year IS NOT NULL THEN n.months = 12 END AS complete,
        n.base_year, n.months, n.companies, n.coverage, n.company_coverage, n.gva_growth, n.ict_low, n.ict_high
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
    status,
    complete,
    CASE WHEN activities IS NOT NULL THEN 'NSO national accounts, activity ' || activities END
        || CASE WHEN kind = 'nowcast' THEN CASE $ict_definition WHEN 'oecd' THEN '; nowcast from filings of the OECD ICT sector' ELSE '; nowcast from filings of section J (divisions 58-63)' END ELSE '' END AS definition,
    vintage,
    gdp AS gdp_mn_mnt,
    ict AS ict_va_mn_mnt,
    share AS share_pct,
    gdp_growth AS gdp_growth_pct,
    base_year AS nowcast_base_year,
    CAST(months AS INTEGER) AS nowcast_months,
    companies AS nowcast_companies,
    coverage AS nowcast_coverage_pct,
    company_coverage AS nowcast_company_coverage_pct,
    gva_growth AS nowcast_gva_growth_pct,
    CASE WHEN gdp > 0 THEN 100 * ict_low / gdp END AS share_low_pct,
    CASE WHEN gdp > 0 THEN 100 * ict_high / gdp END AS share_high_pct,
    target_share AS target_share_pct,
    100 * path_growth AS path_growth_pct,
    CASE WHEN $grain = 'year' AND share > 0 AND year < target_year
        THEN 100 * (pow(final_share / share, 1.0 / (target_year - year)) - 1) END AS required_growth_pct,
    share - target_share AS gap_pp,
    target_share / 100 * gdp AS target_va_mn_mnt,
    target_share / 100 * gdp - ict AS gap_va_mn_mnt,
    -- compared at the published precision (a hundredth of a point): 1.7000002 is not above 1.70
    round(share, 2) >= round(target_share, 2) AS on_track
FROM s
ORDER BY period_start
