package publish

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"
)

// writeXLSX writes the release workbook: one sheet per table in long form
// with labels (period, the dimensions, measure, unit, value, status), the
// header row frozen, values as numbers with thousands separators and the
// measure's decimals, and a sheet "notes" (sources, methods, statuses,
// contact).
func writeXLSX(w io.Writer, m *Manifest, tables []*Table) error {
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(newSortedZip)
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}})
	if err != nil {
		return err
	}
	numFmt := map[int]int{}
	for _, t := range tables {
		for _, ms := range t.Measures {
			if _, ok := numFmt[ms.Decimals]; ok {
				continue
			}
			format := "#,##0"
			if ms.Decimals > 0 {
				format += "." + fmt.Sprintf("%0*d", ms.Decimals, 0)
			}
			if numFmt[ms.Decimals], err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
				return err
			}
		}
	}
	for i, t := range tables {
		sheet := t.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		var head []any
		for _, d := range t.Dims {
			head = append(head, excelize.Cell{StyleID: header, Value: d.Title.EN})
		}
		for _, h := range []string{"Measure", "Unit", "Value", "Status"} {
			head = append(head, excelize.Cell{StyleID: header, Value: h})
		}
		for c := 1; c <= len(head); c++ {
			wd := 14.0
			if c == len(t.Dims) || c == len(t.Dims)+1 {
				wd = 40
			}
			if err := sw.SetColWidth(c, c, wd); err != nil {
				return err
			}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for r, o := range t.Obs {
			ms := t.measure(o.Measure)
			row := make([]any, 0, len(head))
			for d, k := range o.Key {
				row = append(row, t.label(d, k).EN)
			}
			row = append(row, ms.Title.EN, ms.Unit)
			if o.Published() {
				row = append(row, excelize.Cell{StyleID: numFmt[ms.Decimals], Value: roundTo(o.Value, ms.Decimals)})
			} else {
				row = append(row, nil)
			}
			row = append(row, string(o.Status))
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	if err := writeNotes(f, m, tables, header); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(&excelize.DocProperties{Title: "ICT sector statistics, release " + m.Release, Creator: "ictstat",
		Created: m.PublishAt.UTC().Format(time.RFC3339), Modified: m.PublishAt.UTC().Format(time.RFC3339),
		Description: fmt.Sprintf("snapshot %d", m.Snapshot)}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// writeNotes adds the notes sheet.
func writeNotes(f *excelize.File, m *Manifest, tables []*Table, header int) error {
	const sheet = "notes"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	rows := [][]any{
		{excelize.Cell{StyleID: header, Value: "ICT sector statistics of Mongolia"}, "release " + m.Release},
		{"Period", m.Period.ID},
		{"Publication time", m.PublishAt.In(Ulaanbaatar).Format("2006-01-02 15:04 (Asia/Ulaanbaatar)")},
		{"Warehouse snapshot", m.Snapshot},
		{},
		{excelize.Cell{StyleID: header, Value: "Sources"}},
	}
	for _, t := range tables {
		rows = append(rows, []any{t.Name, t.Source.EN})
	}
	rows = append(rows, []any{}, []any{excelize.Cell{StyleID: header, Value: "Methods"}})
	for _, p := range methods {
		rows = append(rows, []any{p.EN})
	}
	rows = append(rows, []any{}, []any{excelize.Cell{StyleID: header, Value: "Statuses"}})
	for _, n := range statusNotes {
		rows = append(rows, []any{n.EN})
	}
	rows = append(rows, []any{}, []any{excelize.Cell{StyleID: header, Value: "Disclosure rules"}},
		[]any{fmt.Sprintf("fewer than %d companies; (%d, %g) dominance; p%% rule with p = %g; counts below %d; survey cells below %d respondents",
			m.Rules.MinCompanies, m.Rules.DominanceN, m.Rules.DominanceK, m.Rules.PPercent, m.Rules.MinFrequency, m.Rules.SurveyMinN)},
		[]any{}, []any{excelize.Cell{StyleID: header, Value: "Contact"}}, []any{contact.EN})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	return f.SetColWidth(sheet, "A", "A", 40)
}

// sortedZip is an excelize.ZipWriter that writes the workbook's parts in
// name order: excelize adds streamed sheets in map order, and a release
// rebuilt from its snapshot must give the same bytes.
type sortedZip struct {
	w     io.Writer
	parts map[string]*bytes.Buffer
}

func newSortedZip(w io.Writer) excelize.ZipWriter {
	return &sortedZip{w: w, parts: map[string]*bytes.Buffer{}}
}

// Create starts a part.
func (z *sortedZip) Create(name string) (io.Writer, error) {
	b := &bytes.Buffer{}
	z.parts[name] = b
	return b, nil
}

// AddFS is not used by the workbooks a release writes.
func (z *sortedZip) AddFS(fs.FS) error { return errors.New("publish: AddFS is not supported") }

// Close writes the parts, sorted by name, as a zip archive.
func (z *sortedZip) Close() error {
	zw := zip.NewWriter(z.w)
	for _, name := range slices.Sorted(maps.Keys(z.parts)) {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := f.Write(z.parts[name].Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}
