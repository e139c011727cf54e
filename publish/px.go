package publish

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/npit-mn/ictstat/disclosure"
)

// PC-Axis data symbols: a cell with no value, a primary and a secondary
// suppression. PX-Web shows the DATASYMBOLn text in their place.
const (
	pxMissing      = `".."`
	pxConfidential = `"..."`
	pxSecondary    = `"...."`
)

// pxText quotes a PX string; PX strings cannot hold a double quote.
func pxText(s string) string { return `"` + strings.ReplaceAll(s, `"`, "'") + `"` }

// pxList writes a quoted list, one item a line when long (PX breaks lists
// after a comma).
func pxList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = pxText(s)
	}
	if len(items) > 8 {
		return strings.Join(q, ",\n")
	}
	return strings.Join(q, ",")
}

// writePX writes a table as a PC-Axis (PX 2013) file in UTF-8 that PX-Web
// reads as it is: English as the default language and Mongolian as the
// second, the dimensions in the stub and the measures in the heading as the
// content variable, DATA in the stub-major order. Suppressed cells are
// "..." (primary) and "...." (secondary), missing ".."; provisional and
// estimated cells carry a DATANOTECELL.
func writePX(w io.Writer, t *Table, release string, updated time.Time) error {
	bw := bufio.NewWriter(w)
	kw := func(k, v string) { fmt.Fprintf(bw, "%s=%s;\n", k, v) }
	stamp := updated.In(Ulaanbaatar).Format("20060102 15:04")
	kw("CHARSET", pxText("ANSI"))
	kw("AXIS-VERSION", pxText("2013"))
	kw("CODEPAGE", pxText("utf-8"))
	kw("LANGUAGE", pxText("en"))
	kw("LANGUAGES", pxList([]string{"en", "mn"}))
	kw("CREATION-DATE", pxText(stamp))
	kw("DECIMALS", fmt.Sprint(maxDecimals(t)))
	kw("SHOWDECIMALS", fmt.Sprint(maxDecimals(t)))
	kw("MATRIX", pxText(strings.ToUpper(t.Name)))
	kw("SUBJECT-CODE", pxText("ICT"))
	kw("SUBJECT-AREA", pxText("ICT sector"))
	kw("SUBJECT-AREA[mn]", pxText("Мэдээлэл, харилцаа холбооны технологи"))
	for _, lang := range []string{"en", "mn"} {
		sfx := ""
		if lang == "mn" {
			sfx = "[mn]"
		}
		title := t.Title.In(lang) + " (" + release + ")"
		kw("TITLE"+sfx, pxText(title))
		kw("CONTENTS"+sfx, pxText(t.Title.In(lang)))
		kw("UNITS"+sfx, pxText(t.Measures[0].Unit))
		var stub []string
		for _, d := range t.Dims {
			stub = append(stub, d.Title.In(lang))
		}
		measureVar := map[string]string{"en": "Measure", "mn": "Үзүүлэлт"}[lang]
		kw("STUB"+sfx, pxList(stub))
		kw("HEADING"+sfx, pxList([]string{measureVar}))
		kw("CONTVARIABLE"+sfx, pxText(measureVar))
		for _, d := range t.Dims {
			var vals, codes []string
			for _, c := range d.Codes {
				vals, codes = append(vals, c.Label.In(lang)), append(codes, c.ID)
			}
			kw(fmt.Sprintf("VALUES%s(%s)", sfx, pxText(d.Title.In(lang))), pxList(vals))
			kw(fmt.Sprintf("CODES%s(%s)", sfx, pxText(d.Title.In(lang))), pxList(codes))
		}
		var mvals, mcodes []string
		for _, m := range t.Measures {
			mvals, mcodes = append(mvals, m.Title.In(lang)), append(mcodes, m.ID)
		}
		kw(fmt.Sprintf("VALUES%s(%s)", sfx, pxText(measureVar)), pxList(mvals))
		kw(fmt.Sprintf("CODES%s(%s)", sfx, pxText(measureVar)), pxList(mcodes))
		for _, m := range t.Measures {
			kw(fmt.Sprintf("UNITS%s(%s)", sfx, pxText(m.Title.In(lang))), pxText(m.Unit))
			kw(fmt.Sprintf("PRECISION%s(%s,%s)", sfx, pxText(measureVar), pxText(m.Title.In(lang))), fmt.Sprint(m.Decimals))
			kw(fmt.Sprintf("LAST-UPDATED%s(%s)", sfx, pxText(m.Title.In(lang))), pxText(stamp))
		}
		kw("SOURCE"+sfx, pxText(t.Source.In(lang)))
		var notes []string
		for _, n := range statusNotes {
			notes = append(notes, n.In(lang))
		}
		kw("NOTEX"+sfx, pxText(strings.Join(notes, "#")))
	}
	kw("CONTACT", pxText("National Programme for ICT statistics, ictstat@npit.gov.mn"))
	kw("DATASYMBOL2", pxText(".."))
	kw("DATASYMBOL3", pxText("C"))
	kw("DATASYMBOL4", pxText("D"))
	// Cells in cube order; the cube may have holes a table does not fill.
	pos := cubePositions(t)
	n := len(t.Measures)
	for _, d := range t.Dims {
		n *= len(d.Codes)
	}
	cells := make([]string, n)
	for i := range cells {
		cells[i] = pxMissing
	}
	for _, o := range t.Obs {
		p := pos(o)
		if p < 0 {
			continue
		}
		switch {
		case o.Status == disclosure.Confidential:
			cells[p] = pxConfidential
		case o.Status == disclosure.Secondary:
			cells[p] = pxSecondary
		case o.Missing:
			cells[p] = pxMissing
		default:
			cells[p] = formatValue(o.Value, t.measure(o.Measure).Decimals)
			if o.Status != "" {
				for _, lang := range []string{"en", "mn"} {
					var vals []string
					for d, k := range o.Key {
						vals = append(vals, pxText(t.label(d, k).In(lang)))
					}
					vals = append(vals, pxText(t.measure(o.Measure).Title.In(lang)))
					sfx := map[string]string{"en": "", "mn": "[mn]"}[lang]
					kw("DATANOTECELL"+sfx+"("+strings.Join(vals, ",")+")", pxText(string(o.Status)))
				}
			}
		}
	}
	bw.WriteString("DATA=\n")
	for i := 0; i < len(cells); i += len(t.Measures) {
		bw.WriteString(strings.Join(cells[i:i+len(t.Measures)], " "))
		if i+len(t.Measures) >= len(cells) {
			bw.WriteString(";")
		}
		bw.WriteString("\n")
	}
	if len(cells) == 0 {
		bw.WriteString(";\n")
	}
	return bw.Flush()
}

func maxDecimals(t *Table) int {
	d := 0
	for _, m := range t.Measures {
		d = max(d, m.Decimals)
	}
	return d
}
