package ictstat

// NationalAccount is one cell of a national-accounts table (NSO's PX-Web,
// JSON-stat) as one vintage published it: a row of national_accounts. Every
// vintage is kept, so a revised figure never overwrites history; the latest
// vintage of a period is the one with the greatest Vintage.
type NationalAccount struct {
	TableID        string   `parquet:"table_id,dict"`                    // PX-Web table, e.g. DT_NSO_0500_001V1
	Vintage        int64    `parquet:"vintage,timestamp(microsecond)"`   // the table's `updated` time, UTC
	PulledAt       int64    `parquet:"pulled_at,timestamp(microsecond)"` // when ictstat read it, UTC
	Indicator      string   `parquet:"indicator,dict"`                   // category code of the indicator dimension
	IndicatorLabel string   `parquet:"indicator_label,dict"`             // as published, trimmed
	CurrentPrices  bool     `parquet:"current_prices"`                   // the indicator configured as GDP at current prices
	Activity       string   `parquet:"activity,dict"`                    // category code of the activity dimension
	ActivityLabel  string   `parquet:"activity_label,dict"`              // as published, trimmed
	ActivityRole   string   `parquet:"activity_role,dict"`               // total, ict (section J by default) or other, from configuration
	Freq           string   `parquet:"freq,dict"`                        // A, Q or M
	Period         string   `parquet:"period,dict"`                      // normalised: 2024, 2024-Q2, 2024-03
	PeriodLabel    string   `parquet:"period_label,dict"`                // as published: 2024-II, 2016M3, 2024.03, ...
	PeriodStart    Date     `parquet:"period_start,date"`                // first day of the period
	Year           int32    `parquet:"year"`                             // calendar year of the period
	YTD            bool     `parquet:"ytd"`                              // the value is a year-to-date total
	Value          *float64 `parquet:"value_mn_mnt,optional"`            // million MNT; NULL when not published
	Status         string   `parquet:"status,dict"`                      // JSON-stat status of the cell, "" when none
	Source         string   `parquet:"source,dict"`                      // file path or URL the vintage came from
}

// Activity roles of NationalAccount.ActivityRole.
const (
	ActivityTotal = "total" // the whole economy: GDP
	ActivityICT   = "ict"   // the activity taken as the ICT sector
	ActivityOther = "other"
)
