package warehouse

import (
	"github.com/parquet-go/parquet-go"

	"github.com/npit-mn/ictstat"
)

// Table names of the contract (docs/warehouse.md documents their columns).
const (
	TableFilings         = "filings"
	TableFilingRevisions = "filing_revisions"
	TableFilingExports   = "filing_exports"
	TableQuarantine      = "quarantine"
	TableFXRates         = "fx_rates"
	TableRegistrations   = "registrations"
	TableCompanies       = "companies"
	TableNationalAccount = "national_accounts"
	TableBopExports      = "bop_exports"
	TableSurveyResponses = "survey_responses"
	TableSurveyStrata    = "survey_strata"
)

// tableDef describes a stored table: its Parquet schema (from the Go row
// type), its hive partition keys with their SQL types, and how to merge
// files of one partition.
type tableDef struct {
	name    string
	schema  *parquet.Schema
	hive    [][2]string // partition key, DuckDB type, in path order
	compact func(tx *Tx, table, partition string, files []File) error
}

// tableDefs returns the stored tables in a fixed order.
func tableDefs() []tableDef {
	ym := [][2]string{{"year", "INTEGER"}, {"month", "INTEGER"}}
	return []tableDef{
		{name: TableFilings, schema: parquet.SchemaOf(ictstat.Filing{}), hive: ym, compact: compactAs[ictstat.Filing]},
		{name: TableFilingRevisions, schema: parquet.SchemaOf(ictstat.Filing{}), hive: ym, compact: compactAs[ictstat.Filing]},
		{name: TableFilingExports, schema: parquet.SchemaOf(ictstat.Export{}), hive: ym, compact: compactAs[ictstat.Export]},
		{name: TableQuarantine, schema: parquet.SchemaOf(ictstat.Quarantined{}), hive: [][2]string{{"source", "VARCHAR"}}, compact: compactAs[ictstat.Quarantined]},
		{name: TableFXRates, schema: parquet.SchemaOf(ictstat.FXRate{}), compact: compactAs[ictstat.FXRate]},
		{name: TableRegistrations, schema: parquet.SchemaOf(ictstat.Registration{}), compact: compactAs[ictstat.Registration]},
		{name: TableCompanies, schema: parquet.SchemaOf(ictstat.Company{}), compact: compactAs[ictstat.Company]},
		{name: TableNationalAccount, schema: parquet.SchemaOf(ictstat.NationalAccount{}), compact: compactAs[ictstat.NationalAccount]},
		{name: TableBopExports, schema: parquet.SchemaOf(ictstat.BopExport{}), compact: compactAs[ictstat.BopExport]},
		{name: TableSurveyResponses, schema: parquet.SchemaOf(ictstat.SurveyResponse{}), compact: compactAs[ictstat.SurveyResponse]},
		{name: TableSurveyStrata, schema: parquet.SchemaOf(ictstat.SurveyStratum{}), compact: compactAs[ictstat.SurveyStratum]},
	}
}

// compactAs rewrites the files of one partition as a single file.
func compactAs[T any](tx *Tx, table, partition string, files []File) error {
	rows, err := readParquet[T](tx.w.root, files)
	if err != nil {
		return err
	}
	tx.DropPartition(table, partition)
	_, err = stageRows(tx, table, partition, rows)
	return err
}

// ReadTable returns every row of an unpartitioned table as the transaction
// sees it (its base snapshot plus what it staged).
func ReadTable[T any](tx *Tx, table string) ([]T, error) {
	return readParquet[T](tx.w.root, tx.readable(tx.Files(table, "")))
}

// ReplaceTable stages rows as the whole content of an unpartitioned table.
func ReplaceTable[T any](tx *Tx, table string, rows []T) error {
	tx.DropPartition(table, "")
	if len(rows) == 0 {
		return nil
	}
	_, err := stageRows(tx, table, "", rows)
	return err
}

// AppendRows stages rows as one more file of an unpartitioned table.
func AppendRows[T any](tx *Tx, table string, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := stageRows(tx, table, "", rows)
	return err
}
