package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// history commits four snapshots, an hour apart on the clock of opts:
//
//	1: filings 0-9 in 2026-09 and 2026-10, one export each
//	2: filings 10-14 and revision 2 of filing 0, a quarantined record
//	3: revision 2 of filing 1 and revision 3 of filing 0
//	4: filings 15-19 in 2026-11
//
// It returns the warehouse and a function that moves its clock.
func history(t *testing.T) (*warehouse.Warehouse, func(time.Duration)) {
	t.Helper()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	wh := open(t, t.TempDir(), warehouse.Options{Now: func() time.Time { return now }})
	step := func(d time.Duration) { now = now.Add(d) }
	var batch []ictstat.Filing
	for i := range 10 {
		batch = append(batch, filing(i, 1, 2026, 9+i%2, 100, 1))
	}
	step(time.Hour)
	commit(t, wh, batch)
	batch = batch[:0]
	for i := 10; i < 15; i++ {
		batch = append(batch, filing(i, 1, 2026, 9+i%2, 100, 1))
	}
	batch = append(batch, filing(0, 2, 2026, 9, 1000, 2))
	step(time.Hour)
	commit(t, wh, batch, ictstat.Quarantined{Origin: "f", Line: 1, Reason: "isic4: bad", Raw: "{}"})
	step(time.Hour)
	commit(t, wh, []ictstat.Filing{filing(1, 2, 2026, 10, 2000, 0), filing(0, 3, 2026, 9, 3000, 1)})
	batch = batch[:0]
	for i := 15; i < 20; i++ {
		batch = append(batch, filing(i, 1, 2026, 11, 100, 1))
	}
	step(time.Hour)
	commit(t, wh, batch)
	return wh, step
}

