package publish_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/publish"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestRebuildFromPinnedSnapshot builds a release, commits newer national
// accounts, and rebuilds from the pinned snapshot: every artifact is the
// same byte for byte, while a build from the new snapshot differs.
func TestRebuildFromPinnedSnapshot(t *testing.T) {
	ctx := context.Background()
	wh := simWarehouse(t)
	cur, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	pinned := cur.ID
	rel := simRelease(t)
	opts := publish.Options{Now: func() time.Time { return builtAt }}
	root := t.TempDir()
	m1, err := publish.Build(ctx, wh, rel, pinned, filepath.Join(root, "a", rel.ID), opts)
	if err != nil {
		t.Fatal(err)
	}
	// NSO publishes 2025: the share of 2025 becomes official.
	tx, err := wh.Begin(ctx, "national accounts")
	if err != nil {
		t.Fatal(err)
	}
	rows := nationalAccounts()
	for i := range rows {
		rows[i].Vintage = time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC).UnixMicro()
		rows[i].Period, rows[i].PeriodLabel, rows[i].Year = "2025", "2025", 2025
		rows[i].PeriodStart = ictstat.MonthDate(2025, 1)
		*rows[i].Value *= 1.2
	}
	if err := warehouse.AppendRows(tx, warehouse.TableNationalAccount, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "2025 published"); err != nil {
		t.Fatal(err)
	}
	m2, err := publish.Build(ctx, wh, rel, pinned, filepath.Join(root, "b", rel.ID), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m1.Files, m2.Files) {
		for i := range m1.Files {
			if i < len(m2.Files) && m1.Files[i] != m2.Files[i] {
				t.Errorf("rebuilt %s differs: %s vs %s", m1.Files[i].Name, m1.Files[i].SHA256, m2.Files[i].SHA256)
			}
		}
		t.Fatal("a rebuild from the pinned snapshot differs")
	}
	now, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	m3, err := publish.Build(ctx, wh, rel, now.ID, filepath.Join(root, "c", rel.ID), opts)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(root, "a", rel.ID, "gdp_share.csv"))
	c, _ := os.ReadFile(filepath.Join(root, "c", rel.ID, "gdp_share.csv"))
	if string(a) == string(c) || m3.Snapshot == m1.Snapshot {
		t.Error("a build from the newer snapshot gives the same gdp_share: the test cannot tell snapshots apart")
	}
}

// TestRevisionsAgainstPreviousRelease publishes 2026Q1, then NSO revises
// 2024's ICT value added up by a tenth and 2026Q2 is built: revisions.csv
// lists 2024's share and value added with the old and new values.
func TestRevisionsAgainstPreviousRelease(t *testing.T) {
	ctx := context.Background()
	wh := simWarehouse(t)
	cur, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	q1, err := publish.ParsePeriod("2026Q1")
	if err != nil {
		t.Fatal(err)
	}
	first := publish.Release{ID: "2026Q1", Period: q1, PublishAt: time.Date(2026, 5, 14, 9, 30, 0, 0, publish.Ulaanbaatar), Tables: []string{publish.TableGDPShare}}
	// Release folders may have any name (ictstat publish --out).
	if _, err := publish.Build(ctx, wh, first, cur.ID, filepath.Join(root, "first"), publish.Options{}); err != nil {
		t.Fatal(err)
	}
	tx, err := wh.Begin(ctx, "national accounts")
	if err != nil {
		t.Fatal(err)
	}
	// A new vintage that revises 2024's ICT value added and republishes
	// its GDP unchanged: gdp_share divides figures of one vintage.
	var revised []ictstat.NationalAccount
	for _, r := range nationalAccounts() {
		if r.Year == 2024 {
			r.Vintage = time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC).UnixMicro()
			if r.ActivityRole == "ict" {
				*r.Value = 1430000
			}
			revised = append(revised, r)
		}
	}
	if err := warehouse.AppendRows(tx, warehouse.TableNationalAccount, revised); err != nil {
		t.Fatal(err)
	}
	next, err := tx.Commit(ctx, "2024 revised")
	if err != nil {
		t.Fatal(err)
	}
	second := simRelease(t)
	second.Tables = []string{publish.TableGDPShare}
	m, err := publish.Build(ctx, wh, second, next.ID, filepath.Join(root, second.ID), publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Previous != "2026Q1" {
		t.Fatalf("got previous release %q, want 2026Q1", m.Previous)
	}
	b, err := os.ReadFile(filepath.Join(root, second.ID, "revisions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// 1,300,000 / 80,663,051 = 1.61% before; 1,430,000 / 80,663,051 = 1.77% after.
	want := []string{
		"table,previous_release,period,cell,measure,unit,old_value,new_value",
		"gdp_share,2026Q1,2024,,share,percent,1.61,1.77",
		"gdp_share,2026Q1,2024,,ict_value_added,million MNT,1300000.0,1430000.0",
	}
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(got) < 3 || got[0] != want[0] || !slices.Contains(got, want[1]) || !slices.Contains(got, want[2]) {
		t.Errorf("got revisions\n%s\nwant among them\n%s", b, strings.Join(want, "\n"))
	}
}
