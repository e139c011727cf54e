package ictstat

// Log field keys shared by every component, so that logs can be filtered the
// same way whatever wrote them.
const (
	LogComponent = "component"
	LogSource    = "source"
	LogJob       = "job"
	LogSnapshot  = "snapshot"
	LogFile      = "file"
	LogRequest   = "request_id"
	LogRows      = "rows"
)
