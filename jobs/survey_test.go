package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/npit-mn/ictstat"
	kobo "github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

func surveyFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "survey", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleWave reads testdata/survey/wave.yaml on its own (the CLI's parser
// lives in cmd).
func sampleWave(t *testing.T) transform.Wave {
	var f struct {
		ID         string `yaml:"id"`
		Title      string `yaml:"title"`
		RegistryNo string `yaml:"registry_no"`
		Strata     struct {
			Template string `yaml:"template"`
		} `yaml:"strata"`
		Population struct {
			Totals map[string]int64 `yaml:"totals"`
		} `yaml:"population"`
		Questions []transform.Question `yaml:"questions"`
	}
	if err := yaml.Unmarshal(surveyFile(t, "wave.yaml"), &f); err != nil {
		t.Fatal(err)
	}
	if f.Strata.Template != "{isic_division}/{size_class}" {
		t.Fatalf("strata template %q: the test expects {isic_division}/{size_class}", f.Strata.Template)
	}
	return transform.Wave{ID: f.ID, Title: f.Title, RegistryNo: f.RegistryNo, Strata: []string{"isic_division", "size_class"},
		Population: f.Population.Totals, Questions: f.Questions}
}

// expectedRows computes the rows of survey_responses from the sample CSV
// by a route of its own: the 0/1 columns for multi-selects, the wave's
// population totals looked up by hand, one line per row as text.
func expectedRows(t *testing.T, w transform.Wave) []string {
	data := bytes.TrimPrefix(surveyFile(t, "responses.csv"), []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	path := map[string]string{}
	for h := range col {
		path[h[strings.LastIndex(h, "/")+1:]] = h
	}
	var out []string
	for _, r := range recs[1:] {
		at, err := time.Parse("2006-01-02T15:04:05", r[col["_submission_time"]])
		if err != nil {
			t.Fatal(err)
		}
		stratum := r[col[path["isic_division"]]] + "/" + r[col[path["size_class"]]]
		head := fmt.Sprintf("%s|%s|%d|%s|%d", w.ID, r[col["_uuid"]], at.UnixMicro(), stratum, w.Population[stratum])
		reg := r[col[path["registry_no"]]]
		for _, q := range w.Questions {
			p := path[q.Name]
			switch q.Type {
			case "numeric":
				v := "NULL"
				if s := r[col[p]]; s != "" {
					x, _ := strconv.ParseFloat(s, 64)
					v = strconv.FormatFloat(x, 'g', -1, 64)
				}
				out = append(out, fmt.Sprintf("%s|%s|%s|numeric||%s|%s", head, q.Name, q.Label, v, reg))
			case "multi":
				for _, c := range q.Choices {
					v := r[col[p+"/"+c.Code]]
					if v == "" {
						v = "NULL"
					}
					out = append(out, fmt.Sprintf("%s|%s|%s|multi|%s|%s|%s", head, q.Name, q.Label, c.Code, v, reg))
				}
			case "single":
				for _, c := range q.Choices {
					v := "0"
					switch r[col[p]] {
					case c.Code:
						v = "1"
					case "":
						v = "NULL"
					}
					out = append(out, fmt.Sprintf("%s|%s|%s|single|%s|%s|%s", head, q.Name, q.Label, c.Code, v, reg))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// warehouseRows returns survey_responses as the warehouse serves it over SQL.
func warehouseRows(t *testing.T, wh *warehouse.Warehouse) []string {
	rows := testutil.Rows(t, wh, testutil.Current, `SELECT wave, response_id, epoch_us(submitted_at), stratum, stratum_population,
		question, question_label, question_type, choice, value, registry_no FROM survey_responses`)
	out := make([]string, len(rows))
	for i, r := range rows {
		v := "NULL"
		if r[9] != nil {
			v = strconv.FormatFloat(r[9].(float64), 'g', -1, 64)
		}
		out[i] = fmt.Sprintf("%v|%v|%v|%v|%v|%v|%v|%v|%v|%s|%v", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], v, r[10])
	}
	sort.Strings(out)
	return out
}

func TestSurveySampleGolden(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	w := sampleWave(t)
	want := expectedRows(t, w)
	if len(want) != 400*33 {
		t.Fatalf("expected %d rows, want 400 responses x 33 rows", len(want))
	}
	st, err := jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(surveyFile(t, "responses.csv")), "responses.csv", jobs.SurveyOptions{Wave: w})
	if err != nil || st.Read != 400 || st.Committed != 400 || st.Quarantined != 0 || !st.Changed {
		t.Fatalf("got %+v, %v; want 400 responses committed", st, err)
	}
	got := warehouseRows(t, wh)
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d:\ngot  %s\nwant %s", i, got[i], want[i])
		}
	}
	if n := testutil.Count(t, wh, "SELECT count(DISTINCT source) FROM survey_responses WHERE source = 'responses.csv'"); n != 1 {
		t.Errorf("source column: got %d, want responses.csv on every row", n)
	}
	// The same data again, as CSV or as JSON, changes nothing.
	for _, name := range []string{"responses.csv", "responses.json"} {
		again, err := jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(surveyFile(t, name)), name, jobs.SurveyOptions{Wave: w})
		if err != nil || again.Changed || again.Committed != 0 || again.Superseded != 400 || again.Snapshot != st.Snapshot {
			t.Errorf("%s again: got %+v, %v; want no change at snapshot %d", name, again, err, st.Snapshot)
		}
	}
}

// editCSV returns the sample CSV with one field of the row of uuid changed.
func editCSV(t *testing.T, data []byte, uuid string, set map[string]string) []byte {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, r := range recs[1:] {
		if r[col["_uuid"]] == uuid {
			for k, v := range set {
				r[col[k]] = v
			}
		}
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Comma = ';'
	cw.WriteAll(recs)
	return b.Bytes()
}

func TestSurveyEditsAndQuarantine(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	w := sampleWave(t)
	sample := surveyFile(t, "responses.csv")
	if _, err := jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(sample), "responses.csv", jobs.SurveyOptions{Wave: w}); err != nil {
		t.Fatal(err)
	}
	uuid := testutil.Rows(t, wh, testutil.Current, "SELECT min(response_id) FROM survey_responses")[0][0].(string)
	employees := func() any {
		return testutil.Rows(t, wh, testutil.Current, "SELECT value FROM survey_responses WHERE response_id = ? AND question = 'employees'", uuid)[0][0]
	}
	// An edit in Kobo: later submission time, another head count.
	edited := editCSV(t, sample, uuid, map[string]string{"group_company/employees": "7777", "_submission_time": "2027-01-05T08:00:00"})
	st, err := jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(edited), "edited.csv", jobs.SurveyOptions{Wave: w})
	if err != nil || st.Committed != 1 || st.Superseded != 399 || !st.Changed {
		t.Fatalf("got %+v, %v; want the edited response replaced", st, err)
	}
	if got := employees(); got != 7777.0 {
		t.Errorf("got employees %v, want 7777 after the edit", got)
	}
	if n := testutil.Count(t, wh, "SELECT count(*) FROM survey_responses"); n != 400*33 {
		t.Errorf("got %d rows, want %d: an edit replaces rows, it adds none", n, 400*33)
	}
	// The original, older copy arriving later changes nothing.
	st, err = jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(sample), "responses.csv", jobs.SurveyOptions{Wave: w})
	if err != nil || st.Changed {
		t.Fatalf("got %+v, %v; want the older copy to change nothing", st, err)
	}
	if got := employees(); got != 7777.0 {
		t.Errorf("got employees %v, want the edit kept", got)
	}
	// A bad record in a good file is quarantined; the rest commits.
	bad := editCSV(t, edited, uuid, map[string]string{"group_barriers/main_barrier": "luck", "_submission_time": "2027-02-01T00:00:00"})
	bad = append(bad, []byte("only;three;columns\n")...)
	st, err = jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(bad), "bad.csv", jobs.SurveyOptions{Wave: w})
	if err != nil || st.Quarantined != 2 || st.Committed != 0 || st.Superseded != 399 || !st.Changed {
		t.Fatalf("got %+v, %v; want 2 quarantined (committed to quarantine) and the rest unchanged", st, err)
	}
	if got := employees(); got != 7777.0 {
		t.Errorf("got employees %v, want the response before the bad edit kept", got)
	}
	// The same bad records again are not quarantined twice.
	st, err = jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(bad), "bad.csv", jobs.SurveyOptions{Wave: w})
	if err != nil || st.Changed {
		t.Fatalf("got %+v, %v; want the same bad records to change nothing", st, err)
	}
	st, err = jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(append(bad, []byte("x;y\n")...)), "bad.csv", jobs.SurveyOptions{Wave: w})
	if err != nil || !st.Changed {
		t.Fatalf("got %+v, %v; want the new bad record committed to quarantine", st, err)
	}
	q := testutil.Rows(t, wh, testutil.Current, "SELECT line, reason FROM quarantine WHERE source = 'survey' ORDER BY line")
	if len(q) != 3 || !strings.Contains(q[0][1].(string), `main_barrier: unknown choice code "luck"`) || q[1][0] != int64(402) || q[2][0] != int64(403) {
		t.Errorf("got quarantine %v, want the unknown code, then lines 402 and 403 once each", q)
	}
	// A malformed file commits nothing.
	before := testutil.ManifestIDs(t, wh.Root())
	_, err = jobs.IngestSurveyFile(ctx, wh, strings.NewReader("_uuid;a\n\"x;1\n"), "broken.csv", jobs.SurveyOptions{Wave: w})
	var ie *ictstat.InputError
	if !errors.As(err, &ie) || ie.Line != 2 || ie.File != "broken.csv" {
		t.Errorf("got %v, want an InputError at broken.csv:2", err)
	}
	if after := testutil.ManifestIDs(t, wh.Root()); len(after) != len(before) {
		t.Errorf("got snapshots %v after a malformed file, want %v", after, before)
	}
}

