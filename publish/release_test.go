package publish_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"golang.org/x/net/html"

	"github.com/npit-mn/ictstat/disclosure"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/publish"
)

var builtAt = time.Date(2026, 8, 13, 9, 30, 0, 0, time.UTC)

// buildSim builds the simulated release into a new folder.
func buildRelease(t *testing.T) (string, *publish.Manifest) {
	t.Helper()
	wh := simWarehouse(t)
	cur, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "releases", "2026Q2")
	m, err := publish.Build(context.Background(), wh, simRelease(t), cur.ID, dir, publish.Options{Now: func() time.Time { return builtAt }})
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// csvCell is one row of a release table's CSV as DuckDB reads it.
type csvCell struct {
	value  string
	status string
}

// readCSVWithDuckDB reads a release table's long-form CSV with DuckDB (a
// reader that did not write it): key "period|dims...|measure" → cell.
func readCSVWithDuckDB(t *testing.T, path string) (map[string]csvCell, []string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(fmt.Sprintf("SELECT * FROM read_csv('%s', all_varchar=true, header=true)", path))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := len(cols)
	if n < 5 || cols[n-4] != "measure" || cols[n-3] != "unit" || cols[n-2] != "value" || cols[n-1] != "status" || cols[0] != "period" {
		t.Fatalf("%s: got columns %v, want period, dims..., measure, unit, value, status", path, cols)
	}
	out := map[string]csvCell{}
	for rows.Next() {
		vals := make([]sql.NullString, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var key []string
		for i := 0; i < n-4; i++ {
			key = append(key, vals[i].String)
		}
		key = append(key, vals[n-4].String)
		c := csvCell{value: vals[n-2].String, status: vals[n-1].String}
		if (c.status == "C" || c.status == "D") && c.value != "" {
			t.Errorf("%s %v: suppressed cell (%s) prints value %q", path, key, c.status, c.value)
		}
		out[strings.Join(key, "|")] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, cols[:n-4]
}

func TestReleaseArtifactsReadBack(t *testing.T) {
	dir, m := buildRelease(t)
	if m.Release != "2026Q2" || m.Snapshot < 1 || !m.PublishAt.Equal(simRelease(t).PublishAt) {
		t.Fatalf("got manifest %s snapshot %d publish %s", m.Release, m.Snapshot, m.PublishAt)
	}
	// Every file of the manifest has the sha256 of its bytes, and every file
	// of the folder but the manifest and the audit is in the manifest.
	entries, _ := os.ReadDir(dir)
	listed := map[string]bool{}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(b)) != f.Bytes {
			t.Errorf("%s: got sha256 %s (%d bytes), manifest says %s (%d)", f.Name, got, len(b), f.SHA256, f.Bytes)
		}
		listed[f.Name] = true
	}
	for _, e := range entries {
		if !listed[e.Name()] && e.Name() != publish.ManifestFile && e.Name() != publish.AuditFile {
			t.Errorf("file %s is not in the manifest", e.Name())
		}
	}
	for _, want := range []string{"2026Q2.xlsx", "bulletin.mn.html", "bulletin.en.html", "revisions.csv"} {
		if !listed[want] {
			t.Errorf("manifest lacks %s", want)
		}
	}
	suppressed := 0
	for _, table := range m.Tables {
		t.Run(table, func(t *testing.T) {
			cells, dims := readCSVWithDuckDB(t, filepath.Join(dir, table+".csv"))
			if len(cells) == 0 && table != publish.TableRegistrations {
				t.Fatalf("%s.csv has no cells", table)
			}
			for _, c := range cells {
				if c.status == "C" || c.status == "D" {
					suppressed++
				}
			}
			checkJSONStat(t, filepath.Join(dir, table+".json"), cells, dims)
			checkSDMX(t, filepath.Join(dir, table+".sdmx.csv"), cells, dims)
			checkPX(t, filepath.Join(dir, table+".px"), cells, dims)
		})
	}
	if suppressed == 0 {
		t.Error("got no suppressed cell in the whole release of 150 companies; want the rules to fire somewhere")
	}
	checkWorkbook(t, filepath.Join(dir, "2026Q2.xlsx"), dir, m.Tables)
}

