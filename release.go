package ictstat

import "time"

// Release statuses of ReleaseRecord.Status.
const (
	ReleaseScheduled = "scheduled" // in the calendar, not built yet
	ReleasePrepared  = "prepared"  // built, under embargo until its publication time
	ReleasePublished = "published" // public
)

// ReleaseRecord is one state of a statistical release: a line of the
// release log, whose latest line per release is a row of the releases table.
type ReleaseRecord struct {
	ID          string    `json:"id"`           // the period it covers: 2026Q3, 2026-10, 2026
	PeriodStart string    `json:"period_start"` // first day of the period, YYYY-MM-DD
	PeriodEnd   string    `json:"period_end"`   // last day of the period, YYYY-MM-DD
	Status      string    `json:"status"`       // prepared or published
	Snapshot    int64     `json:"snapshot"`     // the pinned snapshot the tables were computed from
	PublishAt   time.Time `json:"publish_at"`   // publication time (embargo ends), UTC
	BuiltAt     time.Time `json:"built_at"`     // when the artifacts were written, UTC
	RecordedAt  time.Time `json:"recorded_at"`  // when this line was written, UTC
	Folder      string    `json:"folder"`       // the release's folder of artifacts
	Tables      []string  `json:"tables"`       // the release tables it holds
	Manifest    string    `json:"manifest_sha256"`
}
