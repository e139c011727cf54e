package publish

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/npit-mn/ictstat/disclosure"
)

// Agency is the SDMX maintenance agency of the release dataflows.
const Agency = "MN_NPIT"

// sdmxPeriod turns a period code into SDMX's TIME_PERIOD: 2026, 2026-Q3,
// 2026-10 (a survey wave stays as it is).
func sdmxPeriod(code string) string {
	if len(code) == 6 && code[4] == 'Q' {
		return code[:4] + "-" + code[4:]
	}
	return code
}

// writeSDMXCSV writes a table as an SDMX-CSV 2.0 data message: STRUCTURE,
// STRUCTURE_ID, ACTION, the dimensions (period as TIME_PERIOD, then
// MEASURE), OBS_VALUE, and the attributes UNIT_MEASURE, UNIT_MULT,
// OBS_STATUS and CONF_STATUS. A suppressed cell has an empty OBS_VALUE and
// CONF_STATUS C (primary) or D (secondary); others are F (free).
func writeSDMXCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	head := []string{"STRUCTURE", "STRUCTURE_ID", "ACTION"}
	for _, d := range t.Dims {
		if d.Name == "period" {
			head = append(head, "TIME_PERIOD")
		} else {
			head = append(head, strings.ToUpper(d.Name))
		}
	}
	head = append(head, "MEASURE", "OBS_VALUE", "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS")
	if err := cw.Write(head); err != nil {
		return err
	}
	id := Agency + ":DF_" + strings.ToUpper(t.Name) + "(1.0)"
	for _, o := range t.Obs {
		m := t.measure(o.Measure)
		rec := []string{"dataflow", id, "I"}
		for d, k := range o.Key {
			if t.Dims[d].Name == "period" {
				k = sdmxPeriod(k)
			}
			rec = append(rec, k)
		}
		value, obs, conf := "", "A", "F"
		switch o.Status {
		case disclosure.Confidential, disclosure.Secondary:
			conf = string(o.Status)
		case disclosure.Provisional, disclosure.Estimate:
			obs = string(o.Status)
		}
		if o.Missing {
			obs = "M"
		}
		if o.Published() {
			value = formatValue(o.Value, m.Decimals)
		}
		unit, mult := sdmxUnit(m.Unit)
		rec = append(rec, o.Measure, value, unit, mult, obs, conf)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// sdmxUnit splits a unit into SDMX's UNIT_MEASURE code and UNIT_MULT power
// of ten: "million MNT" is MNT with multiplier 6.
func sdmxUnit(unit string) (string, string) {
	switch unit {
	case "million MNT":
		return "MNT", "6"
	case "percent":
		return "PT", "0"
	case "companies", "persons", "responses":
		return "NUM", "0"
	}
	return strings.ToUpper(strings.ReplaceAll(unit, " ", "_")), "0"
}