// keyOf joins codes the way readCSVWithDuckDB keys its cells.
func keyOf(codes ...string) string { return strings.Join(codes, "|") }

func sameNumber(t *testing.T, where, got, want string) {
	t.Helper()
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	if err1 != nil || err2 != nil || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
		t.Errorf("%s: got %q, want %q", where, got, want)
	}
}

// checkJSONStat reads the dataset with the project's JSON-stat reader and
// compares every cell with the CSV.
func checkJSONStat(t *testing.T, path string, cells map[string]csvCell, dims []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ingest.ReadJSONStat(b, path)
	if err != nil {
		t.Fatalf("ingest.ReadJSONStat: %v", err)
	}
	if ds.Dims() != len(dims)+1 {
		t.Fatalf("%s: got %d dimensions, want %d", path, ds.Dims(), len(dims)+1)
	}
	seen := 0
	for c := range ds.Cells() {
		want, ok := cells[keyOf(c.Codes...)]
		if !ok {
			if c.Value != nil {
				t.Errorf("%s %v: value %v for a cell the CSV lacks", path, c.Codes, *c.Value)
			}
			continue
		}
		seen++
		if c.Status != want.status {
			t.Errorf("%s %v: got status %q, want %q", path, c.Codes, c.Status, want.status)
		}
		switch {
		case c.Value == nil && want.value != "":
			t.Errorf("%s %v: got null, want %s", path, c.Codes, want.value)
		case c.Value != nil:
			sameNumber(t, path+" "+keyOf(c.Codes...), strconv.FormatFloat(*c.Value, 'f', -1, 64), want.value)
		}
	}
	if seen != len(cells) {
		t.Errorf("%s: got %d of the CSV's %d cells", path, seen, len(cells))
	}
}

// checkSDMX reads the SDMX-CSV 2.0 file by its header: OBS_VALUE empty
// and CONF_STATUS C or D for a suppressed cell, F otherwise.
func checkSDMX(t *testing.T, path string, cells map[string]csvCell, dims []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"STRUCTURE", "STRUCTURE_ID", "ACTION", "TIME_PERIOD", "MEASURE", "OBS_VALUE", "OBS_STATUS", "CONF_STATUS"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("%s: no column %s in %v", path, h, recs[0])
		}
	}
	if recs[0][0] != "STRUCTURE" {
		t.Errorf("%s: first column %q, want STRUCTURE (SDMX-CSV 2.0)", path, recs[0][0])
	}
	if len(recs)-1 != len(cells) {
		t.Errorf("%s: got %d rows, want %d", path, len(recs)-1, len(cells))
	}
	for _, r := range recs[1:] {
		key := []string{strings.Replace(r[col["TIME_PERIOD"]], "-Q", "Q", 1)}
		for _, d := range dims[1:] {
			key = append(key, r[col[strings.ToUpper(d)]])
		}
		key = append(key, r[col["MEASURE"]])
		want, ok := cells[keyOf(key...)]
		if !ok {
			t.Errorf("%s: row %v is not in the CSV", path, key)
			continue
		}
		conf := r[col["CONF_STATUS"]]
		switch want.status {
		case "C", "D":
			if conf != want.status || r[col["OBS_VALUE"]] != "" {
				t.Errorf("%s %v: got CONF_STATUS %q value %q, want %s and no value", path, key, conf, r[col["OBS_VALUE"]], want.status)
			}
		default:
			if conf != "F" {
				t.Errorf("%s %v: got CONF_STATUS %q, want F", path, key, conf)
			}
			if want.status != "" && r[col["OBS_STATUS"]] != want.status {
				t.Errorf("%s %v: got OBS_STATUS %q, want %q", path, key, r[col["OBS_STATUS"]], want.status)
			}
			if want.value != "" {
				sameNumber(t, path+" "+keyOf(key...), r[col["OBS_VALUE"]], want.value)
			}
		}
	}
}

// pxFile is a PC-Axis file as parseTestPX reads it: keywords (with their
// language and sub-key) and the DATA cells.
type pxFile struct {
	kw   map[string][]string // e.g. `VALUES("Period")` → its values
	data []string
}

