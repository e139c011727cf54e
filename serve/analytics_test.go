package serve_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// addAnalyticsData commits a few registry events and survey answers, so
// that registrations and survey_estimates have rows to serve.
func addAnalyticsData(t *testing.T, wh *warehouse.Warehouse) {
	t.Helper()
	ctx := context.Background()
	tx, err := wh.Begin(ctx, "analytics fixture")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var events []ictstat.Registration
	for i, d := range []string{"2026-01-05", "2026-02-10", "2026-02-11"} {
		e, verr := transform.ValidateRegistration(&ictstat.RegistrationRecord{RegistryNo: fmt.Sprintf("100000%d", i+1),
			CompanyName: "Co", ISIC4: "6201", Zone: "UB-01", Event: "registered", Date: d})
		if verr != nil {
			t.Fatal(verr)
		}
		events = append(events, e)
	}
	if _, err := tx.MergeRegistrations(context.Background(), events, transform.Companies); err != nil {
		t.Fatal(err)
	}
	var answers []ictstat.SurveyResponse
	for i := 0; i < 12; i++ {
		v := float64(i % 2)
		answers = append(answers, ictstat.SurveyResponse{Wave: "w1", ResponseID: fmt.Sprint(i), SubmittedAt: time.Now().UnixMicro(),
			Stratum: "62", StratumPopulation: 50, Question: "cloud", QuestionType: ictstat.QuestionSingle, Choice: "yes", Value: &v})
	}
	if err := warehouse.AppendRows(tx, warehouse.TableSurveyResponses, answers); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "analytics fixture"); err != nil {
		t.Fatal(err)
	}
}

// TestAnalyticsFormats serves each analytic in every format, and xlsx as a
// workbook to save, with units in its headers.
func TestAnalyticsFormats(t *testing.T) {
	ts, wh := newServer(t)
	addAnalyticsData(t, wh)
	queries := map[string]string{
		"registrations":    "grain=quarter&by=zone",
		"survey_estimates": "question=cloud",
		"data_quality":     "as_of=2026-11-27T12:00:00Z",
		"sector_size":      "grain=year",
	}
	wantHeader := map[string]string{
		"registrations":    "active_end [companies]",
		"survey_estimates": "estimate [share or question unit]",
		"data_quality":     "freshness [label]",
		"sector_size":      "revenue_mnt [MNT]",
	}
	for name, params := range queries {
		for _, format := range []string{"json", "csv", "parquet", "arrow", "xlsx"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				status, h, body := get(t, fmt.Sprintf("%s/api/v1/queries/%s?%s&format=%s", ts.URL, name, params, format))
				if status != 200 || len(body) == 0 {
					t.Fatalf("got status %d, %d bytes: %.300s", status, len(body), body)
				}
				if format != "xlsx" {
					return
				}
				if ct := h.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
					t.Errorf("got Content-Type %q", ct)
				}
				if cd, want := h.Get("Content-Disposition"), fmt.Sprintf(`attachment; filename="%s-snapshot2.xlsx"`, name); cd != want {
					t.Errorf("got Content-Disposition %q, want %q", cd, want)
				}
				f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rows, err := f.GetRows("data")
				if err != nil || len(rows) < 2 {
					t.Fatalf("got %d rows (%v), want a header and data", len(rows), err)
				}
				if !strings.Contains(strings.Join(rows[0], "|"), wantHeader[name]) {
					t.Errorf("got header %v, want %q in it", rows[0], wantHeader[name])
				}
				if v, _ := f.GetCellValue("about", "B1"); v != name {
					t.Errorf("about: got query %q, want %q", v, name)
				}
			})
		}
	}
	// A cached answer keeps its headers.
	_, h, _ := get(t, ts.URL+"/api/v1/queries/data_quality?as_of=2026-11-27T12:00:00Z&format=xlsx")
	if h.Get("Content-Disposition") == "" {
		t.Errorf("got no Content-Disposition on a cached xlsx answer")
	}
	for _, tc := range []struct{ path, want string }{
		{"/api/v1/queries/survey_estimates", "parameter question"},
		{"/api/v1/queries/survey_estimates?question=cloud&min_n=many", "parameter min_n"},
		{"/api/v1/queries/survey_estimates?question=clouds", `has no question \"clouds\"`}, // found by the SQL
		{"/api/v1/queries/registrations?by=country", "parameter by"},
		{"/api/v1/queries/data_quality?as_of=yesterday", "parameter as_of"},
	} {
		if status, _, body := get(t, ts.URL+tc.path); status != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: got %d %.200s, want 400 naming %q", tc.path, status, body, tc.want)
		}
	}
}
