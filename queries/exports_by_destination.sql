-- name: exports_by_destination
-- title: ICT services exports by destination: filings and balance of payments
-- answers: Where do Mongolia's ICT services exports go, by partner country or region and period, as the virtual-zone filings report them and as the balance of payments (Bank of Mongolia) publishes them, with the share of BoP exports the filings cover and the BoP status flags.
-- method: Filings side: the export lines of the current revision of every filing (filing_exports joined to filings on filing_id and revision) whose EBOPS code is service_item or one of its sub-items (SI: every ICT service line), summed by period and partner; USD amounts convert each month's amount_mnt at that month's average official rate (fx_rates), and are NULL when any month of the period has no rate. BoP side: bop_exports cells of reporting economy MN, flow C (credit, exports) and service item service_item, value in unit_measure; for each period and counterpart the cells of the coarsest frequency that fits the grain are summed (grain=year: annual cells, else the quarters, else the months; grain=quarter: quarters, else months), so an annual and a quarterly series of the same year are never added together. Values in USD convert to MNT (and MNT to USD) at the period's average rate, the mean of the monthly averages, NULL unless every month of the period has a rate; missing values (obs_status M) add nothing but keep their flag. Country rows use only the BoP cells of countries (counterpart_aggregate false); region rows sum those countries by the reference table regions (queries/regions.csv; codes missing from it go to "unknown"); BoP area aggregates other than W1 are not used. The total row (partner W1) takes the BoP world (W1) cells, never the sum of the countries, and all filing lines of the item; so BoP countries need not add up to the total. coverage_ratio = filings_value / bop_value, NULL when bop_value is NULL or 0. complete is true only when both sides cover the whole period (see the column): a ratio of a partial side is not a coverage.
-- param: grain enum(quarter,year) = year : length of the period
-- param: by enum(country,region) = country : partner rows by country or by region (a W1 total row is always added)
-- param: currency enum(USD,MNT) = USD : currency of filings_value and bop_value
-- param: service_item ebops = SI : EBOPS 2010 item: SI ICT services (telecommunications, computer and information), SI2 computer services, ...
-- column: period [label] : the period, as 2026Q3 or 2026
-- column: period_start [date] : first day of the period
-- column: area_type [label] : country, region, or total (the W1 row)
-- column: partner [ISO 3166-1 alpha-2 | region | W1] : partner country code, region name, or W1 (world)
-- column: partner_name [label] : country name, region name, or World
-- column: region [label] : region of the partner (World for the total row)
-- column: currency [ISO 4217] : currency of filings_value and bop_value (the currency parameter)
-- column: filings_value [currency] : exports of the item reported in the filings, in the currency column's unit
-- column: filings_companies [companies] : companies whose filings report exports of the item to the partner
-- column: bop_value [currency] : balance-of-payments exports (credit) of the item, in the currency column's unit
-- column: coverage_ratio [ratio] : filings_value / bop_value
-- column: bop_status [OBS_STATUS codes] : the distinct statuses of the summed BoP cells, sorted and comma-separated (A normal, P provisional, E estimated, M missing)
-- column: bop_cells [cells] : BoP observations summed
-- column: complete [bool] : both sides cover the whole period: filings in every month of it, ending before the latest month of filings (still filling), and BoP cells for all of it (the annual cell, or every quarter or month); false otherwise, e.g. 10 months of filings against 3 quarters of BoP
WITH usd AS (
    SELECT date_trunc('month', "date") AS month, avg(mnt_per_unit) AS mnt_per_usd
    FROM fx_rates WHERE currency = 'USD' GROUP BY ALL
), period_rate AS (
    SELECT CAST(date_trunc($grain, month) AS DATE) AS period_start,
        CASE WHEN count(*) = CASE $grain WHEN 'quarter' THEN 3 ELSE 12 END THEN avg(mnt_per_usd) END AS mnt_per_usd
    FROM usd GROUP BY ALL
), fl AS (
    SELECT CAST(date_trunc($grain, e.period) AS DATE) AS period_start, e.country, e.registry_no,
        CASE WHEN $currency = 'MNT' THEN e.amount_mnt ELSE e.amount_mnt / usd.mnt_per_usd END AS v
    FROM filing_exports e
    JOIN zone_filings f ON f.filing_id = e.filing_id AND f.revision = e.revision
    LEFT JOIN usd ON usd.month = e.period
    WHERE starts_with(e.ebops, $service_item)
), fl_area AS (
    SELECT fl.period_start, CAST($by AS VARCHAR) AS area_type,
        CASE $by WHEN 'country' THEN fl.country ELSE coalesce(r.region, 'unknown') END AS partner, fl.registry_no, fl.v
    FROM fl LEFT JOIN regions r ON r.country = fl.country
    UNION ALL
    SELECT period_start, 'total', 'W1', registry_no, v FROM fl
), fagg AS (
    SELECT period_start, area_type, partner, count(DISTINCT registry_no) AS filings_companies,
        CASE WHEN bool_and(v IS NOT NULL) THEN sum(v) END AS filings_value
    FROM fl_area GROUP BY ALL
), bop AS (
    SELECT CAST(date_trunc($grain, period_start) AS DATE) AS period_start, period_start AS cell_start, counterpart_area, counterpart_aggregate,
        CASE freq WHEN 'A' THEN 3 WHEN 'Q' THEN 2 ELSE 1 END AS freq_rank,
        value, unit_measure, nullif(obs_status, '') AS obs_status
    FROM bop_exports
    WHERE flow = 'C' AND service_item = $service_item AND ref_area = 'MN'
        AND freq IN ('A', 'Q', 'M') AND (freq <> 'A' OR $grain = 'year')
), bop_conv AS (
    SELECT b.period_start, b.cell_start, b.freq_rank, b.counterpart_area, b.counterpart_aggregate, b.obs_status, b.value,
        CASE
            WHEN b.unit_measure = $currency THEN b.value
            WHEN $currency = 'MNT' AND b.unit_measure = 'USD' THEN b.value * p.mnt_per_usd
            WHEN $currency = 'USD' AND b.unit_measure = 'MNT' THEN b.value / p.mnt_per_usd
        END AS v
    FROM bop b LEFT JOIN period_rate p USING (period_start)
    QUALIFY b.freq_rank = max(b.freq_rank) OVER (PARTITION BY b.period_start, b.counterpart_area)
), bop_area AS (
    SELECT c.period_start, CAST($by AS VARCHAR) AS area_type,
        CASE $by WHEN 'country' THEN c.counterpart_area ELSE coalesce(r.region, 'unknown') END AS partner, c.obs_status, c.value, c.v,
        c.cell_start, c.freq_rank
    FROM bop_conv c LEFT JOIN regions r ON r.country = c.counterpart_area
    WHERE NOT c.counterpart_aggregate
    UNION ALL
    SELECT period_start, 'total', 'W1', obs_status, value, v, cell_start, freq_rank FROM bop_conv
    WHERE counterpart_aggregate AND counterpart_area = 'W1'
), bagg AS (
    SELECT period_start, area_type, partner,
        CASE WHEN bool_and(value IS NULL OR v IS NOT NULL) THEN sum(v) END AS bop_value,
        string_agg(DISTINCT obs_status, ',' ORDER BY obs_status) AS bop_status,
        count(*) AS bop_cells,
        -- the cells cover the whole period: one annual cell, or every quarter or month of it
        count(DISTINCT cell_start) = CASE max(freq_rank) WHEN 3 THEN 1
            WHEN 2 THEN CASE $grain WHEN 'year' THEN 4 ELSE 1 END
            ELSE CASE $grain WHEN 'year' THEN 12 ELSE 3 END END AS bop_whole
    FROM bop_area GROUP BY ALL
), fmonths AS (
    -- the months with filings: the filings side is whole when every month of the period has filings and the period
    -- ends before the latest month of filings, which is still filling
    SELECT CAST(date_trunc($grain, period) AS DATE) AS period_start, count(DISTINCT period) AS months,
        any_value(last_month) AS last_month
    FROM filings, (SELECT max(period) AS last_month FROM filings)
    GROUP BY ALL
), fcomplete AS (
    SELECT period_start,
        months = CASE $grain WHEN 'quarter' THEN 3 ELSE 12 END
            AND CAST(period_start + CASE $grain WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 YEAR END AS DATE) <= last_month AS complete
    FROM fmonths
)
SELECT
    CASE $grain
        WHEN 'quarter' THEN strftime(period_start, '%Y') || 'Q' || quarter(period_start)
        ELSE strftime(period_start, '%Y') END AS period,
    period_start,
    area_type,
    partner,
    CASE area_type WHEN 'country' THEN coalesce(r.country_name, partner) WHEN 'total' THEN 'World' ELSE partner END AS partner_name,
    CASE area_type WHEN 'country' THEN coalesce(r.region, 'unknown') WHEN 'total' THEN 'World' ELSE partner END AS region,
    CAST($currency AS VARCHAR) AS currency,
    CASE WHEN fagg.partner IS NULL THEN 0.0 ELSE fagg.filings_value END AS filings_value,
    CAST(coalesce(fagg.filings_companies, 0) AS BIGINT) AS filings_companies,
    bagg.bop_value,
    CASE WHEN bagg.bop_value <> 0 THEN (CASE WHEN fagg.partner IS NULL THEN 0.0 ELSE fagg.filings_value END) / bagg.bop_value END AS coverage_ratio,
    bagg.bop_status,
    CAST(coalesce(bagg.bop_cells, 0) AS BIGINT) AS bop_cells,
    coalesce(fc.complete, false) AND coalesce(bagg.bop_whole, false) AS complete
FROM fagg FULL OUTER JOIN bagg USING (period_start, area_type, partner)
LEFT JOIN fcomplete fc USING (period_start)
LEFT JOIN regions r ON area_type = 'country' AND r.country = partner
ORDER BY period_start, area_type = 'total', partner