// parseTestPX is a small PC-Axis parser written for this test: KEY=VALUE;
// records with quoted lists, DATA last, cells separated by spaces.
func parseTestPX(t *testing.T, b []byte) pxFile {
	t.Helper()
	s := string(b)
	px := pxFile{kw: map[string][]string{}}
	for len(strings.TrimSpace(s)) > 0 {
		eq := strings.Index(s, "=")
		if eq < 0 {
			t.Fatalf("PX: no '=' in %q", s[:min(len(s), 80)])
		}
		key := strings.TrimSpace(s[:eq])
		s = s[eq+1:]
		// the value ends at the first ';' outside quotes
		inQ, end := false, -1
		for i, c := range s {
			if c == '"' {
				inQ = !inQ
			} else if c == ';' && !inQ {
				end = i
				break
			}
		}
		if end < 0 {
			t.Fatalf("PX: keyword %s does not end with ';'", key)
		}
		raw := s[:end]
		s = s[end+1:]
		if key == "DATA" {
			for _, f := range strings.Fields(raw) {
				px.data = append(px.data, strings.Trim(f, `"`))
			}
			continue
		}
		px.kw[key] = splitPXList(raw)
	}
	return px
}

// splitPXList splits a comma-separated list of quoted strings.
func splitPXList(raw string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for _, c := range raw {
		switch {
		case c == '"':
			inQ = !inQ
		case c == ',' && !inQ:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == '\n' && !inQ:
		default:
			cur.WriteRune(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

func checkPX(t *testing.T, path string, cells map[string]csvCell, dims []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	px := parseTestPX(t, b)
	for _, k := range []string{"MATRIX", "SUBJECT-CODE", "SUBJECT-AREA", "CONTENTS", "UNITS", "TITLE", "DECIMALS", "STUB", "HEADING"} {
		if _, ok := px.kw[k]; !ok {
			t.Fatalf("%s: no mandatory keyword %s", path, k)
		}
	}
	if cp := px.kw["CODEPAGE"]; len(cp) != 1 || cp[0] != "utf-8" {
		t.Errorf("%s: CODEPAGE %v, want utf-8", path, cp)
	}
	vars := append(append([]string{}, px.kw["STUB"]...), px.kw["HEADING"]...)
	var codes [][]string
	size := 1
	for _, v := range vars {
		c, ok := px.kw[`CODES("`+v+`")`]
		if !ok {
			t.Fatalf("%s: no CODES for variable %q", path, v)
		}
		if len(px.kw[`VALUES("`+v+`")`]) != len(c) {
			t.Fatalf("%s: %q has %d values and %d codes", path, v, len(px.kw[`VALUES("`+v+`")`]), len(c))
		}
		codes = append(codes, c)
		size *= len(c)
	}
	if len(px.data) != size {
		t.Fatalf("%s: got %d data cells, want %d (the product of the variables' sizes)", path, len(px.data), size)
	}
	idx := make([]int, len(codes))
	for i, cell := range px.data {
		rem := i
		for d := len(codes) - 1; d >= 0; d-- {
			idx[d] = rem % len(codes[d])
			rem /= len(codes[d])
		}
		key := make([]string, len(codes))
		for d := range codes {
			key[d] = codes[d][idx[d]]
		}
		want, ok := cells[keyOf(key...)]
		switch {
		case !ok:
			if cell != ".." {
				t.Errorf("%s %v: got %q for a cell the CSV lacks, want ..", path, key, cell)
			}
		case want.status == "C":
			if cell != "..." {
				t.Errorf("%s %v: got %q, want ... (confidential)", path, key, cell)
			}
		case want.status == "D":
			if cell != "...." {
				t.Errorf("%s %v: got %q, want .... (secondary)", path, key, cell)
			}
		case want.value == "":
			if cell != ".." {
				t.Errorf("%s %v: got %q, want ..", path, key, cell)
			}
		default:
			sameNumber(t, path+" "+keyOf(key...), cell, want.value)
		}
	}
}

// checkWorkbook reads the workbook with archive/zip and encoding/xml: a
// sheet per table with a row per CSV cell below a frozen header, and a notes
// sheet.
func checkWorkbook(t *testing.T, path, dir string, tables []string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string) []byte {
		f, ok := files[name]
		if !ok {
			t.Fatalf("workbook has no %s", name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(read("xl/workbook.xml"), &wb); err != nil {
		t.Fatal(err)
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(read("xl/_rels/workbook.xml.rels"), &rels); err != nil {
		t.Fatal(err)
	}
	target := map[string]string{}
	for _, r := range rels.Rel {
		target[r.ID] = "xl/" + strings.TrimPrefix(r.Target, "/xl/")
	}
	sheets := map[string]string{}
	for _, s := range wb.Sheets {
		sheets[s.Name] = target[s.RID]
	}
	if _, ok := sheets["notes"]; !ok {
		t.Errorf("workbook sheets %v: no notes", sheets)
	}
	for _, table := range tables {
		name, ok := sheets[table]
		if !ok {
			t.Errorf("workbook has no sheet %s", table)
			continue
		}
		var ws struct {
			Panes []struct {
				State string `xml:"state,attr"`
				YS    string `xml:"ySplit,attr"`
			} `xml:"sheetViews>sheetView>pane"`
			Rows []struct {
				Cells []struct {
					T string `xml:"t,attr"`
					S string `xml:"s,attr"`
					V string `xml:"v"`
				} `xml:"c"`
			} `xml:"sheetData>row"`
		}
		if err := xml.Unmarshal(read(name), &ws); err != nil {
			t.Fatal(err)
		}
		if len(ws.Panes) == 0 || ws.Panes[0].State != "frozen" || ws.Panes[0].YS != "1" {
			t.Errorf("sheet %s: panes %+v, want the header row frozen", table, ws.Panes)
		}
		cells, _ := readCSVWithDuckDB(t, filepath.Join(dir, table+".csv"))
		if len(ws.Rows) != len(cells)+1 {
			t.Errorf("sheet %s: got %d rows, want %d cells and a header", table, len(ws.Rows), len(cells))
		}
		numbers := 0
		for _, r := range ws.Rows[1:] {
			v := r.Cells[len(r.Cells)-2]
			if v.V != "" && v.T == "" {
				if _, err := strconv.ParseFloat(v.V, 64); err != nil || v.S == "" {
					t.Errorf("sheet %s: value cell %+v is not a formatted number", table, v)
				}
				numbers++
			}
		}
		published := 0
		for _, c := range cells {
			if c.value != "" {
				published++
			}
		}
		if numbers != published {
			t.Errorf("sheet %s: got %d numbers, want the CSV's %d published values", table, numbers, published)
		}
	}
}

// TestBulletinHeadlines parses both bulletins as HTML and checks each
// headline figure against its table's CSV; the bulletins load nothing from
// the network and draw three charts.
func TestBulletinHeadlines(t *testing.T) {
	dir, _ := buildRelease(t)
	for _, lang := range []string{"mn", "en"} {
		b, err := os.ReadFile(filepath.Join(dir, "bulletin."+lang+".html"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var figures, svgs int
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				attr := map[string]string{}
				for _, a := range n.Attr {
					attr[a.Key] = a.Val
				}
				if n.Data == "svg" {
					svgs++
				}
				for _, k := range []string{"src", "href"} {
					if v := attr[k]; v != "" {
						t.Errorf("bulletin.%s: <%s %s=%q> refers outside the file", lang, n.Data, k, v)
					}
				}
				if n.Data == "link" || n.Data == "script" {
					t.Errorf("bulletin.%s: has a <%s>", lang, n.Data)
				}
				if attr["class"] == "figure" {
					figures++
					cells, _ := readCSVWithDuckDB(t, filepath.Join(dir, attr["data-table"]+".csv"))
					want, ok := cells[attr["data-key"]+"|"+attr["data-measure"]]
					got := strings.ReplaceAll(n.FirstChild.Data, ",", "")
					if !ok || want.value == "" {
						t.Errorf("bulletin.%s: figure %v is not a published cell", lang, attr)
					} else {
						sameNumber(t, "bulletin."+lang+" "+attr["data-key"], got, want.value)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if figures < 4 {
			t.Errorf("bulletin.%s: got %d headline figures, want the share, its target, value added and more", lang, figures)
		}
		if svgs != 3 {
			t.Errorf("bulletin.%s: got %d charts, want 3", lang, svgs)
		}
	}
	mn, _ := os.ReadFile(filepath.Join(dir, "bulletin.mn.html"))
	if !strings.Contains(string(mn), "Мэдээлэл, харилцаа холбооны салбарын ДНБ-д эзлэх хувь") || !strings.Contains(string(mn), `lang="mn"`) {
		t.Error("bulletin.mn.html: no Mongolian headline label")
	}
}

// TestSectorSizeGolden checks the ICT-sector total of 2024 against sums
// taken straight from the filings.
func TestSectorSizeGolden(t *testing.T) {
	wh := simWarehouse(t)
	dir, _ := buildRelease(t)
	cells, _ := readCSVWithDuckDB(t, filepath.Join(dir, "sector_size_year.csv"))
	rows := testutil.Rows(t, wh, -1, `SELECT sum(revenue_mnt) / 1e6, sum(gva_mnt) / 1e6, count(DISTINCT registry_no), sum(employees) / 12.0
		FROM filings WHERE ict_sector AND year(period) = 2024`)
	for i, m := range []string{"revenue", "value_added", "companies", "employees"} {
		want := rows[0][i]
		var w float64
		switch v := want.(type) {
		case float64:
			w = v
		case int64:
			w = float64(v)
		}
		got := cells[keyOf("2024", "_T", m)]
		if got.status == "C" || got.status == "D" {
			t.Fatalf("2024 total %s suppressed", m)
		}
		g, _ := strconv.ParseFloat(got.value, 64)
		tol := 0.051 // one decimal
		if m == "companies" || m == "employees" {
			tol = 0.5
		}
		if math.Abs(g-w) > tol+1e-9*w {
			t.Errorf("2024 total %s: got %s, want %.2f", m, got.value, w)
		}
	}
	if _, ok := cells[keyOf("2026", "_T", "revenue")]; ok {
		t.Error("the year table holds 2026, which is not complete in release 2026Q2")
	}
}

// TestPublicTableKeepsTheFloor answers a release table for the public with
// rules below the defaults: they are raised, so the cells are those of the
// default rules.
func TestPublicTableKeepsTheFloor(t *testing.T) {
	wh := simWarehouse(t)
	cur, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lax := disclosure.Rules{MinCompanies: 1, DominanceN: 1, DominanceK: 100, PPercent: 1, MinFrequency: 1, SurveyMinN: 1}
	got, err := publish.PublicTable(ctx, wh, cur.ID, publish.TableMarketEntry, "2026Q2", lax)
	if err != nil {
		t.Fatal(err)
	}
	want, err := publish.PublicTable(ctx, wh, cur.ID, publish.TableMarketEntry, "2026Q2", disclosure.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	hidden := 0
	for i, o := range got.Obs {
		if o.Status != want.Obs[i].Status || o.Published() != want.Obs[i].Published() {
			t.Fatalf("cell %v: got status %q, want %q as with the default rules", o.Key, o.Status, want.Obs[i].Status)
		}
		if !o.Published() {
			hidden++
		}
	}
	if hidden == 0 {
		t.Error("no cell withheld: the test cannot tell lax rules from the defaults")
	}
	if _, err := publish.PublicTable(ctx, wh, cur.ID, "sector_size", "2026Q2", disclosure.Rules{}); err == nil {
		t.Error("an unknown table: got no error")
	}
}

// TestSurveyFloor checks the survey table of the simulated release: the
// stratum of 4 respondents is confidential, and another cell of its question
// is withheld so that the total and the other stratum do not give it away;
// the respondents stay published.
func TestSurveyFloor(t *testing.T) {
	dir, _ := buildRelease(t)
	cells, _ := readCSVWithDuckDB(t, filepath.Join(dir, "survey_estimates.csv"))
	small := cells[keyOf("startup-2026", "it_staff", "61/all", "estimate")]
	if small.status != "C" || small.value != "" {
		t.Errorf("stratum of 4 respondents: got %+v, want C and no value", small)
	}
	if n := cells[keyOf("startup-2026", "it_staff", "61/all", "respondents")]; n.value != "4" {
		t.Errorf("respondents of the small stratum: got %+v, want 4", n)
	}
	secondary := 0
	for _, s := range []string{"62/small", "62/large", "_T"} {
		if cells[keyOf("startup-2026", "it_staff", s, "estimate")].status == "D" {
			secondary++
		}
	}
	if secondary == 0 {
		t.Error("no cell withheld beside the confidential stratum: it follows from the total and the others")
	}
}
