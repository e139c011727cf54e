package publish

import (
	"encoding/csv"
	"io"
	"strconv"
)

// formatValue writes a published value with the measure's decimals.
func formatValue(v float64, decimals int) string {
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// writeCSV writes a table in long form: period, the other dimensions,
// measure, unit, value, status. A suppressed or missing value is empty.
func writeCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	head := make([]string, 0, len(t.Dims)+4)
	for _, d := range t.Dims {
		head = append(head, d.Name)
	}
	head = append(head, "measure", "unit", "value", "status")
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(head))
	for _, o := range t.Obs {
		m := t.measure(o.Measure)
		n := copy(rec, o.Key)
		rec[n], rec[n+1], rec[n+2], rec[n+3] = m.ID, m.Unit, "", string(o.Status)
		if o.Published() {
			rec[n+2] = formatValue(o.Value, m.Decimals)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