func TestSurveyEdgeFormsAgree(t *testing.T) {
	ctx := context.Background()
	w := transform.Wave{ID: "edge-2026", Strata: []string{"sector", "size"},
		Population: map[string]int64{"62/micro": 10, "62/small": 20, "63/small": 5},
		Questions: []transform.Question{
			{Name: "size", Type: "single", Choices: []transform.Choice{{Code: "micro"}, {Code: "small"}}},
			{Name: "group_obstacles/barriers", Type: "multi", Choices: []transform.Choice{{Code: "finance"}, {Code: "talent"}, {Code: "market_access"}}},
			{Name: "employees", Type: "numeric"},
		}}
	// testdata/survey/edge/README.md works these out by hand.
	want := []string{
		"uuid-a|62/micro|10|barriers|finance|1", "uuid-a|62/micro|10|barriers|market_access|0", "uuid-a|62/micro|10|barriers|talent|1",
		"uuid-a|62/micro|10|employees||4", "uuid-a|62/micro|10|size|micro|1", "uuid-a|62/micro|10|size|small|0",
		"uuid-b|63/small|5|barriers|finance|NULL", "uuid-b|63/small|5|barriers|market_access|NULL", "uuid-b|63/small|5|barriers|talent|NULL",
		"uuid-b|63/small|5|employees||12", "uuid-b|63/small|5|size|micro|0", "uuid-b|63/small|5|size|small|1",
		"uuid-c|62/small|20|barriers|finance|0", "uuid-c|62/small|20|barriers|market_access|1", "uuid-c|62/small|20|barriers|talent|0",
		"uuid-c|62/small|20|employees||NULL", "uuid-c|62/small|20|size|micro|0", "uuid-c|62/small|20|size|small|1",
	}
	times := map[string]string{"uuid-a": "2026-03-02 10:00:00", "uuid-b": "2026-03-03 11:30:00.123", "uuid-c": "2026-03-04 09:15:00"}
	ingestAll := func(t *testing.T, wh *warehouse.Warehouse, name string, data []byte) jobs.PullStats {
		st, err := jobs.IngestSurveyFile(ctx, wh, bytes.NewReader(data), name, jobs.SurveyOptions{Wave: w})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	check := func(t *testing.T, wh *warehouse.Warehouse) {
		rows := testutil.Rows(t, wh, testutil.Current, `SELECT response_id, stratum, stratum_population, question, choice, value,
			strftime(submitted_at, '%Y-%m-%d %H:%M:%S.%g') FROM survey_responses ORDER BY 1, 4, 5`)
		if len(rows) != len(want) {
			t.Fatalf("got %d rows, want %d", len(rows), len(want))
		}
		for i, r := range rows {
			v := "NULL"
			if r[5] != nil {
				v = strconv.FormatFloat(r[5].(float64), 'g', -1, 64)
			}
			if got := fmt.Sprintf("%v|%v|%v|%v|%v|%s", r[0], r[1], r[2], r[3], r[4], v); got != want[i] {
				t.Errorf("row %d: got %s, want %s", i, got, want[i])
			}
			if at := strings.TrimSuffix(strings.TrimSuffix(r[6].(string), ".000"), "0"); !strings.HasPrefix(times[r[0].(string)], at) {
				t.Errorf("row %d: submitted %s, want %s", i, r[6], times[r[0].(string)])
			}
		}
	}
	files := []string{"semicolon_bom_both.csv", "comma_flags_only.csv", "comma_list_only.csv"}
	for _, first := range files {
		t.Run(first, func(t *testing.T) {
			wh := openWarehouse(t)
			st := ingestAll(t, wh, first, surveyFile(t, "edge/"+first))
			if st.Committed != 3 || st.Quarantined != 0 {
				t.Fatalf("got %+v, want 3 responses", st)
			}
			check(t, wh)
			for _, other := range files {
				if st := ingestAll(t, wh, other, surveyFile(t, "edge/"+other)); st.Changed {
					t.Errorf("%s after %s: got %+v, want no change", other, first, st)
				}
			}
		})
	}
	t.Run("api", func(t *testing.T) {
		wh := openWarehouse(t)
		var base string
		requests := 0
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			requests++
			if r.Header.Get("Authorization") != "Token tok" {
				http.Error(rw, "no", http.StatusUnauthorized)
				return
			}
			page := "edge/page1.json"
			if r.URL.Query().Get("start") == "2" {
				page = "edge/page2.json"
			}
			rw.Write(bytes.ReplaceAll(surveyFile(t, page), []byte("{{SERVER}}"), []byte(base)))
		}))
		defer srv.Close()
		base = srv.URL
		k, err := kobo.NewKobo(srv.URL+"/api/v2/assets/aEdge/data/", kobo.KoboOptions{Token: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := jobs.PullSurvey(ctx, wh, k, jobs.SurveyOptions{Wave: w})
		if err != nil || st.Committed != 3 || !st.Changed || requests != 2 {
			t.Fatalf("got %+v, %v after %d requests; want 3 responses from 2 pages", st, err, requests)
		}
		check(t, wh)
		if n := testutil.Count(t, wh, "SELECT count(*) FROM survey_responses WHERE source = ?", k.URL()); n != 18 {
			t.Errorf("got %d rows with source %s, want 18", n, k.URL())
		}
		st, err = jobs.PullSurvey(ctx, wh, k, jobs.SurveyOptions{Wave: w})
		if err != nil || st.Changed {
			t.Errorf("second pull: got %+v, %v; want no change", st, err)
		}
		if st := ingestAll(t, wh, "csv", surveyFile(t, "edge/semicolon_bom_both.csv")); st.Changed {
			t.Errorf("the CSV after the API: got %+v, want no change", st)
		}
	})
}

