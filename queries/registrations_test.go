package queries_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestRegistrationsGolden checks registrations against the numbers worked
// out by hand in testdata/registrations/README.md.
func TestRegistrationsGolden(t *testing.T) {
	wh, first := loadRegistrations(t, "../testdata/registrations/events.csv", 4)
	for _, tc := range []struct {
		name   string
		params map[string]string
		snap   int64
		golden string
	}{
		{"month, all", nil, -1, "expected_month_all.csv"},
		{"quarter by zone", map[string]string{"grain": "quarter", "by": "zone"}, -1, "expected_quarter_zone.csv"},
		{"year by division", map[string]string{"grain": "year", "by": "isic_division"}, -1, "expected_year_division.csv"},
		{"year, ICT only", map[string]string{"grain": "year", "ict_only": "true"}, -1, "expected_year_all_ict.csv"},
		{"first snapshot", nil, first, "expected_month_all_snapshot1.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runCSVAt(t, wh, tc.snap, "registrations", tc.params)
			want, err := os.ReadFile(filepath.Join("../testdata/registrations", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
	// Where no company left and came back, the count agrees with the rule
	// of table companies.
	end := testutil.Count(t, wh, "SELECT count(*) FROM companies WHERE registered_on <= DATE '2026-09-30' AND (deregistered_on IS NULL OR deregistered_on > DATE '2026-09-30')")
	if end != 3 {
		t.Errorf("got %d companies active on 2026-09-30 by the companies rule, want 3 as in expected_month_all.csv", end)
	}
}

// loadRegistrations commits the events of a CSV file as the registrations
// pull does (validated, merged, companies derived): the first split events
// in one snapshot, whose id it returns, and the rest in a second.
func loadRegistrations(t *testing.T, path string, split int) (*warehouse.Warehouse, int64) {
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
	var events []ictstat.Registration
	for i, r := range recs[1:] {
		e, verr := transform.ValidateRegistration(&ictstat.RegistrationRecord{RegistryNo: r[0], CompanyName: r[1], ISIC4: r[2], Zone: r[3], Event: r[4], Date: r[5]})
		if verr != nil {
			t.Fatalf("%s line %d: %v", path, i+2, verr)
		}
		e.Source, e.SourceLine = path, int64(i+2)
		events = append(events, e)
	}
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	var first int64
	for _, batch := range [][]ictstat.Registration{events[:split], events[split:]} {
		if len(batch) == 0 {
			continue
		}
		tx, err := wh.Begin(context.Background(), "registrations fixture")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.MergeRegistrations(context.Background(), batch, transform.Companies); err != nil {
			t.Fatal(err)
		}
		m, err := tx.Commit(context.Background(), "registrations fixture")
		if err != nil {
			t.Fatal(err)
		}
		if first == 0 {
			first = m.ID
		}
	}
	return wh, first
}

// TestRegistrationsActiveIsTransformActiveOn checks that the registrations
// analytic's active companies are transform.ActiveOn's, the definition the
// survey's population uses too: on the last day of every month, by
// division.
func TestRegistrationsActiveIsTransformActiveOn(t *testing.T) {
	wh, _ := loadRegistrations(t, "../testdata/registrations/events.csv", 4)
	tx, err := wh.Begin(context.Background(), "read companies")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := warehouse.ReadTable[ictstat.Company](tx, warehouse.TableCompanies)
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	rows := runNamed(t, wh, -1, "registrations", map[string]string{"by": "isic_division"})
	if len(rows) == 0 {
		t.Fatal("got no rows")
	}
	byEnd := map[string]map[string]int64{}
	for _, r := range rows {
		key := fmt.Sprint(r["period_end"])
		end, err := time.Parse(time.DateOnly, key)
		if err != nil {
			t.Fatal(err)
		}
		if byEnd[key] == nil {
			byEnd[key] = transform.ActiveByDivision(cs, ictstat.MonthDate(end.Year(), int(end.Month()))+ictstat.Date(end.Day()-1))
		}
		if got, want := r["active_end"], byEnd[key][r["breakdown"].(string)]; got != want {
			t.Errorf("%s division %v: got %v active, transform.ActiveOn says %d", key, r["breakdown"], got, want)
		}
	}
}
