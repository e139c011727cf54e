package warehouse_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the engine another user reads the folders with

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// engineRead runs query in a DuckDB of its own, as a user of the DuckDB CLI
// would, with $ROOT replaced by the warehouse folder, and returns the first
// row as text.
func engineRead(t *testing.T, root, query string) string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(strings.ReplaceAll(query, "$ROOT", root))
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		t.Fatalf("%s: no row (%v)", query, rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(vals...)
}

// globCounts reads every table the documented way: one glob over its
// folder, hive partitioning on. It returns rows and sums of each.
func globCounts(t *testing.T, root string) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT count(*), sum(revenue), count(DISTINCT filing_id) FROM read_parquet('$ROOT/tables/filings/**/*.parquet', hive_partitioning = true)",
		"SELECT count(*), sum(revenue) FROM read_parquet('$ROOT/tables/filing_revisions/**/*.parquet', hive_partitioning = true)",
		"SELECT count(*), sum(amount) FROM read_parquet('$ROOT/tables/filing_exports/**/*.parquet', hive_partitioning = true)",
		"SELECT count(*) FROM read_parquet('$ROOT/tables/quarantine/**/*.parquet', hive_partitioning = true)",
	} {
		out = append(out, engineRead(t, root, q))
	}
	return strings.Join(out, " ")
}

// warehouseCounts is globCounts through the warehouse's own engine.
func warehouseCounts(t *testing.T, wh *warehouse.Warehouse) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT count(*), sum(revenue), count(DISTINCT filing_id) FROM filings",
		"SELECT count(*), sum(revenue) FROM filing_revisions",
		"SELECT count(*), sum(amount) FROM filing_exports",
		"SELECT count(*) FROM quarantine",
	} {
		row := testutil.Rows(t, wh, -1, q)[0]
		out = append(out, fmt.Sprint(row...))
	}
	return strings.Join(out, " ")
}

