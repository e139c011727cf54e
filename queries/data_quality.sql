-- name: data_quality
-- title: Data quality by source
-- answers: For each source: when it was last pulled successfully, whether that is as fresh as its schedule promises, how many rows its runs committed and its table holds, and how many of its records sit in quarantine, by the rule they broke.
-- method: Runs come from the run log (job_runs), cut to the runs whose snapshot is the queried one or older. last_success_at is the end of the newest run with status ok. The scheduler records with each run its schedule, when the job is due next (next_due) and the schedule's interval there; a run outside the scheduler (ictstat ingest) records none, and then next_due is the last success plus the interval of the newest scheduled run. freshness at as_of: ok until next_due; due from next_due until one interval after it (the run may be in flight or retrying); stale later than that; never with no successful run; unscheduled when a source has succeeded but no run recorded a schedule. Rows: rows_committed sums the committed rows of the source's ok runs in the log; table_rows counts the rows of the table the source feeds in the snapshot (filings -> filings, registrations -> registrations, survey -> survey_responses, exports -> bop_exports, national_accounts -> national_accounts, fx -> fx_rates). Quarantine: records of the source in table quarantine in the snapshot, grouped by rule: the reason's text before its first colon, which names the field the record broke (exports.0.amount and exports.1.amount both count as exports[].amount). Flags (filings only): the current filings are checked for implausible values, kept but flagged: value added negative (gva_mnt < 0), exports above revenue (exports_mnt > revenue_mnt), wages above revenue (wages_mnt > revenue_mnt); and, once the register is loaded (table companies not empty), not registered in the month: a filing of a company with no registered spell of its registry history (transform.ActiveOn's spells) on any day of the filing's month. A filing may raise several flags. Every source of the contract is listed, pulled or not, and any other source found in the log or in quarantine; the warehouse's own maintenance job is left out.
-- param: as_of timestamp = : time to judge freshness at, e.g. 2026-11-27T12:00:00Z; empty: now
-- column: source [label] : source name
-- column: table_name [label] : warehouse table the source feeds
-- column: schedule [cron] : the source's schedule as last recorded; empty when never run by the scheduler
-- column: last_run_at [timestamp UTC] : end of the newest run, whatever its status
-- column: last_run_status [label] : ok, failed or cancelled
-- column: last_success_at [timestamp UTC] : end of the newest successful run
-- column: failed_since_success [runs] : runs that did not succeed after the last success
-- column: next_due [timestamp UTC] : when the schedule runs the source next after its last success
-- column: interval_hours [hours] : the schedule's interval
-- column: age_hours [hours] : as_of - last_success_at
-- column: freshness [label] : ok, due, stale, never or unscheduled (see method)
-- column: rows_committed [rows] : rows committed by the source's successful runs in the log
-- column: table_rows [rows] : rows of table_name in the snapshot
-- column: quarantined [rows] : records of the source in quarantine in the snapshot
-- column: quarantine_by_rule [text] : quarantined records by rule, most first: "registry_no 3; isic4 1"
-- column: flagged [flags] : filings: flags raised on the current filings, which are kept but to be read with care (see method)
-- column: flagged_by_rule [text] : filings: the flags by rule, most first: "exports above revenue 2; value added negative 1"
WITH params AS (
    SELECT coalesce(CAST(nullif($as_of, '') AS TIMESTAMPTZ), current_timestamp) AS as_of
), known (source, table_name) AS (
    VALUES ('filings', 'filings'), ('registrations', 'registrations'), ('survey', 'survey_responses'),
        ('exports', 'bop_exports'), ('national_accounts', 'national_accounts'), ('fx', 'fx_rates')
), runs AS (
    SELECT * FROM job_runs
    WHERE source <> 'warehouse' AND snapshot <= (SELECT coalesce(max(id), 0) FROM snapshots)
), sources AS (
    SELECT source FROM known
    UNION SELECT source FROM runs
    UNION SELECT source FROM quarantine
), last_run AS (
    SELECT source, ended_at AS at, status FROM runs
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY ended_at DESC) = 1
), last_ok AS (
    SELECT source, ended_at AS at, next_due, sum(rows_committed) OVER (PARTITION BY source) AS rows_committed
    FROM runs WHERE status = 'ok'
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY ended_at DESC) = 1
), sched AS (
    SELECT source, schedule, interval_s
    FROM runs WHERE schedule IS NOT NULL AND schedule <> ''
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY ended_at DESC) = 1
), fails AS (
    SELECT r.source, count(*) AS n
    FROM runs r LEFT JOIN last_ok o USING (source)
    WHERE r.status <> 'ok' AND (o.at IS NULL OR r.ended_at > o.at)
    GROUP BY r.source
), table_rows (table_name, n) AS (
    SELECT 'filings', count(*) FROM filings
    UNION ALL SELECT 'registrations', count(*) FROM registrations
    UNION ALL SELECT 'survey_responses', count(*) FROM survey_responses
    UNION ALL SELECT 'bop_exports', count(*) FROM bop_exports
    UNION ALL SELECT 'national_accounts', count(*) FROM national_accounts
    UNION ALL SELECT 'fx_rates', count(*) FROM fx_rates
), rules AS (
    SELECT source, regexp_replace(left(trim(split_part(reason, ':', 1)), 60), '\.[0-9]+', '[]', 'g') AS rule, count(*) AS n
    FROM quarantine GROUP BY ALL
), quarantined AS (
    SELECT source, sum(n) AS n, string_agg(rule || ' ' || n, '; ' ORDER BY n DESC, rule) AS by_rule
    FROM rules GROUP BY source
), flags AS (
    SELECT 'filings' AS source, rule, count(*) AS n FROM (
        SELECT 'value added negative' AS rule FROM filings WHERE gva_mnt < 0
        UNION ALL SELECT 'exports above revenue' FROM filings WHERE exports_mnt > revenue_mnt
        UNION ALL SELECT 'wages above revenue' FROM filings WHERE wages_mnt > revenue_mnt
        UNION ALL SELECT 'not registered in the month' FROM filings f
        WHERE NOT EXISTS (SELECT 1 FROM zone_filings z WHERE z.filing_id = f.filing_id)
    ) GROUP BY ALL
), flagged AS (
    SELECT source, sum(n) AS n, string_agg(rule || ' ' || n, '; ' ORDER BY n DESC, rule) AS by_rule
    FROM flags GROUP BY source
), joined AS (
    SELECT s.source, k.table_name, sc.schedule, lr.at AS last_run_at, lr.status AS last_run_status,
        o.at AS last_success_at, coalesce(f.n, 0) AS failed_since_success,
        coalesce(o.next_due, o.at + to_seconds(sc.interval_s)) AS next_due,
        sc.interval_s, coalesce(o.rows_committed, 0) AS rows_committed,
        t.n AS table_rows, coalesce(q.n, 0) AS quarantined, coalesce(q.by_rule, '') AS by_rule,
        coalesce(fl.n, 0) AS flagged, coalesce(fl.by_rule, '') AS flagged_by_rule
    FROM sources s
    LEFT JOIN known k USING (source)
    LEFT JOIN last_run lr USING (source)
    LEFT JOIN last_ok o USING (source)
    LEFT JOIN sched sc USING (source)
    LEFT JOIN fails f USING (source)
    LEFT JOIN table_rows t ON t.table_name = k.table_name
    LEFT JOIN quarantined q USING (source)
    LEFT JOIN flagged fl USING (source)
)
SELECT
    source, table_name, coalesce(schedule, '') AS schedule, last_run_at, last_run_status, last_success_at,
    CAST(failed_since_success AS BIGINT) AS failed_since_success,
    next_due,
    interval_s / 3600.0 AS interval_hours,
    epoch(p.as_of - last_success_at) / 3600.0 AS age_hours,
    CASE WHEN last_success_at IS NULL THEN 'never'
        WHEN next_due IS NULL THEN 'unscheduled'
        WHEN p.as_of <= next_due THEN 'ok'
        WHEN p.as_of <= next_due + to_seconds(coalesce(interval_s, 0)) THEN 'due'
        ELSE 'stale' END AS freshness,
    CAST(rows_committed AS BIGINT) AS rows_committed,
    CAST(table_rows AS BIGINT) AS table_rows,
    CAST(quarantined AS BIGINT) AS quarantined,
    by_rule AS quarantine_by_rule,
    CAST(flagged AS BIGINT) AS flagged,
    flagged_by_rule
FROM joined, params p
ORDER BY source
