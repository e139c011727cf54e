package warehouse

import (
	"io"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse/internal/pqwrite"
)

// The filings tables are held and written column by column with pqwrite,
// which writes a bulk pull's files several times faster than parquet-go's
// generic writer; the other tables are small and keep the generic one.
// Both give the same schema. The columns are declared in the schema's
// order, which NewTable checks, and appendFiling and appendExport append a
// row's values in that order.
var (
	filingsTable = pqwrite.NewTable(ictstat.Filing{}, "ictstat",
		pqwrite.String("filing_id"), pqwrite.Int32("revision"), pqwrite.String("registry_no"),
		pqwrite.String("company_name"), pqwrite.DictString("isic4"), pqwrite.DictString("isic_division"),
		pqwrite.Bool("ict_sector"), pqwrite.DictString("zone"), pqwrite.Int32("period"),
		pqwrite.Int64("submitted_at"), pqwrite.DictString("currency"), pqwrite.Double("revenue"),
		pqwrite.Double("intermediate_consumption"), pqwrite.OptDouble("wages"), pqwrite.Int32("employees"),
		pqwrite.OptDouble("rnd_expense"), pqwrite.Double("fx_mnt_per_unit"), pqwrite.Double("revenue_mnt"),
		pqwrite.Double("intermediate_consumption_mnt"), pqwrite.OptDouble("wages_mnt"),
		pqwrite.OptDouble("rnd_expense_mnt"), pqwrite.Double("gva_mnt"), pqwrite.Double("exports_mnt"),
		pqwrite.Int32("export_lines"), pqwrite.Bool("flag_ai"), pqwrite.Bool("flag_startup"),
		pqwrite.DictString("flags"), pqwrite.StringList("programs.list.element"), pqwrite.DictString("source"),
		pqwrite.Int64("source_line"))
	exportsTable = pqwrite.NewTable(ictstat.Export{}, "ictstat",
		pqwrite.String("filing_id"), pqwrite.Int32("revision"), pqwrite.String("registry_no"),
		pqwrite.Int32("period"), pqwrite.DictString("country"), pqwrite.DictString("ebops"),
		pqwrite.Bool("ict_service"), pqwrite.Double("amount"), pqwrite.DictString("currency"),
		pqwrite.Double("amount_mnt"))
)

// Columns of filingsTable that the merge reads.
const (
	colFilingID = 0
	colRevision = 1
)

// appendFiling appends f to c, columns of filingsTable.
func appendFiling(c *pqwrite.Columns, f *ictstat.Filing) {
	c.String(colFilingID, f.FilingID)
	c.Int32(colRevision, f.Revision)
	c.String(2, f.RegistryNo)
	c.String(3, f.CompanyName)
	c.String(4, f.ISIC4)
	c.String(5, f.ISICDivision)
	c.Bool(6, f.ICTSector)
	c.String(7, f.Zone)
	c.Int32(8, int32(f.Period))
	c.Int64(9, f.SubmittedAt)
	c.String(10, f.Currency)
	c.Double(11, f.Revenue)
	c.Double(12, f.IntermediateConsumption)
	c.OptDouble(13, f.Wages)
	c.Int32(14, f.Employees)
	c.OptDouble(15, f.RnDExpense)
	c.Double(16, f.FXRate)
	c.Double(17, f.RevenueMNT)
	c.Double(18, f.IntermediateMNT)
	c.OptDouble(19, f.WagesMNT)
	c.OptDouble(20, f.RnDExpenseMNT)
	c.Double(21, f.GVAMNT)
	c.Double(22, f.ExportsMNT)
	c.Int32(23, f.ExportLines)
	c.Bool(24, f.AI)
	c.Bool(25, f.Startup)
	c.String(26, f.Flags)
	c.StringList(27, f.Programs)
	c.String(28, f.Source)
	c.Int64(29, f.SourceLine)
	c.EndRow()
}

// appendExport appends export e of filing f to c, columns of exportsTable.
// The filing's fields are f's, not e's, which need not be set.
func appendExport(c *pqwrite.Columns, f *ictstat.Filing, e *ictstat.Export) {
	c.String(0, f.FilingID)
	c.Int32(1, f.Revision)
	c.String(2, f.RegistryNo)
	c.Int32(3, int32(f.Period))
	c.String(4, e.Country)
	c.String(5, e.EBOPS)
	c.Bool(6, e.ICTService)
	c.Double(7, e.Amount)
	c.String(8, f.Currency)
	c.Double(9, e.AmountMNT)
	c.EndRow()
}

// writeFast writes rows with pqwrite when their type has a table there,
// and reports whether it did.
func writeFast[T any](w io.Writer, rows []T) (bool, error) {
	var t *pqwrite.Table
	var fill func(c *pqwrite.Columns)
	switch rs := any(rows).(type) {
	case []ictstat.Filing:
		t, fill = filingsTable, func(c *pqwrite.Columns) {
			for i := range rs {
				appendFiling(c, &rs[i])
			}
		}
	case []ictstat.Export:
		t, fill = exportsTable, func(c *pqwrite.Columns) {
			for i := range rs {
				e := &rs[i]
				f := ictstat.Filing{FilingID: e.FilingID, Revision: e.Revision, RegistryNo: e.RegistryNo, Period: e.Period, Currency: e.Currency}
				appendExport(c, &f, e)
			}
		}
	default:
		return false, nil
	}
	c := getColumns(t)
	defer putColumns(t, c)
	fill(c)
	return true, t.Write(w, c, rowGroupRows)
}
