package output

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// xlsxParts reads every part of a workbook with archive/zip: a reader
// other than excelize, as the second program that opens our files.
func xlsxParts(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
	}
	return parts
}

// xmlNames returns the qualified names (prefix:local, as written) of the
// elements of an XML part, in order, and checks that it is well formed.
func xmlNames(t *testing.T, name string, b []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var out []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			n := se.Name.Local
			if se.Name.Space != "" {
				n = se.Name.Space + ":" + n
			}
			out = append(out, n)
		}
	}
}

// TestXLSXSecondReader opens the workbook with archive/zip and
// encoding/xml: every part well formed, the document properties that
// ExcelJS and others read (prefixed as they expect, created when the result
// was made), and the data's number formats.
func TestXLSXSecondReader(t *testing.T) {
	t.Parallel()
	m := described
	m.Created = time.Date(2026, 12, 8, 1, 2, 3, 0, time.UTC)
	var buf bytes.Buffer
	if _, err := Write(&buf, "xlsx", sample(t), m); err != nil {
		t.Fatal(err)
	}
	parts := xlsxParts(t, buf.Bytes())
	for name, b := range parts {
		if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			xmlNames(t, name, b)
		}
	}
	core, ok := parts["docProps/core.xml"]
	if !ok {
		t.Fatal("no docProps/core.xml")
	}
	names := strings.Join(xmlNames(t, "core.xml", core), " ")
	if want := "cp:coreProperties dc:title dc:subject dc:creator dc:description cp:lastModifiedBy dcterms:created dcterms:modified"; names != want {
		t.Errorf("got core.xml elements %q, want %q", names, want)
	}
	var props struct {
		Title    string `xml:"title"`
		Creator  string `xml:"creator"`
		Created  string `xml:"created"`
		Modified string `xml:"modified"`
	}
	if err := xml.Unmarshal(core, &props); err != nil {
		t.Fatal(err)
	}
	if props.Title != "Size of the ICT sector" || props.Creator != "ictstat" || props.Created != "2026-12-08T01:02:03Z" || props.Modified != props.Created {
		t.Errorf("got properties %+v, want the title, creator ictstat, created and modified 2026-12-08T01:02:03Z", props)
	}

	// Styles: the cell formats (cellXfs) and the custom number formats.
	var styles struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := xml.Unmarshal(parts["xl/styles.xml"], &styles); err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{3: "#,##0", 4: "#,##0.00"} // built-in formats
	for _, nf := range styles.NumFmts {
		codes[nf.ID] = nf.Code
	}
	var sheet struct {
		Rows []struct {
			Cells []struct {
				Ref   string `xml:"r,attr"`
				Style int    `xml:"s,attr"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal(parts["xl/worksheets/sheet1.xml"], &sheet); err != nil {
		t.Fatal(err)
	}
	format := map[string]string{}
	for _, r := range sheet.Rows {
		for _, c := range r.Cells {
			if c.Style < len(styles.Xfs) {
				format[c.Ref] = codes[styles.Xfs[c.Style].NumFmtID]
			}
		}
	}
	for cell, want := range map[string]string{"B2": "#,##0", "C2": "#,##0", "C3": "#,##0", "D2": "yyyy-mm-dd"} {
		if format[cell] != want {
			t.Errorf("%s: got number format %q, want %q", cell, format[cell], want)
		}
	}
}

func TestXLSXNumFmt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		unit, want string
	}{
		{"MNT", "#,##0"}, {"USD", "#,##0"}, {"million MNT", "#,##0.0"}, {"million MNT; percent for share", "#,##0.0"},
		{"percent", "#,##0.00"}, {"percentage points", "#,##0.00"}, {"ratio", "#,##0.000"}, {"persons", "#,##0.0"}, {"", "#,##0.00"},
	} {
		if got := xlsxNumFmt(arrowFloat, tc.unit); got != tc.want {
			t.Errorf("unit %q: got %q, want %q", tc.unit, got, tc.want)
		}
	}
	if got := xlsxNumFmt(arrowInt, "MNT"); got != "#,##0" {
		t.Errorf("whole numbers: got %q, want #,##0", got)
	}
	if got := xlsxNumFmt(arrowText, ""); got != "" {
		t.Errorf("text: got %q, want no number format", got)
	}
}

var (
	arrowFloat = arrow.PrimitiveTypes.Float64
	arrowInt   = arrow.PrimitiveTypes.Int32
	arrowText  = arrow.BinaryTypes.String
)
