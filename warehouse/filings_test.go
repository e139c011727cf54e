package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/transform"
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

// TestMergeEarly checks that a merge bounded to a few hundred held rows,
// which merges partitions early and again when late rows come, gives the
// very tables of one merge per partition, and that both keep the newest
// revision of each filing, the first received of equal ones, as a plain
// map computes it.
func TestMergeEarly(t *testing.T) {
	ctx := context.Background()
	pulls := segmentInputs()
	run := func(maxHeld int) (map[string][][]any, [][]any, int) {
		wh := open(t, t.TempDir(), warehouse.Options{})
		merges := 0
		var snap int64
		for _, in := range pulls {
			tx, merge := beginMerge(t, wh, maxHeld)
			if err := appendBatches(merge, in); err != nil {
				t.Fatal(err)
			}
			st, err := merge.Finish(ctx)
			if err != nil {
				t.Fatal(err)
			}
			merges += st.Merges
			m, err := tx.Commit(ctx, "test")
			if err != nil {
				t.Fatal(err)
			}
			snap = m.ID
		}
		cur := testutil.Rows(t, wh, snap, "SELECT filing_id, revision, revenue FROM filings ORDER BY ALL")
		return tableRows(t, wh, snap), cur, merges
	}
	want, wantCur, one := run(0)
	got, gotCur, many := run(100)
	if one != 12 {
		t.Errorf("default bound: %d partition merges, want 12 (6 partitions, 2 pulls)", one)
	}
	t.Logf("partition merges: %d with a bound of 100 rows, %d with the default", many, one)
	if many < 2*one {
		t.Errorf("small bound: %d partition merges, want many more than %d: the test does not reach early merges", many, one)
	}
	for table, rows := range want {
		if !reflect.DeepEqual(got[table], rows) {
			t.Errorf("%s: the small bound gives %d rows, the default %d, or other values", table, len(got[table]), len(rows))
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

// TestMergeCancelled checks that a merge whose context ends stops with
// the context's error and that nothing of it is committed.
func TestMergeCancelled(t *testing.T) {
	wh := open(t, t.TempDir(), warehouse.Options{})
	before, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	tx, merge := beginMerge(t, wh, 100)
	ctx, cancel := context.WithCancel(context.Background())
	in := segmentInputs()[0]
	if err := merge.Append(ctx, in[:50]); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := merge.Append(ctx, in[50:]); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append after cancel: got %v, want context.Canceled", err)
	}
	if _, err := merge.Finish(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Finish after cancel: got %v, want context.Canceled", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	after, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	if after.ID != before.ID {
		t.Errorf("snapshot %d after a cancelled merge, want %d", after.ID, before.ID)
	}
}

func beginMerge(t *testing.T, wh *warehouse.Warehouse, maxHeld int) (*warehouse.Tx, *warehouse.FilingsMerge) {
	t.Helper()
	tx, err := wh.Begin(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx, tx.MergeFilings(transform.ResolveFilings, maxHeld)
}

// appendBatches appends in to merge in batches of 40 filings.
func appendBatches(merge *warehouse.FilingsMerge, in []ictstat.Filing) error {
	for i := 0; i < len(in); i += 40 {
		if err := merge.Append(context.Background(), in[i:min(i+40, len(in))]); err != nil {
			return err
		}
	}
	return nil
}