func TestQuerySnapshotTimeTravel(t *testing.T) {
	wh, _ := history(t)
	// filings, sum(revenue), distinct ids, filing_revisions, sum(revenue),
	// filing_exports, sum(amount), quarantine, newest snapshot listed
	cases := []struct {
		snap int64
		want string
	}{
		{0, "[0 <nil> 0 0 <nil> 0 <nil> 0 0]"},
		{1, "[10 1000 10 10 1000 10 100 0 1]"},
		{2, "[15 2400 15 16 2500 16 340 1 2]"},
		{3, "[15 6300 15 18 7500 14 430 1 3]"},
		{4, "[20 6800 20 23 8000 19 480 1 4]"},
		{-1, "[20 6800 20 23 8000 19 480 1 4]"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint("snapshot ", tc.snap), func(t *testing.T) {
			if got := summary(t, wh, tc.snap); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("old revision in an old snapshot", func(t *testing.T) {
		q := "SELECT revision FROM filings WHERE filing_id = 'VZ-202609-1000000'"
		for snap, want := range map[int64]int64{1: 1, 2: 2, 3: 3, 4: 3} {
			if got := testutil.CountAt(t, wh, snap, q); got != want {
				t.Errorf("snapshot %d: got revision %d, want %d", snap, got, want)
			}
		}
	})
	t.Run("missing snapshot", func(t *testing.T) {
		_, _, err := testutil.QueryRows(context.Background(), wh, 5, "SELECT 1")
		if !errors.Is(err, ictstat.ErrNotFound) {
			t.Errorf("got %v, want an error wrapping ErrNotFound", err)
		}
	})
}

func TestGC(t *testing.T) {
	cases := []struct {
		name       string
		retain     warehouse.Retention
		wantKept   []int64
		wantRemove bool // files must go
	}{
		{"last one", warehouse.Retention{Last: 1, MaxAge: time.Nanosecond}, []int64{4}, true},
		{"last two", warehouse.Retention{Last: 2, MaxAge: time.Nanosecond}, []int64{3, 4}, true},
		{"pinned", warehouse.Retention{Last: 1, MaxAge: time.Nanosecond, Pinned: []int64{1}}, []int64{1, 4}, true},
		{"younger than 150 minutes", warehouse.Retention{Last: 1, MaxAge: 150 * time.Minute}, []int64{3, 4}, true},
		{"defaults keep all", warehouse.Retention{}, []int64{1, 2, 3, 4}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wh, step := history(t)
			step(time.Hour) // snapshot 4 is an hour old, snapshot 1 four hours
			root := wh.Root()
			before := map[int64]map[string][][]any{}
			for id := int64(1); id <= 4; id++ {
				before[id] = tableRows(t, wh, id)
			}
			filesBefore := testutil.StoredFiles(t, root)

			st, err := wh.GC(context.Background(), tc.retain)
			if err != nil {
				t.Fatal(err)
			}
			if got := testutil.ManifestIDs(t, root); !slices.Equal(got, tc.wantKept) {
				t.Errorf("got snapshots %v, want %v", got, tc.wantKept)
			}
			if st.SnapshotsKept != len(tc.wantKept) || st.SnapshotsRemoved != 4-len(tc.wantKept) {
				t.Errorf("got %d kept %d removed, want %d %d", st.SnapshotsKept, st.SnapshotsRemoved, len(tc.wantKept), 4-len(tc.wantKept))
			}
			filesAfter := testutil.StoredFiles(t, root)
			if got := len(filesBefore) - len(filesAfter); got != st.FilesRemoved {
				t.Errorf("%d files went, gc reports %d", got, st.FilesRemoved)
			}
			if tc.wantRemove != (st.FilesRemoved > 0) {
				t.Errorf("got %d files removed, want some: %v", st.FilesRemoved, tc.wantRemove)
			}
			// Every file of a kept snapshot is there, and nothing else.
			testutil.CheckFolders(t, root)
			for id := int64(1); id <= 4; id++ {
				if slices.Contains(tc.wantKept, id) {
					if got := tableRows(t, wh, id); !reflect.DeepEqual(got, before[id]) {
						t.Errorf("snapshot %d reads differently after gc", id)
					}
					continue
				}
				if _, _, err := testutil.QueryRows(context.Background(), wh, id, "SELECT count(*) FROM filings"); !errors.Is(err, ictstat.ErrNotFound) {
					t.Errorf("snapshot %d: got %v, want ErrNotFound after gc", id, err)
				}
			}
			// A new commit on top of the collected warehouse works.
			m := commit(t, wh, []ictstat.Filing{filing(99, 1, 2026, 10, 5, 0)})
			if m.ID != 5 {
				t.Errorf("got snapshot %d after gc, want 5", m.ID)
			}
			if got := testutil.Count(t, wh, "SELECT count(*) FROM filings"); got != 21 {
				t.Errorf("got %d filings, want 21", got)
			}
		})
	}
}

func TestCompact(t *testing.T) {
	wh, step := history(t)
	root := wh.Root()
	commit(t, wh, nil, ictstat.Quarantined{Origin: "g", Line: 2, Reason: "period: bad", Raw: "{1}"})
	const last = 5
	multi := 0
	for table, parts := range testutil.SnapshotFiles(t, root, last) {
		for p, files := range parts {
			if len(files) > 1 {
				multi++
				t.Logf("%s %s: %d files", table, p, len(files))
			}
		}
	}
	if multi < 4 {
		t.Fatalf("test data: %d partitions have several files, want at least 4", multi)
	}
	wantRows := tableRows(t, wh, last)
	wantSummary := summary(t, wh, last)

	st, err := wh.Compact(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Snapshot != last+1 || st.Partitions != multi {
		t.Errorf("got snapshot %d, %d partitions, want %d, %d", st.Snapshot, st.Partitions, last+1, multi)
	}
	for table, parts := range testutil.SnapshotFiles(t, root, last+1) {
		for p, files := range parts {
			if len(files) != 1 {
				t.Errorf("%s %s: got %d files after compact, want 1", table, p, len(files))
			}
		}
	}
	if got := tableRows(t, wh, last+1); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("compacted snapshot reads differently:\n got %v\nwant %v", got, wantRows)
	}
	// The snapshots table lists the compaction; the rest is unchanged.
	wantCompacted := strings.Replace(wantSummary, fmt.Sprint(" ", last, "]"), fmt.Sprint(" ", last+1, "]"), 1)
	if got := summary(t, wh, last+1); got != wantCompacted {
		t.Errorf("compacted summary: got %s, want %s", got, wantCompacted)
	}
	if got := tableRows(t, wh, last); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("snapshot %d reads differently after compact", last)
	}
	testutil.CheckFolders(t, root)

	st, err = wh.Compact(context.Background())
	if err != nil || st.Snapshot != 0 {
		t.Errorf("second compact: got snapshot %d, %v; want 0 (nothing to do)", st.Snapshot, err)
	}
	step(time.Hour)
	if _, err := wh.GC(context.Background(), warehouse.Retention{Last: 1, MaxAge: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := testutil.QueryRows(context.Background(), wh, last, "SELECT 1"); !errors.Is(err, ictstat.ErrNotFound) {
		t.Errorf("snapshot %d after gc: got %v, want ErrNotFound", last, err)
	}
	if got := tableRows(t, wh, last+1); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("compacted snapshot reads differently after gc")
	}
	testutil.CheckFolders(t, root)
}

func TestOpenRecovers(t *testing.T) {
	write := func(t *testing.T, root, rel string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("PAR1 not committed"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		debris []string // files relative to the warehouse root; "-" removes a current file from tables/
		reopen bool     // recovery by Begin in an open warehouse rather than by Open
	}{
		{"staging folder and an orphan in a new partition", []string{
			"_staging/tx-2-deadbeef/00001.parquet",
			"_staging/tx-2-deadbeef/spill/year2026_month01.bin",
			"files/filings/year=2026/month=1/part-00000002-00001-deadbeef.parquet",
		}, false},
		{"orphans next to committed files", []string{
			"_staging/tx-2-deadbeef/tmp-123",
			"files/filings/year=2026/month=10/part-00000002-00001-deadbeef.parquet",
			"files/filing_revisions/year=2026/month=10/part-00000002-00002-deadbeef.parquet",
			"files/quarantine/source=filings/part-00000002-00003-deadbeef.parquet",
			"tables/filings/year=2026/month=10/part-00000002-00001-deadbeef.parquet",
		}, false},
		{"a commit interrupted between its manifest and tables/", []string{
			"_staging/tx-2-deadbeef/",
			"tables/filings/year=2026/month=9/part-00000001-00009-cafe.parquet",
			"-", // a current file not yet linked into tables/
		}, false},
		{"staging folder only", []string{"_staging/tx-2-cafe/00001.parquet"}, false},
		{"interrupted gc: marker and files of removed snapshots", []string{
			"_staging/gc-1234/",
			"files/filings/year=2025/month=12/part-00000001-00001-cafe.parquet",
		}, false},
		{"debris of another process, found by Begin", []string{
			"_staging/tx-2-deadbeef/00001.parquet",
			"files/filing_exports/year=2026/month=1/part-00000002-00001-deadbeef.parquet",
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			wh := open(t, root, warehouse.Options{})
			commit(t, wh, []ictstat.Filing{filing(1, 1, 2026, 10, 100, 1), filing(2, 1, 2026, 9, 100, 0)},
				ictstat.Quarantined{Origin: "f", Line: 3, Reason: "x", Raw: "y"})
			want := summary(t, wh, -1)
			committed := testutil.TableFolderFiles(t, root)
			for _, d := range tc.debris {
				if d == "-" {
					if err := os.Remove(filepath.Join(root, committed[0])); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if strings.HasSuffix(d, "/") {
					if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				write(t, root, d)
			}
			if tc.reopen {
				tx, err := wh.Begin(context.Background(), "test")
				if err != nil {
					t.Fatal(err)
				}
				tx.Rollback()
			} else {
				wh = open(t, root, warehouse.Options{})
			}
			testutil.CheckFolders(t, root)
			if got := testutil.TableFolderFiles(t, root); !slices.Equal(got, committed) {
				t.Errorf("got files %v, want the committed ones %v", got, committed)
			}
			if _, err := os.Stat(filepath.Join(root, "files/filings/year=2026/month=1")); !os.IsNotExist(err) && !tc.reopen {
				t.Errorf("empty partition folder of the orphan: got %v, want it removed", err)
			}
			if got := summary(t, wh, -1); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestOpenLeavesDebrisWhileAWriterWorks(t *testing.T) {
	root := t.TempDir()
	wh := open(t, root, warehouse.Options{})
	tx, err := wh.Begin(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// The writer's staging folder must survive another process opening
	// the warehouse, and a second writer must wait.
	staged := testutil.StagingEntries(t, root)
	if len(staged) != 1 {
		t.Fatalf("got staging %v, want the transaction's folder", staged)
	}
	other := open(t, root, warehouse.Options{})
	if got := testutil.StagingEntries(t, root); !slices.Equal(got, staged) {
		t.Errorf("got staging %v after another Open, want %v", got, staged)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := other.Begin(ctx, "second"); !errors.Is(err, ictstat.ErrLocked) {
		t.Errorf("second writer: got %v, want ErrLocked", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := testutil.StagingEntries(t, root); len(got) != 0 {
		t.Errorf("got staging %v after rollback, want nothing", got)
	}
	tx2, err := other.Begin(context.Background(), "second")
	if err != nil {
		t.Fatalf("second writer after rollback: %v", err)
	}
	tx2.Rollback()
}

func TestQueryIsReadOnly(t *testing.T) {
	root := t.TempDir()
	wh := open(t, root, warehouse.Options{})
	commit(t, wh, []ictstat.Filing{filing(1, 1, 2026, 10, 100, 1)})
	out := filepath.Join(t.TempDir(), "x.parquet")
	cases := []string{
		"CREATE TABLE x(i int)",
		"COPY filings TO '" + out + "'",
		"COPY (SELECT 1) TO '" + out + "'",
		"COPY (SELECT 1) TO '" + filepath.Join(root, "tables", "filings", "evil.parquet") + "'",
		"COPY filings FROM '" + filepath.Join(root, "tables", "filings") + "/*/*/*.parquet'",
		"SELECT * FROM glob('/etc/*')",
		"SET threads=1",
		"RESET threads",
		"PRAGMA threads=1",
		"ATTACH ':memory:' AS m",
		"ATTACH '" + filepath.Join(root, "x.duckdb") + "' AS m",
		"INSTALL httpfs",
		"LOAD httpfs",
		"DROP VIEW filings",
		"CREATE OR REPLACE VIEW filings AS SELECT 1",
		"INSERT INTO filings SELECT * FROM filings",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_blob('/etc/hostname')",
		"SELECT * FROM read_json('" + filepath.Join(root, "catalog", "00000001.json") + "')",
		"SELECT * FROM read_csv('" + filepath.Join(root, "catalog", "00000001.json") + "')",
		"SELECT 1; DROP VIEW filings",
		"SELECT 1; CREATE TABLE x(i int)",
		"EXPORT DATABASE '" + t.TempDir() + "'",
		"DETACH memory",
		"USE system",
		"CHECKPOINT",
		"CALL pragma_version(); SET threads=1",
	}
	for _, q := range cases {
		t.Run(q, func(t *testing.T) {
			rows, _, err := testutil.QueryRows(context.Background(), wh, -1, q)
			if err == nil {
				t.Errorf("got rows %v, want an error", rows)
			}
			t.Log(err)
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s: got %v, want no file written", out, err)
	}
	if _, err := os.Stat(filepath.Join(root, "x.duckdb")); !os.IsNotExist(err) {
		t.Errorf("x.duckdb: got %v, want no file written", err)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM filings"); got != 1 {
		t.Errorf("after the refused statements: got %d filings, want 1", got)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM duckdb_tables()"); got != 0 {
		t.Errorf("got %d tables created in the engine, want 0", got)
	}
	testutil.CheckFolders(t, root)
}

// TestQueryResultsOpenTogether holds several results at once, so that the
// engine must open more connections: each must be set up like the first
// (time zone) and be as locked down.
func TestQueryResultsOpenTogether(t *testing.T) {
	wh := open(t, t.TempDir(), warehouse.Options{})
	commit(t, wh, []ictstat.Filing{filing(1, 1, 2026, 10, 100, 1)})
	ctx := context.Background()
	var held []*warehouse.Result
	defer func() {
		for _, r := range held {
			r.Release()
		}
	}()
	for i := range 4 {
		res, err := wh.Query(ctx, -1, "SELECT count(*) FROM filings")
		if err != nil {
			t.Fatalf("query %d with %d results open: %v", i+1, i, err)
		}
		held = append(held, res)
		rows, _, err := testutil.QueryRows(ctx, wh, -1, "SELECT current_setting('TimeZone'), count(*) FROM filings")
		if err != nil {
			t.Fatalf("query with %d results open: %v", i+1, err)
		}
		if got := fmt.Sprint(rows); got != "[[UTC 1]]" {
			t.Errorf("with %d results open: got %s, want [[UTC 1]]", i+1, got)
		}
		if _, _, err := testutil.QueryRows(ctx, wh, -1, "SELECT * FROM read_text('/etc/hostname')"); err == nil {
			t.Errorf("with %d results open: read_text of /etc/hostname: got no error", i+1)
		}
	}
}

// TestGCInterruptedIsRecovered makes gc fail after it removed manifests
// (one data file it must remove is replaced by a folder that is not
// empty): the files of the removed snapshots must still go when the
// warehouse is next opened.
func TestGCInterruptedIsRecovered(t *testing.T) {
	wh, step := history(t)
	step(time.Hour)
	root := wh.Root()
	keep := testutil.SnapshotFiles(t, root, 4)
	var victim string
	for _, parts := range testutil.SnapshotFiles(t, root, 1) {
		for p, files := range parts {
			for _, f := range files {
				if !slices.Contains(keep[strings.Split(f, "/")[1]][p], f) {
					victim = f
				}
			}
		}
	}
	if victim == "" {
		t.Fatal("test data: snapshot 1 has no file that snapshot 4 dropped")
	}
	p := filepath.Join(root, filepath.FromSlash(victim))
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.GC(context.Background(), warehouse.Retention{Last: 1, MaxAge: time.Nanosecond}); err == nil {
		t.Fatal("gc: got no error, want one for the folder it cannot remove")
	}
	if got := testutil.ManifestIDs(t, root); !slices.Equal(got, []int64{4}) {
		t.Fatalf("test data: got snapshots %v after the failed gc, want [4]", got)
	}
	open(t, root, warehouse.Options{})
	testutil.CheckFolders(t, root)
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("%s: got %v, want it removed", victim, err)
	}
}

// TestSnapshotRemovedByAnotherProcess reads an old snapshot, lets another
// Warehouse (as another process would) collect it, and reads it again:
// the answer must be that the snapshot is gone, not a failure to read files.
func TestSnapshotRemovedByAnotherProcess(t *testing.T) {
	wh, step := history(t)
	step(time.Hour)
	if got := testutil.CountAt(t, wh, 1, "SELECT count(*) FROM filings"); got != 10 {
		t.Fatalf("snapshot 1: got %d filings, want 10", got)
	}
	other := open(t, wh.Root(), warehouse.Options{})
	if _, err := other.GC(context.Background(), warehouse.Retention{Last: 1, MaxAge: time.Nanosecond}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{1, 2} {
		if _, _, err := testutil.QueryRows(context.Background(), wh, id, "SELECT count(*) FROM filings"); !errors.Is(err, ictstat.ErrNotFound) {
			t.Errorf("snapshot %d after gc elsewhere: got %v, want ErrNotFound", id, err)
		}
	}
	if got := summary(t, wh, -1); got != "[20 6800 20 23 8000 19 480 1 4]" {
		t.Errorf("current snapshot after gc elsewhere: got %s", got)
	}
}