// TestEngineGlobReadsCurrentSnapshot reads the table folders with a DuckDB
// of its own after new filings, amendments, compaction and gc: a glob over
// a table's folder must give exactly the current snapshot's rows, and the
// partition columns must be integers.
func TestEngineGlobReadsCurrentSnapshot(t *testing.T) {
	wh, step := history(t)
	root := wh.Root()
	check := func(stage, want string) {
		t.Helper()
		testutil.CheckFolders(t, root)
		got := globCounts(t, root)
		if own := warehouseCounts(t, wh); got != own {
			t.Errorf("%s: the glob reads %s, the current snapshot holds %s", stage, got, own)
		}
		if got != want {
			t.Errorf("%s: the glob reads %s, want %s", stage, got, want)
		}
	}
	// Worked out from history's commits: 20 filings (0 at revision 3 with
	// revenue 3000, 1 at revision 2 with 2000, 18 at 100), 23 revisions,
	// exports: 18 + 1 (filing 0's third revision) with amount revenue/10.
	want := "20 6800 20 23 8000 19 480 1"
	check("after amendments", want)
	if _, err := wh.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after compact", want)
	step(time.Hour)
	st, err := wh.GC(context.Background(), warehouse.Retention{Last: 1, MaxAge: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if st.SnapshotsRemoved == 0 || st.FilesRemoved == 0 {
		t.Errorf("gc removed %+v, want old snapshots and their files", st)
	}
	check("after gc", want)
	// Partition values are integers: month < 10 is September, whose filings
	// are the even numbers 0 to 14 of history's first two commits: 8.
	got := engineRead(t, root, `SELECT any_value(typeof(year)), any_value(typeof(month)), count(*) FROM read_parquet('$ROOT/tables/filings/**/*.parquet', hive_partitioning = true) WHERE month < 10`)
	if got != "BIGINTBIGINT8" {
		t.Errorf("typeof(year), typeof(month), count(*) WHERE month < 10: got %s, want BIGINTBIGINT8", got)
	}
	if got := engineRead(t, root, `SELECT count(*) FROM read_parquet('$ROOT/tables/filings/**/*.parquet', hive_partitioning = true) WHERE month < 7`); got != "0" {
		t.Errorf("WHERE month < 7: got %s, want 0", got)
	}
	for _, f := range testutil.TableFolderFiles(t, root) {
		if regexp.MustCompile(`=0\d`).MatchString(f) {
			t.Errorf("%s: a partition value with a leading zero", f)
		}
	}
}

// oldLayout rewrites the warehouse in root as a build before files/ wrote
// it: every file under tables/<table>/year=YYYY/month=MM/ (two digits),
// kept there for as long as any snapshot names it, and the manifests
// naming those paths.
func oldLayout(t *testing.T, root string) {
	t.Helper()
	month := regexp.MustCompile(`month=(\d)(/|$)`)
	old := func(p string) string { return month.ReplaceAllString(p, "month=0$1$2") }
	ents, err := os.ReadDir(filepath.Join(root, "catalog"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(root, "catalog", e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, files := range m["tables"].(map[string]any) {
			for _, f := range files.([]any) {
				f := f.(map[string]any)
				np := old("tables/" + strings.TrimPrefix(f["path"].(string), "files/"))
				dst := filepath.Join(root, np)
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				os.Remove(dst)
				if err := os.Link(filepath.Join(root, f["path"].(string)), dst); err != nil {
					t.Fatal(err)
				}
				f["path"], f["partition"] = np, old(f["partition"].(string))
			}
		}
		if b, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "files")); err != nil {
		t.Fatal(err)
	}
	// The links of the current snapshot under the new names are not in
	// the old layout either.
	for _, f := range testutil.TableFolderFiles(t, root) {
		if month.MatchString(f) {
			os.Remove(filepath.Join(root, f))
		}
	}
}

// TestOpenMigratesOldLayout opens a warehouse of the older layout: read
// only it is read as it is, untouched; opened by a writer it is moved to
// files/ and integer partitions, every snapshot reading as before, and the
// glob then reads exactly the current snapshot.
func TestOpenMigratesOldLayout(t *testing.T) {
	wh, _ := history(t)
	root := wh.Root()
	want := map[int64]string{}
	for id := int64(1); id <= 4; id++ {
		want[id] = summary(t, wh, id)
	}
	wh.Close()
	oldLayout(t, root)
	before := testutil.Tree(t, root)

	ro, err := warehouse.OpenReadOnly(root, warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 4; id++ {
		if got := summary(t, ro, id); got != want[id] {
			t.Errorf("read-only, old layout, snapshot %d: got %s, want %s", id, got, want[id])
		}
	}
	ro.Close()
	if after := testutil.Tree(t, root); after != before {
		t.Errorf("a read-only open changed the folder:\nbefore %s\nafter  %s", before, after)
	}

	wh = open(t, root, warehouse.Options{})
	testutil.CheckFolders(t, root)
	for id := int64(1); id <= 4; id++ {
		if got := summary(t, wh, id); got != want[id] {
			t.Errorf("migrated, snapshot %d: got %s, want %s", id, got, want[id])
		}
		for _, parts := range testutil.SnapshotFiles(t, root, id) {
			for p, files := range parts {
				if strings.Contains(p, "=0") || !strings.HasPrefix(files[0], "files/") {
					t.Errorf("migrated snapshot %d: partition %s, files %v", id, p, files)
				}
			}
		}
	}
	if got, own := globCounts(t, root), warehouseCounts(t, wh); got != own {
		t.Errorf("migrated: the glob reads %s, the current snapshot holds %s", got, own)
	}
	// An amendment after the migration merges into the migrated partition.
	commit(t, wh, []ictstat.Filing{filing(3, 2, 2026, 9, 500, 0)})
	if got := testutil.Count(t, wh, "SELECT count(*) FROM filings WHERE filing_id = 'VZ-202609-1000003'"); got != 1 {
		t.Errorf("filing 3 after its amendment: %d rows, want 1", got)
	}
	testutil.CheckFolders(t, root)
}

// TestOpenReadOnly reads a warehouse whose folders are read-only while a
// writer holds the lock: no lock is waited for or taken, nothing is created,
// cleaned up or modified (even the staging debris of a crash stays), writes
// are refused, and a folder with no warehouse is a usage error.
func TestOpenReadOnly(t *testing.T) {
	wh, _ := history(t)
	root := wh.Root()
	want := summary(t, wh, 2)
	if err := os.MkdirAll(filepath.Join(root, "_staging", "tx-9-dead"), 0o755); err != nil {
		t.Fatal(err)
	}
	tx, err := wh.Begin(context.Background(), "hold the lock") // the writer lock stays held
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := exec.Command("chmod", "-R", "a-w", root).Run(); err != nil {
		t.Fatal(err)
	}
	defer exec.Command("chmod", "-R", "u+w", root).Run()
	before := testutil.Tree(t, root)

	ro, err := warehouse.OpenReadOnly(root, warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(t, ro, 2); got != want {
		t.Errorf("snapshot 2 read-only: got %s, want %s", got, want)
	}
	if got := testutil.Count(t, ro, "SELECT count(*) FROM job_runs"); got != 0 {
		t.Errorf("job_runs: %d rows, want 0", got)
	}
	if snaps, err := ro.Snapshots(); err != nil || len(snaps) != 4 {
		t.Errorf("snapshots: %d, %v; want 4", len(snaps), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := ro.Begin(ctx, "write"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Begin on a read-only warehouse: %v, want it refused", err)
	}
	if _, err := ro.GC(ctx, warehouse.Retention{}); err == nil {
		t.Error("GC on a read-only warehouse: no error")
	}
	if err := ro.RecordRun(ctx, ictstat.JobRun{Job: "x"}); err == nil {
		t.Error("RecordRun on a read-only warehouse: no error")
	}
	ro.Close()
	if after := testutil.Tree(t, root); after != before {
		t.Errorf("a read-only open changed the folder:\nbefore %s\nafter  %s", before, after)
	}

	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		_, err := warehouse.OpenReadOnly(dir, warehouse.Options{})
		if !errors.Is(err, ictstat.ErrUsage) || err.Error() != "no warehouse at "+dir+"; run an ingest first or pass --warehouse" {
			t.Errorf("OpenReadOnly(%s): %v, want the usage error naming it", dir, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			t.Errorf("OpenReadOnly(%s) created %v", dir, ents)
		}
		if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
			t.Errorf("OpenReadOnly created %s", dir)
		}
	}
}
