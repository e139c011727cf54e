package warehouse

import (
	"io"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse/internal/pqwrite"
)

// The filings tables are written by pqwrite, which writes a bulk pull's
// files several times faster than parquet-go's generic writer; the other
// tables are small and keep the generic one. Both give the same schema.
var (
	filingsTable = pqwrite.NewTable("ictstat",
		pqwrite.String("filing_id", func(f *ictstat.Filing) string { return f.FilingID }),
		pqwrite.Int32("revision", func(f *ictstat.Filing) int32 { return f.Revision }),
		pqwrite.String("registry_no", func(f *ictstat.Filing) string { return f.RegistryNo }),
		pqwrite.String("company_name", func(f *ictstat.Filing) string { return f.CompanyName }),
		pqwrite.DictString("isic4", func(f *ictstat.Filing) string { return f.ISIC4 }),
		pqwrite.DictString("isic_division", func(f *ictstat.Filing) string { return f.ISICDivision }),
		pqwrite.Bool("ict_sector", func(f *ictstat.Filing) bool { return f.ICTSector }),
		pqwrite.DictString("zone", func(f *ictstat.Filing) string { return f.Zone }),
		pqwrite.Int32("period", func(f *ictstat.Filing) int32 { return int32(f.Period) }),
		pqwrite.Int64("submitted_at", func(f *ictstat.Filing) int64 { return f.SubmittedAt }),
		pqwrite.DictString("currency", func(f *ictstat.Filing) string { return f.Currency }),
		pqwrite.Double("revenue", func(f *ictstat.Filing) float64 { return f.Revenue }),
		pqwrite.Double("intermediate_consumption", func(f *ictstat.Filing) float64 { return f.IntermediateConsumption }),
		pqwrite.OptDouble("wages", func(f *ictstat.Filing) *float64 { return f.Wages }),
		pqwrite.Int32("employees", func(f *ictstat.Filing) int32 { return f.Employees }),
		pqwrite.OptDouble("rnd_expense", func(f *ictstat.Filing) *float64 { return f.RnDExpense }),
		pqwrite.Double("fx_mnt_per_unit", func(f *ictstat.Filing) float64 { return f.FXRate }),
		pqwrite.Double("revenue_mnt", func(f *ictstat.Filing) float64 { return f.RevenueMNT }),
		pqwrite.Double("intermediate_consumption_mnt", func(f *ictstat.Filing) float64 { return f.IntermediateMNT }),
		pqwrite.OptDouble("wages_mnt", func(f *ictstat.Filing) *float64 { return f.WagesMNT }),
		pqwrite.OptDouble("rnd_expense_mnt", func(f *ictstat.Filing) *float64 { return f.RnDExpenseMNT }),
		pqwrite.Double("gva_mnt", func(f *ictstat.Filing) float64 { return f.GVAMNT }),
		pqwrite.Double("exports_mnt", func(f *ictstat.Filing) float64 { return f.ExportsMNT }),
		pqwrite.Int32("export_lines", func(f *ictstat.Filing) int32 { return f.ExportLines }),
		pqwrite.Bool("flag_ai", func(f *ictstat.Filing) bool { return f.AI }),
		pqwrite.Bool("flag_startup", func(f *ictstat.Filing) bool { return f.Startup }),
		pqwrite.DictString("flags", func(f *ictstat.Filing) string { return f.Flags }),
		pqwrite.StringList("programs.list.element", func(f *ictstat.Filing) []string { return f.Programs }),
		pqwrite.DictString("source", func(f *ictstat.Filing) string { return f.Source }),
		pqwrite.Int64("source_line", func(f *ictstat.Filing) int64 { return f.SourceLine }),
	)
	exportsTable = pqwrite.NewTable("ictstat",
		pqwrite.String("filing_id", func(e *ictstat.Export) string { return e.FilingID }),
		pqwrite.Int32("revision", func(e *ictstat.Export) int32 { return e.Revision }),
		pqwrite.String("registry_no", func(e *ictstat.Export) string { return e.RegistryNo }),
		pqwrite.Int32("period", func(e *ictstat.Export) int32 { return int32(e.Period) }),
		pqwrite.DictString("country", func(e *ictstat.Export) string { return e.Country }),
		pqwrite.DictString("ebops", func(e *ictstat.Export) string { return e.EBOPS }),
		pqwrite.Bool("ict_service", func(e *ictstat.Export) bool { return e.ICTService }),
		pqwrite.Double("amount", func(e *ictstat.Export) float64 { return e.Amount }),
		pqwrite.DictString("currency", func(e *ictstat.Export) string { return e.Currency }),
		pqwrite.Double("amount_mnt", func(e *ictstat.Export) float64 { return e.AmountMNT }),
	)
)

// writeFast writes rows with pqwrite when their type has a table there,
// and reports whether it did.
func writeFast[T any](w io.Writer, rows []T) (bool, error) {
	switch rs := any(rows).(type) {
	case []ictstat.Filing:
		return true, filingsTable.Write(w, rs, rowGroupRows)
	case []ictstat.Export:
		return true, exportsTable.Write(w, rs, rowGroupRows)
	}
	return false, nil
}
