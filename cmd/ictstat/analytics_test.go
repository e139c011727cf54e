package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestAnalyticsCommandLine runs each new analytic in every format a user
// reads, xlsx into a file, and the bad parameters that must stop before any
// SQL runs.
func TestAnalyticsCommandLine(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	w, err := warehouse.Open(wh, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := w.Begin(context.Background(), "survey")
	if err != nil {
		t.Fatal(err)
	}
	var answers []ictstat.SurveyResponse
	for i, v := range []float64{3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377} {
		answers = append(answers, ictstat.SurveyResponse{Wave: "w1", ResponseID: string(rune('a' + i)), Stratum: "62", StratumPopulation: 40,
			Question: "it_staff", QuestionType: ictstat.QuestionNumeric, Value: &v})
	}
	if err := warehouse.AppendRows(tx, warehouse.TableSurveyResponses, answers); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(context.Background(), "survey"); err != nil {
		t.Fatal(err)
	}
	w.Close()

	for _, q := range [][]string{
		{"query", "survey_estimates", "--param", "question=it_staff"},
		{"query", "registrations", "--param", "grain=year"},
		{"query", "data_quality"},
		{"sql", "SELECT 1 AS one, DATE '2026-11-27' AS day"},
	} {
		for _, format := range []string{"table", "csv", "json", "xlsx"} {
			t.Run(q[1]+"/"+format, func(t *testing.T) {
				out := filepath.Join(dir, q[1]+"."+format)
				code, stdout, stderr := run(t, append(q, "--format", format, "--warehouse", wh, "-o", out)...)
				if code != 0 || stdout != "" {
					t.Fatalf("got exit %d, stdout %q, stderr %q", code, stdout, stderr)
				}
				if format == "json" {
					code, stdout, _ := run(t, append(q, "--format", "json", "--warehouse", wh)...)
					var v struct{ Query string }
					if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil {
						t.Errorf("got exit %d and %q, want JSON", code, stdout)
					}
				}
				if format != "xlsx" {
					return
				}
				f, err := excelize.OpenFile(out)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if sheets := f.GetSheetList(); len(sheets) != 2 {
					t.Errorf("got sheets %v, want data and about", sheets)
				}
			})
		}
	}
	// The survey estimate, read back from the workbook as a number.
	f, err := excelize.OpenFile(filepath.Join(dir, "survey_estimates.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("data")
	raw, _ := f.GetCellValue("data", "I3", excelize.Options{RawCellValue: true})
	if mean, err := strconv.ParseFloat(raw, 64); len(rows) != 3 || err != nil || math.Abs(mean-982.0/11) > 1e-12 || rows[2][5] != "all" || !strings.HasPrefix(rows[0][8], "estimate [") {
		t.Errorf("got rows %v and total %q, want the stratum and the total with mean 982/11", rows, raw)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "survey_estimates"}, "parameter question"},
		{[]string{"query", "survey_estimates", "--param", "question=it_staff", "--param", "min_n=x"}, "parameter min_n"},
		{[]string{"query", "survey_estimates", "--param", "question=it_staf"}, `has no question "it_staf"; its questions: `}, // found by the SQL
		{[]string{"query", "registrations", "--param", "by=country"}, "parameter by"},
		{[]string{"query", "data_quality", "--param", "as_of=soon"}, "parameter as_of"},
	} {
		if code, _, stderr := run(t, append(tc.args, "--warehouse", wh)...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: got exit %d, %q; want exit 2 naming %q", tc.args, code, stderr, tc.want)
		}
	}
}
