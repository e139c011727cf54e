package jobs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// Filing ids of the hand-written cases: A and B share a partition, C is in
// another one.
const (
	idA = "VZ-202610-1000001"
	idB = "VZ-202610-1000002"
	idC = "VZ-202609-1000003"
)

func openWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

// ingest runs one pull of the file at path. One line per chunk and two
// workers make the lines of a small file arrive out of order at the merge,
// which must still apply them in input order.
func ingest(t *testing.T, wh *warehouse.Warehouse, path string, chunkLines int) (jobs.PullStats, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return jobs.IngestFilingsFile(context.Background(), wh, f, path, jobs.Options{Workers: 2, ChunkLines: chunkLines})
}

func currentID(t *testing.T, wh *warehouse.Warehouse) int64 {
	t.Helper()
	m, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// strRows runs query and renders each row as its values joined by spaces.
func strRows(t *testing.T, wh *warehouse.Warehouse, snap int64, query string) []string {
	t.Helper()
	var out []string
	for _, r := range testutil.Rows(t, wh, snap, query) {
		s := make([]string, len(r))
		for i, v := range r {
			s[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(s, " "))
	}
	return out
}

// checkManifestRows fails unless every table's row count in the manifest
// of the current snapshot matches what a query over it counts, so that no
// file holds rows the manifest does not account for.
func checkManifestRows(t *testing.T, wh *warehouse.Warehouse) {
	t.Helper()
	m, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{warehouse.TableFilings, warehouse.TableFilingRevisions, warehouse.TableFilingExports, warehouse.TableQuarantine} {
		if got, want := testutil.Count(t, wh, "SELECT count(*) FROM "+table), m.Rows(table); got != want {
			t.Errorf("%s: query counts %d rows, manifest says %d", table, got, want)
		}
	}
}

type quarantined struct {
	file  string
	line  int64
	field string // the reason must start with it
}

func TestIngestFilingsRevisions(t *testing.T) {
	a := func(rev int, revenue float64, ex ...testutil.Export) testutil.Filing {
		return testutil.Filing{ID: idA, Revision: rev, Revenue: revenue, Exports: ex}
	}
	kz := testutil.Export{Country: "KZ", EBOPS: "SI2", Amount: 10}
	jp := testutil.Export{Country: "JP", EBOPS: "SI21", Amount: 20}
	b1 := testutil.Filing{ID: idB, Revision: 1, Revenue: 300, Exports: []testutil.Export{jp}}
	c1 := testutil.Filing{ID: idC, Revision: 1, Revenue: 400}
	type pull struct {
		file        string // the same name is the same file
		records     []any
		wantChanged bool
	}
	cases := []struct {
		name           string
		pulls          []pull
		wantFilings    []string // filing_id revision revenue
		wantRevisions  []string // filing_id revision revenue
		wantExports    []string // filing_id revision country ebops amount
		wantQuarantine []quarantined
	}{
		{
			name:          "higher revision in a later file replaces the current one",
			pulls:         []pull{{"a", []any{a(1, 100, kz)}, true}, {"b", []any{a(2, 200, kz)}, true}},
			wantFilings:   []string{idA + " 2 200"},
			wantRevisions: []string{idA + " 1 100", idA + " 2 200"},
			wantExports:   []string{idA + " 2 KZ SI2 10"},
		},
		{
			name:          "lower revision in a later file changes nothing",
			pulls:         []pull{{"a", []any{a(2, 200, kz)}, true}, {"b", []any{a(1, 100, jp)}, false}},
			wantFilings:   []string{idA + " 2 200"},
			wantRevisions: []string{idA + " 2 200"},
			wantExports:   []string{idA + " 2 KZ SI2 10"},
		},
		{
			name:           "equal revision with other content in a later file is quarantined as a conflict",
			pulls:          []pull{{"a", []any{a(1, 100)}, true}, {"b", []any{a(1, 999, jp)}, true}},
			wantFilings:    []string{idA + " 1 100"},
			wantRevisions:  []string{idA + " 1 100"},
			wantQuarantine: []quarantined{{"b", 1, "revision: conflict"}},
		},
		{
			name:          "equal revision with the same content in a later file changes nothing",
			pulls:         []pull{{"a", []any{a(1, 100, kz)}, true}, {"b", []any{a(1, 100, kz)}, false}},
			wantFilings:   []string{idA + " 1 100"},
			wantRevisions: []string{idA + " 1 100"},
			wantExports:   []string{idA + " 1 KZ SI2 10"},
		},
		{
			name:           "same revision twice in one file with other content: the first stays, the second is a conflict",
			pulls:          []pull{{"a", []any{a(1, 100, kz), b1, a(1, 999, jp)}, true}},
			wantFilings:    []string{idA + " 1 100", idB + " 1 300"},
			wantRevisions:  []string{idA + " 1 100", idB + " 1 300"},
			wantExports:    []string{idA + " 1 KZ SI2 10", idB + " 1 JP SI21 20"},
			wantQuarantine: []quarantined{{"a", 3, "revision: conflict"}},
		},
		{
			name:          "revisions out of order in one file: a lower one after a higher one is dropped",
			pulls:         []pull{{"a", []any{a(1, 100), a(3, 300, kz), a(2, 200, jp)}, true}},
			wantFilings:   []string{idA + " 3 300"},
			wantRevisions: []string{idA + " 1 100", idA + " 3 300"},
			wantExports:   []string{idA + " 3 KZ SI2 10"},
		},
		{
			name:          "the same file twice changes nothing the second time",
			pulls:         []pull{{"a", []any{a(1, 100, kz), a(2, 200, kz), b1}, true}, {"a", nil, false}},
			wantFilings:   []string{idA + " 2 200", idB + " 1 300"},
			wantRevisions: []string{idA + " 1 100", idA + " 2 200", idB + " 1 300"},
			wantExports:   []string{idA + " 2 KZ SI2 10", idB + " 1 JP SI21 20"},
		},
		{
			name:          "amendment in the same file that drops an export",
			pulls:         []pull{{"a", []any{a(1, 100, kz, jp), a(2, 200, kz)}, true}},
			wantFilings:   []string{idA + " 2 200"},
			wantRevisions: []string{idA + " 1 100", idA + " 2 200"},
			wantExports:   []string{idA + " 2 KZ SI2 10"},
		},
		{
			name:          "amendment in a later file that drops every export",
			pulls:         []pull{{"a", []any{a(1, 100, kz, jp), b1}, true}, {"b", []any{a(2, 200)}, true}},
			wantFilings:   []string{idA + " 2 200", idB + " 1 300"},
			wantRevisions: []string{idA + " 1 100", idA + " 2 200", idB + " 1 300"},
			wantExports:   []string{idB + " 1 JP SI21 20"},
		},
		{
			name: "amendment in a later pull rewrites the partition without the old row",
			pulls: []pull{
				{"a", []any{a(1, 100, kz), b1, c1}, true},
				{"b", []any{a(2, 200, jp)}, true},
				{"c", []any{a(3, 300, kz, jp)}, true},
			},
			wantFilings:   []string{idC + " 1 400", idA + " 3 300", idB + " 1 300"},
			wantRevisions: []string{idC + " 1 400", idA + " 1 100", idA + " 2 200", idA + " 3 300", idB + " 1 300"},
			wantExports:   []string{idA + " 3 JP SI21 20", idA + " 3 KZ SI2 10", idB + " 1 JP SI21 20"},
		},
		{
			name:           "USD filing without fx rates is quarantined for its currency",
			pulls:          []pull{{"a", []any{testutil.Filing{ID: idA, Currency: "USD"}, b1}, true}},
			wantFilings:    []string{idB + " 1 300"},
			wantRevisions:  []string{idB + " 1 300"},
			wantExports:    []string{idB + " 1 JP SI21 20"},
			wantQuarantine: []quarantined{{"a", 1, "currency"}},
		},
		{
			name: "invalid records are quarantined by field and the valid ones commit",
			pulls: []pull{{"a", []any{
				a(1, 100),
				testutil.Filing{ID: "VZ-202610-123", Set: map[string]any{"registry_no": "123"}},
				testutil.Filing{ID: idB, Set: map[string]any{"isic4": "62A1"}},
				testutil.Filing{ID: idB, Set: map[string]any{"period": "2026-13"}},
				testutil.Filing{ID: idB, Set: map[string]any{"revenue": -5}},
				testutil.Filing{ID: idB, Exports: []testutil.Export{{Country: "kz", EBOPS: "SI2", Amount: 1}}},
				testutil.Filing{ID: idB, Omit: []string{"revision"}},
				testutil.Filing{ID: idB, Set: map[string]any{"revenue": "abc"}},
				testutil.Filing{ID: idB, Set: map[string]any{"currency": "EUR"}},
				`{"filing_id": "VZ-2026`,
				c1,
			}, true}},
			wantFilings:   []string{idC + " 1 400", idA + " 1 100"},
			wantRevisions: []string{idC + " 1 400", idA + " 1 100"},
			wantQuarantine: []quarantined{
				{"a", 2, "registry_no"}, {"a", 3, "isic4"}, {"a", 4, "period"}, {"a", 5, "revenue"},
				{"a", 6, "exports[0].country"}, {"a", 7, "revision"}, {"a", 8, "revenue"}, {"a", 9, "currency"},
				{"a", 10, "not valid JSON"},
			},
		},
		{
			name: "the same bad records twice are quarantined once",
			pulls: []pull{
				{"a", []any{a(1, 100), testutil.Filing{ID: idB, Set: map[string]any{"isic4": "1"}}, "{oops"}, true},
				{"a", nil, false},
				{"b", []any{"{oops", testutil.Filing{ID: idB, Set: map[string]any{"isic4": "1"}}}, false},
			},
			wantFilings:    []string{idA + " 1 100"},
			wantRevisions:  []string{idA + " 1 100"},
			wantQuarantine: []quarantined{{"a", 2, "isic4"}, {"a", 3, "not valid JSON"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wh := openWarehouse(t)
			dir := t.TempDir()
			snap := int64(0)
			for i, p := range tc.pulls {
				path := filepath.Join(dir, p.file)
				if p.records != nil {
					testutil.WriteFilings(t, path, p.records...)
				}
				st, err := ingest(t, wh, path, 1)
				if err != nil {
					t.Fatalf("pull %d (%s): %v", i+1, p.file, err)
				}
				if st.Changed != p.wantChanged {
					t.Errorf("pull %d (%s): got Changed %v, want %v (%+v)", i+1, p.file, st.Changed, p.wantChanged, st)
				}
				if p.wantChanged {
					snap++
				}
				if st.Snapshot != snap {
					t.Errorf("pull %d (%s): got snapshot %d, want %d", i+1, p.file, st.Snapshot, snap)
				}
				if got := currentID(t, wh); got != snap {
					t.Errorf("pull %d (%s): current snapshot %d, want %d", i+1, p.file, got, snap)
				}
			}
			check := func(what, query string, want []string) {
				t.Helper()
				got := strRows(t, wh, -1, query)
				if !slices.Equal(got, want) {
					t.Errorf("%s:\n got %q\nwant %q", what, got, want)
				}
			}
			check("filings", "SELECT filing_id, revision, CAST(revenue AS BIGINT) FROM filings ORDER BY period, filing_id", tc.wantFilings)
			check("filing_revisions", "SELECT filing_id, revision, CAST(revenue AS BIGINT) FROM filing_revisions ORDER BY period, filing_id, revision", tc.wantRevisions)
			check("filing_exports", "SELECT filing_id, revision, country, ebops, CAST(amount AS BIGINT) FROM filing_exports ORDER BY filing_id, revision, country", tc.wantExports)

			rows := testutil.Rows(t, wh, -1, "SELECT origin, line, reason FROM quarantine ORDER BY origin, line")
			if len(rows) != len(tc.wantQuarantine) {
				t.Errorf("quarantine: got %d rows %v, want %d", len(rows), rows, len(tc.wantQuarantine))
			}
			for i := range min(len(rows), len(tc.wantQuarantine)) {
				want := tc.wantQuarantine[i]
				origin, line, reason := filepath.Base(rows[i][0].(string)), rows[i][1].(int64), rows[i][2].(string)
				if origin != want.file || line != want.line || !strings.HasPrefix(reason, want.field) {
					t.Errorf("quarantine row %d: got %s:%d %q, want %s:%d and a reason starting with %q", i, origin, line, reason, want.file, want.line, want.field)
				}
			}
			checkManifestRows(t, wh)
			testutil.CheckFolders(t, wh.Root())
		})
	}
}

// TestIngestFilingsOldSnapshotKeepsOldRevision checks that the partition
// rewrite of an amendment leaves the previous snapshot as it was.
func TestIngestFilingsOldSnapshotKeepsOldRevision(t *testing.T) {
	wh := openWarehouse(t)
	dir := t.TempDir()
	testutil.WriteFilings(t, filepath.Join(dir, "a"), testutil.Filing{ID: idA, Revenue: 100}, testutil.Filing{ID: idB, Revenue: 300})
	testutil.WriteFilings(t, filepath.Join(dir, "b"), testutil.Filing{ID: idA, Revision: 2, Revenue: 200})
	for _, f := range []string{"a", "b"} {
		if _, err := ingest(t, wh, filepath.Join(dir, f), 0); err != nil {
			t.Fatal(err)
		}
	}
	q := "SELECT filing_id, revision, CAST(revenue AS BIGINT) FROM filings ORDER BY filing_id"
	for snap, want := range map[int64][]string{
		1: {idA + " 1 100", idB + " 1 300"},
		2: {idA + " 2 200", idB + " 1 300"},
	} {
		if got := strRows(t, wh, snap, q); !slices.Equal(got, want) {
			t.Errorf("snapshot %d: got %q, want %q", snap, got, want)
		}
	}
	// The filings partition of snapshot 2 is new files only: the old one,
	// holding revision 1 of A, is no longer part of it.
	old := testutil.SnapshotFiles(t, wh.Root(), 1)[warehouse.TableFilings]["year=2026/month=10"]
	cur := testutil.SnapshotFiles(t, wh.Root(), 2)[warehouse.TableFilings]["year=2026/month=10"]
	for _, p := range old {
		if slices.Contains(cur, p) {
			t.Errorf("snapshot 2 still names %s, the file holding revision 1 of %s", p, idA)
		}
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestIngestFilingsRefusesNonNDJSON(t *testing.T) {
	var ndjson bytes.Buffer
	if _, err := simulate.WriteNDJSON(&ndjson, simulate.Options{Seed: 3}, 3000, 0); err != nil {
		t.Fatal(err)
	}
	gz := gzipped(t, ndjson.Bytes())
	rng := rand.New(rand.NewPCG(1, 2))
	binary := make([]byte, 64<<10)
	for i := range binary {
		binary[i] = byte(rng.UintN(256))
	}
	binary[0], binary[100] = 0, 0 // not gzip or zstd magic, and NUL bytes
	// Good lines first, then binary: the refusal must also undo what the
	// merge already took in.
	goodThenBinary := append(append([]byte(nil), ndjson.Bytes()...), binary...)
	cases := []struct {
		name       string
		data       []byte
		wantReason string
	}{
		{"truncated gzip body", gz[:len(gz)/2], "truncated or corrupt"},
		{"truncated gzip header", gz[:6], "gzip"},
		{"gzip with a corrupt body", append(append([]byte(nil), gz[:20]...), bytes.Repeat([]byte{0xff}, 400)...), "corrupt"},
		{"random bytes with NULs", binary, "binary"},
		{"NDJSON then binary", goodThenBinary, "binary"},
		{"CSV", []byte("filing_id,revision\nVZ-202610-1000001,1\n"), "not NDJSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wh := openWarehouse(t)
			path := filepath.Join(t.TempDir(), "input.ndjson.gz")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ingest(t, wh, path, 0)
			if !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got error %v, want one wrapping ictstat.ErrBadInput", err)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.wantReason) {
				t.Errorf("got message %q, want it to name %s and say %q", msg, path, tc.wantReason)
			}
			if got := currentID(t, wh); got != 0 {
				t.Errorf("got snapshot %d, want 0: nothing committed", got)
			}
			if files := testutil.TableFolderFiles(t, wh.Root()); len(files) > 0 {
				t.Errorf("got files %v under tables/, want none", files)
			}
			if s := testutil.StagingEntries(t, wh.Root()); len(s) > 0 {
				t.Errorf("got %v in _staging, want nothing", s)
			}
		})
	}
}

// TestIngestFilingsGroundTruth ingests a synthetic file with amendments and
// invalid records and compares the warehouse with what the lines say,
// decoded independently of the ingest code.
func TestIngestFilingsGroundTruth(t *testing.T) {
	rows := 30_000
	if testing.Short() {
		rows = 5_000
	}
	opts := simulate.Options{Seed: 11, Companies: 1700, Months: 24}
	lines, valid := testutil.SimLines(t, opts, rows, 0.01)
	truth := testutil.NewTruth()
	truth.AddLines(t, lines, valid)
	amended := 0
	for _, f := range truth.Current {
		if f.Revision > 1 {
			amended++
		}
	}
	if amended < 100 || truth.Invalid < 100 {
		t.Fatalf("test data: %d amended filings, %d invalid lines; want at least 100 of each", amended, truth.Invalid)
	}

	path := filepath.Join(t.TempDir(), "filings.ndjson")
	testutil.WriteLines(t, path, lines)
	wh := openWarehouse(t)
	st, err := ingest(t, wh, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Changed || st.Snapshot != 1 {
		t.Errorf("got Changed %v snapshot %d, want true 1", st.Changed, st.Snapshot)
	}
	if st.Read != int64(rows) || st.Committed != truth.Revisions || st.Quarantined != int64(truth.Invalid) {
		t.Errorf("got read %d committed %d quarantined %d, want %d %d %d", st.Read, st.Committed, st.Quarantined, rows, truth.Revisions, truth.Invalid)
	}
	obs, err := testutil.Observe(context.Background(), wh, -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := truth.Diff(obs); err != nil {
		t.Error(err)
	}
	if got, want := testutil.Count(t, wh, "SELECT count(*) FROM filing_exports"), int64(truth.Exports()); got != want {
		t.Errorf("filing_exports: got %d rows, want %d", got, want)
	}
	checkManifestRows(t, wh)

	st, err = ingest(t, wh, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Changed || st.Snapshot != 1 || st.Committed != 0 {
		t.Errorf("second ingest: got Changed %v snapshot %d committed %d, want false 1 0", st.Changed, st.Snapshot, st.Committed)
	}
	testutil.CheckFolders(t, wh.Root())
}

// cancelAt is a reader that cancels a context once it has handed over at
// bytes, as Ctrl-C in the middle of a bulk file does.
type cancelAt struct {
	r      *bytes.Reader
	at     int64
	read   int64
	cancel context.CancelFunc
}

func (c *cancelAt) Read(p []byte) (int, error) {
	n, err := c.r.Read(p[:min(len(p), 64<<10)])
	if c.read += int64(n); c.read >= c.at {
		c.cancel()
	}
	return n, err
}

// TestIngestFilingsCancelled checks that a bulk ingest whose context ends
// half-way returns the context's error and commits nothing, also when the
// merge has already merged partitions early.
func TestIngestFilingsCancelled(t *testing.T) {
	var buf bytes.Buffer
	if _, err := simulate.WriteNDJSON(&buf, simulate.Options{Seed: 3, Companies: 400, Months: 12}, 4000, 0); err != nil {
		t.Fatal(err)
	}
	for _, frac := range []int64{4, 2, 1} {
		t.Run(fmt.Sprintf("after 1/%d of the file", frac), func(t *testing.T) {
			wh := openWarehouse(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &cancelAt{r: bytes.NewReader(buf.Bytes()), at: int64(buf.Len()) / frac, cancel: cancel}
			_, err := jobs.IngestFilingsFile(ctx, wh, r, "f.ndjson", jobs.Options{Workers: 2, ChunkLines: 64, MaxHeldRows: 500})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			if id := currentID(t, wh); id != 0 {
				t.Errorf("snapshot %d after a cancelled ingest, want 0 (nothing committed)", id)
			}
			testutil.CheckFolders(t, wh.Root())
		})
	}
}
