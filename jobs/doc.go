// Package jobs runs the pipeline's work: one pull of a source from reading
// through validation to one warehouse commit, and the scheduler around such
// pulls (cron schedules, run history, retries with backoff, one catch-up run
// after downtime), and quarantine replays.
package jobs
