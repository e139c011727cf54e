package warehouse_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// segmentInputs returns two pulls of filings over six months, nearly in
// period order like a registry export: originals, amendments up to three
// months late, repeats of a revision with other figures (the first must
// win), stale revisions, and in the second pull amendments of the first
// one's filings and a few rows out of order.
func segmentInputs() [][]ictstat.Filing {
	rng := rand.New(rand.NewPCG(7, 11))
	type ev struct {
		at int // stream position: the month it is sent in
		f  ictstat.Filing
	}
	var pulls [][]ictstat.Filing
	n := 0
	next := func(c int, rev int32, month int) ictstat.Filing {
		n++
		return filing(c, rev, 2025, month, float64(n)*1000, n%3)
	}
	for pull := range 2 {
		var evs []ev
		for month := 1; month <= 6; month++ {
			for c := range 120 {
				if pull == 0 || c >= 110 {
					evs = append(evs, ev{month, next(c+pull*1000, 1, month)})
				}
				if rng.IntN(5) == 0 { // an amendment, sent up to three months later
					evs = append(evs, ev{month + rng.IntN(4), next(c, int32(2+pull+rng.IntN(2)), month)})
				}
				if rng.IntN(20) == 0 { // the same revision again, other figures: ignored
					evs = append(evs, ev{month + rng.IntN(3), next(c, 1, month)})
				}
			}
		}
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
		if pull == 1 {
			for range len(evs) / 10 {
				i, j := rng.IntN(len(evs)), rng.IntN(len(evs))
				evs[i], evs[j] = evs[j], evs[i]
			}
		}
		var in []ictstat.Filing
		for _, e := range evs {
			in = append(in, e.f)
		}
		pulls = append(pulls, in)
	}
	return pulls
}

// TestMergeSegments checks that a merge split into background merges,
// spills and late segments (tiny bounds) gives the very tables of one merge
// per partition (default bounds), and that both keep the newest revision of
// each filing, the first received of equal ones, as a plain map computes it;
// also when the hashes of filing IDs collide.
func TestMergeSegments(t *testing.T) {
	ctx := context.Background()
	pulls := segmentInputs()
	run := func(small bool) (map[string][][]any, [][]any, int) {
		wh := open(t, t.TempDir(), warehouse.Options{})
		launches := 0
		var snap int64
		for _, in := range pulls {
			tx, merge := beginMerge(t, wh)
			if small {
				warehouse.SetMergeLimits(merge, 8<<10, 2<<10, 1<<10)
			}
			if err := appendBatches(merge, in); err != nil {
				t.Fatal(err)
			}
			if _, err := merge.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			launches += warehouse.MergeLaunches(merge)
			m, err := tx.Commit(ctx, "test")
			if err != nil {
				t.Fatal(err)
			}
			snap = m.ID
		}
		cur := testutil.Rows(t, wh, snap, "SELECT filing_id, revision, revenue FROM filings ORDER BY ALL")
		return tableRows(t, wh, snap), cur, launches
	}
	want, wantCur, one := run(false)
	// Rows of several filings whose hashes collide must still be told
	// apart by their IDs.
	for name, h := range map[string]func(string) uint64{
		"one hash for all IDs":    func(string) uint64 { return 0 },
		"a hash of the last byte": func(s string) uint64 { return uint64(s[len(s)-1]) << 56 },
	} {
		restore := warehouse.SetIDHash(h)
		got, gotCur, _ := run(false)
		restore()
		if !reflect.DeepEqual(got, want) || fmt.Sprint(gotCur) != fmt.Sprint(wantCur) {
			t.Errorf("%s: the tables differ from those of a hash that tells the IDs apart", name)
		}
	}
	got, gotCur, many := run(true)
	if one != 12 {
		t.Errorf("default bounds: %d partition merges, want 12 (6 partitions, 2 pulls)", one)
	}
	t.Logf("partition merges: %d with small bounds, %d with default ones", many, one)
	if many < 3*one {
		t.Errorf("small bounds: %d partition merges, want many more than %d: the test does not reach late segments", many, one)
	}
	for table, rows := range want {
		if !reflect.DeepEqual(got[table], rows) {
			t.Errorf("%s: small bounds give %d rows, default bounds %d, or other values", table, len(got[table]), len(rows))
		}
	}
	// The current revisions, computed independently.
	newest := map[string]ictstat.Filing{}
	for _, in := range pulls {
		for _, f := range in {
			if old, ok := newest[f.FilingID]; !ok || f.Revision > old.Revision {
				newest[f.FilingID] = f
			}
		}
	}
	var ref [][]any
	for _, f := range newest {
		ref = append(ref, []any{f.FilingID, f.Revision, f.Revenue})
	}
	sort.Slice(ref, func(i, j int) bool { return fmt.Sprint(ref[i]) < fmt.Sprint(ref[j]) })
	for _, cur := range [][][]any{wantCur, gotCur} {
		if fmt.Sprint(cur) != fmt.Sprint(ref) {
			t.Fatalf("filings: %d current rows, want %d, or other revisions or figures", len(cur), len(ref))
		}
	}
}

// TestMergeSpillFails checks that a scratch file that cannot be written
// (its folder gone) fails the merge with an error that says so, and that
// the transaction rolls back without waiting forever on the write.
func TestMergeSpillFails(t *testing.T) {
	ctx := context.Background()
	tx, merge := beginMerge(t, open(t, t.TempDir(), warehouse.Options{}))
	warehouse.SetMergeLimits(merge, 8<<10, 1<<30, 1<<10) // spill at once, never cold
	if err := os.RemoveAll(warehouse.SpillDir(merge)); err != nil {
		t.Fatal(err)
	}
	err := appendBatches(merge, segmentInputs()[0])
	if err == nil {
		_, err = merge.Finish(ctx)
	}
	if err == nil || !strings.Contains(err.Error(), "spill") {
		t.Errorf("merge with its scratch folder gone: error %v, want one about the spill", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Error(err)
	}
}

// beginMerge begins a transaction of wh and a filings merge in it.
func beginMerge(t *testing.T, wh *warehouse.Warehouse) (*warehouse.Tx, *warehouse.FilingsMerge) {
	t.Helper()
	tx, err := wh.Begin(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	merge, err := tx.MergeFilings()
	if err != nil {
		t.Fatal(err)
	}
	return tx, merge
}

// appendBatches appends in to merge in batches of 40 filings.
func appendBatches(merge *warehouse.FilingsMerge, in []ictstat.Filing) error {
	for i := 0; i < len(in); i += 40 {
		b := warehouse.NewFilingBatch()
		for j := i; j < min(i+40, len(in)); j++ {
			b.Add(&in[j])
		}
		if err := merge.Append(b); err != nil {
			return err
		}
	}
	return nil
}
