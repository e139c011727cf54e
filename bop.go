package ictstat

// BopExport is one balance-of-payments observation of services trade (an
// SDMX-CSV row after ACTION was applied): a row of bop_exports. OBS_STATUS
// travels with the value into every output.
type BopExport struct {
	Dataflow        string   `parquet:"dataflow,dict"`         // DATAFLOW or STRUCTURE_ID, e.g. BOM:ICT_SERV(1.0)
	Freq            string   `parquet:"freq,dict"`             // A, Q or M
	RefArea         string   `parquet:"ref_area,dict"`         // reporting economy, e.g. MN
	CounterpartArea string   `parquet:"counterpart_area,dict"` // ISO 3166-1 alpha-2, or an area code
	Aggregate       bool     `parquet:"counterpart_aggregate"` // counterpart is an area (W1 world, ...), not a country
	Flow            string   `parquet:"flow,dict"`             // C credit (exports), D debit (imports)
	ServiceItem     string   `parquet:"service_item,dict"`     // EBOPS 2010 code
	TimePeriod      string   `parquet:"time_period,dict"`      // as published: 2024, 2024-Q3, 2024-07
	PeriodStart     Date     `parquet:"period_start,date"`     // first day of the period
	Year            int32    `parquet:"year"`                  // calendar year of the period
	ObsValue        *float64 `parquet:"obs_value,optional"`    // as published, in 10^unit_mult unit_measure
	UnitMult        int32    `parquet:"unit_mult"`             // power of ten of obs_value
	UnitMeasure     string   `parquet:"unit_measure,dict"`     // currency of value, e.g. USD
	Value           *float64 `parquet:"value,optional"`        // obs_value × 10^unit_mult, in unit_measure; NULL when missing
	ObsStatus       string   `parquet:"obs_status,dict"`       // A normal, P provisional, E estimated, M missing
	Source          string   `parquet:"source,dict"`           // file path or URL
	SourceLine      int64    `parquet:"source_line"`           // line in the file
}
