-- name: registrations
-- title: Virtual-zone registrations, deregistrations and active companies
-- answers: How many companies registered in and left the virtual zone in each period, and how many were active at the end of each period, in total, by zone or by ISIC Rev.4 division.
-- method: Counts the events of table registrations by the period of their date: registrations (event registered) and deregistrations (event deregistered), each under the zone and ISIC division the event itself states. Active companies are counted on the last day D of each period by the project's one definition of active (transform.ActiveOn, also the survey's population): a company is active on D when the spell of its registry history (table companies, column history, derived from its events in date order, on one day a registration before a deregistration) that covers D is a registration; it counts under that spell's zone and division. A company that left and registered again is not active in between, and counts under the class it had on D, not its latest. Periods run from the first to the last event with no gaps; each breakdown value appears from the period of its first event on, with zeros where nothing happened. The last period may be partial: its active count is taken on its last day from the events known, and it has complete=false.
-- param: grain enum(month,quarter,year) = month : length of the period
-- param: by enum(zone,isic_division,all) = all : break down by virtual zone, by ISIC Rev.4 division, or not at all
-- param: ict_only bool = false : keep only companies whose class is inside the OECD ICT-sector definition
-- column: period [label] : the period, as 2026-10, 2026Q3 or 2026
-- column: period_start [date] : first day of the period
-- column: period_end [date] : last day of the period, the day active_end is counted on
-- column: breakdown [label] : zone, ISIC Rev.4 division (2 digits) or "all"
-- column: registrations [events] : registration events dated in the period
-- column: deregistrations [events] : deregistration events dated in the period
-- column: active_end [companies] : companies active on period_end
-- column: complete [bool] : false for the last period, which holds the latest event and may still be running
WITH ev AS (
    SELECT registry_no, event, "date" AS d,
        CASE $by WHEN 'zone' THEN coalesce(nullif(zone, ''), '(none)')
            WHEN 'isic_division' THEN left(isic4, 2) ELSE 'all' END AS breakdown
    FROM registrations
    WHERE ict_sector OR NOT $ict_only
), periods AS (
    SELECT DISTINCT CAST(date_trunc($grain, m) AS DATE) AS period_start
    FROM (SELECT unnest(generate_series(CAST(date_trunc('month', min(d)) AS TIMESTAMP), CAST(max(d) AS TIMESTAMP), INTERVAL 1 MONTH)) AS m FROM ev)
), p AS (
    SELECT period_start,
        CAST(CASE $grain WHEN 'month' THEN period_start + INTERVAL 1 MONTH
            WHEN 'quarter' THEN period_start + INTERVAL 3 MONTH
            ELSE period_start + INTERVAL 1 YEAR END - INTERVAL 1 DAY AS DATE) AS period_end
    FROM periods
), flows AS (
    SELECT CAST(date_trunc($grain, d) AS DATE) AS period_start, breakdown,
        count(*) FILTER (WHERE event = 'registered') AS registrations,
        count(*) FILTER (WHERE event = 'deregistered') AS deregistrations
    FROM ev GROUP BY ALL
), spells AS (
    -- the spells transform.Companies derives from the events: the one definition of active (transform.ActiveOn)
    SELECT registry_no, UNNEST(history) AS s FROM companies
), active AS (
    SELECT p.period_start,
        CASE $by WHEN 'zone' THEN coalesce(nullif(sp.s.zone, ''), '(none)')
            WHEN 'isic_division' THEN left(sp.s.isic4, 2) ELSE 'all' END AS breakdown,
        count(DISTINCT sp.registry_no) AS active_end
    FROM p JOIN spells sp ON sp.s.registered AND sp.s.valid_from <= p.period_end
        AND (sp.s.valid_to IS NULL OR sp.s.valid_to > p.period_end)
    WHERE sp.s.ict_sector OR NOT $ict_only
    GROUP BY ALL
), grid AS (
    -- every breakdown value from the period of its first event on
    SELECT p.period_start, p.period_end, b.breakdown
    FROM p JOIN (SELECT breakdown, min(d) AS first FROM ev GROUP BY ALL) b
        ON p.period_end >= b.first
)
SELECT
    CASE $grain
        WHEN 'month' THEN strftime(g.period_start, '%Y-%m')
        WHEN 'quarter' THEN strftime(g.period_start, '%Y') || 'Q' || quarter(g.period_start)
        ELSE strftime(g.period_start, '%Y') END AS period,
    g.period_start,
    g.period_end,
    g.breakdown,
    coalesce(f.registrations, 0) AS registrations,
    coalesce(f.deregistrations, 0) AS deregistrations,
    coalesce(a.active_end, 0) AS active_end,
    g.period_start < (SELECT max(period_start) FROM p) AS complete
FROM grid g
LEFT JOIN flows f USING (period_start, breakdown)
LEFT JOIN active a USING (period_start, breakdown)
ORDER BY g.period_start, g.breakdown
