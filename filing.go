package ictstat

// Filing is one validated monthly report of a virtual-zone company: one row of
// the tables filings (the current revision of each filing_id) and
// filing_revisions (every revision ever accepted). Amounts without a suffix are
// in the filing's own currency; *_mnt columns are in Mongolian tögrög (MNT)
// converted at the official monthly average rate of the period.
type Filing struct {
	FilingID     string `parquet:"filing_id"`
	Revision     int32  `parquet:"revision"`
	RegistryNo   string `parquet:"registry_no"`
	CompanyName  string `parquet:"company_name"`
	ISIC4        string `parquet:"isic4,dict"`         // ISIC Rev.4 class, 4 digits
	ISICDivision string `parquet:"isic_division,dict"` // first two digits of isic4
	ICTSector    bool   `parquet:"ict_sector"`         // class inside the OECD ICT-sector definition
	Zone         string `parquet:"zone,dict"`
	Period       Date   `parquet:"period,date"`                         // first day of the reported month
	SubmittedAt  int64  `parquet:"submitted_at,timestamp(microsecond)"` // UTC
	Currency     string `parquet:"currency,dict"`                       // MNT or USD

	Revenue                 float64  `parquet:"revenue"`                      // currency
	IntermediateConsumption float64  `parquet:"intermediate_consumption"`     // currency
	Wages                   *float64 `parquet:"wages,optional"`               // currency
	Employees               int32    `parquet:"employees"`                    // persons
	RnDExpense              *float64 `parquet:"rnd_expense,optional"`         // currency
	FXRate                  float64  `parquet:"fx_mnt_per_unit"`              // MNT per unit of currency; 1 for MNT
	RevenueMNT              float64  `parquet:"revenue_mnt"`                  // MNT
	IntermediateMNT         float64  `parquet:"intermediate_consumption_mnt"` // MNT
	WagesMNT                *float64 `parquet:"wages_mnt,optional"`           // MNT
	RnDExpenseMNT           *float64 `parquet:"rnd_expense_mnt,optional"`     // MNT
	GVAMNT                  float64  `parquet:"gva_mnt"`                      // revenue - intermediate consumption, MNT
	ExportsMNT              float64  `parquet:"exports_mnt"`                  // sum of exports[].amount, MNT
	ExportLines             int32    `parquet:"export_lines"`                 // number of exports[] entries

	AI       bool     `parquet:"flag_ai"`
	Startup  bool     `parquet:"flag_startup"`
	Flags    string   `parquet:"flags,dict"`    // the flags object as JSON text, every key kept
	Programs []string `parquet:"programs,list"` // support programmes taken part in

	Source     string `parquet:"source,dict"` // file path or feed URL the record came from
	SourceLine int64  `parquet:"source_line"` // line in the file, or position in the feed page

	Exports []Export `parquet:"-"` // stored in filing_exports
}

// Export is one exports[] entry of a filing: a row of filing_exports, which
// holds the exports of the current revision of every filing.
type Export struct {
	FilingID   string  `parquet:"filing_id"`
	Revision   int32   `parquet:"revision"`
	RegistryNo string  `parquet:"registry_no"`
	Period     Date    `parquet:"period,date"`
	Country    string  `parquet:"country,dict"` // ISO 3166-1 alpha-2
	EBOPS      string  `parquet:"ebops,dict"`   // EBOPS 2010 service item
	ICTService bool    `parquet:"ict_service"`  // EBOPS code is SI or one of its sub-items
	Amount     float64 `parquet:"amount"`       // filing currency
	Currency   string  `parquet:"currency,dict"`
	AmountMNT  float64 `parquet:"amount_mnt"` // MNT
}

// Quarantined is a record that failed validation, kept with its reason so that
// it can be fixed and replayed: a row of the quarantine table.
type Quarantined struct {
	Source     string `parquet:"source,dict"` // filings, registrations, survey, ...
	Origin     string `parquet:"origin,dict"` // file path or URL
	Line       int64  `parquet:"line"`        // line or record number in origin, 1-based
	Reason     string `parquet:"reason"`      // first rule broken, naming the field
	Raw        string `parquet:"raw"`         // the record exactly as received
	Key        string `parquet:"key"`         // hash of source and raw: one row per distinct bad record
	ReceivedAt int64  `parquet:"received_at,timestamp(microsecond)"`
}

// FXRate is an official exchange rate of one day: a row of fx_rates.
type FXRate struct {
	Date       Date    `parquet:"date,date"`
	Currency   string  `parquet:"currency,dict"` // ISO 4217, e.g. USD
	MNTPerUnit float64 `parquet:"mnt_per_unit"`  // MNT per unit of currency
}
