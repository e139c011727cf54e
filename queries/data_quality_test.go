package queries_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestDataQualityGolden checks data_quality against the numbers worked out
// by hand in testdata/data_quality/README.md: freshness from the recorded
// schedules, rows, and quarantined records by rule, now and on the first
// snapshot.
func TestDataQualityGolden(t *testing.T) {
	wh, first := loadDataQuality(t)
	for _, tc := range []struct {
		name   string
		snap   int64
		golden string
	}{
		{"current", -1, "expected.csv"},
		{"first snapshot", first, "expected_snapshot1.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runCSVAt(t, wh, tc.snap, "data_quality", map[string]string{"as_of": "2026-11-27T12:30:00Z"})
			want, err := os.ReadFile(filepath.Join("../testdata/data_quality", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
	// Without as_of, age is measured to now.
	for _, r := range runNamed(t, wh, -1, "data_quality", nil) {
		if r["source"] != "registrations" {
			continue
		}
		want := time.Since(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)).Hours()
		if age, ok := r["age_hours"].(float64); !ok || math.Abs(age-want) > 0.05 {
			t.Errorf("registrations: got age %v h without as_of, want %.2f h (to now)", r["age_hours"], want)
		}
	}
}

// loadDataQuality builds the fixture of testdata/data_quality/README.md:
// snapshot 1 holds the registrations, snapshot 2 one quarantined
// registration, snapshot 3 exchange rates and five quarantined filings; the
// run log holds runs.jsonl. It returns the id of snapshot 2.
func loadDataQuality(t *testing.T) (*warehouse.Warehouse, int64) {
	t.Helper()
	wh, _ := loadRegistrations(t, "../testdata/registrations/events.csv", 9)
	ctx := context.Background()
	// Snapshot 1 holds every event; snapshot 2 adds the quarantined one.
	tx, err := wh.Begin(ctx, "data quality fixture")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.AppendQuarantine("registrations", []ictstat.Quarantined{
		{Origin: "feed", Line: 3, Reason: `date: "2026-13-01" is not a YYYY-MM-DD day between 1990 and 2100`, Raw: `{"date":"2026-13-01"}`},
	}); err != nil {
		t.Fatal(err)
	}
	m, err := tx.Commit(ctx, "quarantine")
	if err != nil {
		t.Fatal(err)
	}
	first := m.ID
	tx, err = wh.Begin(ctx, "data quality fixture")
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) ictstat.Date {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return ictstat.DateOf(d)
	}
	if _, err := tx.MergeFXRates(ctx, []ictstat.FXRate{
		{Date: day("2026-11-25"), Currency: "USD", MNTPerUnit: 3400},
		{Date: day("2026-11-26"), Currency: "USD", MNTPerUnit: 3401},
		{Date: day("2026-11-27"), Currency: "USD", MNTPerUnit: 3402},
	}, transform.MergeFXRates); err != nil {
		t.Fatal(err)
	}
	var bad []ictstat.Quarantined
	for i, reason := range []string{
		"registry_no: missing",
		`registry_no: "12" is not a state registration number (7 digits)`,
		"exports.0.amount: want a number, got string",
		"exports.1.amount: want a number, got string",
		"record longer than 1048576 bytes (cut)",
	} {
		bad = append(bad, ictstat.Quarantined{Origin: "feed", Line: int64(i + 1), Reason: reason, Raw: reason})
	}
	if _, err := tx.AppendQuarantine("filings", bad); err != nil {
		t.Fatal(err)
	}
	m, err = tx.Commit(ctx, "fx and quarantine")
	if err != nil {
		t.Fatal(err)
	}
	if first != 2 || m.ID != 3 {
		t.Fatalf("got snapshots %d and %d, want 2 and 3 as runs.jsonl says", first, m.ID)
	}
	f, err := os.Open("../testdata/data_quality/runs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r ictstat.JobRun
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if err := wh.RecordRun(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return wh, first
}