func TestSurveyPopulationFromCompanies(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	day := func(s string) ictstat.Date {
		d, _ := time.Parse(time.DateOnly, s)
		return ictstat.DateOf(d)
	}
	ev := func(no, isic, event, on string) ictstat.Registration {
		return ictstat.Registration{RegistryNo: no, ISIC4: isic, Event: event, Date: day(on)}
	}
	tx, err := wh.Begin(ctx, "companies")
	if err != nil {
		t.Fatal(err)
	}
	err = warehouse.ReplaceTable(tx, warehouse.TableCompanies, transform.Companies([]ictstat.Registration{
		ev("1000001", "6201", "registered", "2020-01-01"),
		ev("1000002", "6202", "registered", "2021-01-01"),
		ev("1000003", "6311", "registered", "2022-01-01"),
		ev("1000004", "6201", "registered", "2022-01-01"), ev("1000004", "6201", "deregistered", "2026-02-01"), // gone before the day
		ev("1000005", "6201", "registered", "2026-04-01"),                                                      // registered after it
		ev("1000006", "6120", "registered", "2019-01-01"), ev("1000006", "6120", "deregistered", "2026-06-01"), // still there on the day
		// Left before the day and came back after it under another
		// class: not active on the day (the first registration and the
		// latest class would count it in 62).
		ev("1000007", "6311", "registered", "2020-01-01"), ev("1000007", "6311", "deregistered", "2025-01-01"),
		ev("1000007", "6201", "registered", "2026-06-01"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "companies"); err != nil {
		t.Fatal(err)
	}
	w := transform.Wave{ID: "w", Strata: []string{"division"},
		Questions: []transform.Question{{Name: "employees", Type: "numeric"}}}
	csvData := "_uuid,_submission_time,division,employees\na,2026-03-02T00:00:00,62,3\nb,2026-03-02T00:00:00,63,4\nc,2026-03-02T00:00:00,61,5\nd,2026-03-02T00:00:00,95,6\n"
	at := day("2026-03-31")
	st, err := jobs.IngestSurveyFile(ctx, wh, strings.NewReader(csvData), "c.csv", jobs.SurveyOptions{Wave: w, CountCompaniesAt: &at})
	if err != nil || st.Committed != 3 || st.Quarantined != 1 {
		t.Fatalf("got %+v, %v; want 3 responses and 95 (no company) quarantined", st, err)
	}
	rows := testutil.Rows(t, wh, testutil.Current, "SELECT stratum, stratum_population FROM survey_responses ORDER BY 1")
	if got := fmt.Sprint(rows); got != "[[61 1] [62 2] [63 1]]" {
		t.Errorf("got %s, want [[61 1] [62 2] [63 1]]", got)
	}
	// Every stratum of the wave is kept with its population, in
	// survey_strata, whether anyone in it responded or not.
	strata := testutil.Rows(t, wh, testutil.Current, "SELECT wave, stratum, population FROM survey_strata ORDER BY 2")
	if got := fmt.Sprint(strata); got != "[[w 61 1] [w 62 2] [w 63 1]]" {
		t.Errorf("got survey_strata %s, want [[w 61 1] [w 62 2] [w 63 1]]", got)
	}
}
