// Package jobs runs the pipeline's work: one pull of a source from reading
// through validation to one warehouse commit, and (later) the schedules,
// run history, retries and backfills around such pulls.
package jobs
