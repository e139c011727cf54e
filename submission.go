package ictstat

// Submission is one survey submission as a KoboToolbox export holds it,
// before validation: its answers by field path (`group_company/employees`),
// metadata included (`_uuid`, `_submission_time`, `_id`, `_index`), every
// value as text (a multi-select as space-separated choice codes, its 0/1
// columns as `barriers/finance`). An unanswered question is absent or "".
type Submission struct {
	Origin string            // file path or page URL
	Line   int64             // 1-based line of the record in Origin (CSV: the header is line 1)
	Fields map[string]string // field path -> value as text
	Raw    string            // the record as received (a quarantined record is stored as its Fields in JSON, see transform.SurveyRaw)
}

// Kobo metadata fields of a submission.
const (
	KoboID             = "_id"
	KoboUUID           = "_uuid"
	KoboSubmissionTime = "_submission_time"
	KoboIndex          = "_index"
)
