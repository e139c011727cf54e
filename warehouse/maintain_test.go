package warehouse_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/npit-mn/ictstat/warehouse"
)

// TestGCSaysWhy checks the reasons gc gives for each snapshot it keeps,
// and the list of those it removes, against history's clock: snapshots
// 1 to 4 are four to one hours old.
func TestGCSaysWhy(t *testing.T) {
	wh, step := history(t)
	step(time.Hour)
	st, err := wh.GC(context.Background(), warehouse.Retention{Last: 2, MaxAge: 150 * time.Minute, Pinned: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []warehouse.Kept{
		{ID: 1, Reasons: []string{"pinned by a release"}},
		{ID: 3, Reasons: []string{"one of the newest 2 (keep-last)", "2h0m0s old, younger than 2h30m0s (keep-age)"}},
		{ID: 4, Reasons: []string{"current", "one of the newest 2 (keep-last)", "1h0m0s old, younger than 2h30m0s (keep-age)"}},
	}
	if fmt.Sprint(st.Kept) != fmt.Sprint(want) {
		t.Errorf("kept %v, want %v", st.Kept, want)
	}
	if !slices.Equal(st.Removed, []int64{2}) || st.SnapshotsRemoved != 1 || st.SnapshotsKept != 3 {
		t.Errorf("removed %v (%d), kept %d; want [2] (1), 3", st.Removed, st.SnapshotsRemoved, st.SnapshotsKept)
	}
}
