package publish_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/publish"
)

// TestSchedulerStep drives the release scheduler with an injected clock:
// nothing before the preparation time, a prepared release (pinning the
// current snapshot) a day ahead, published at its time, and nothing twice.
func TestSchedulerStep(t *testing.T) {
	ctx := context.Background()
	wh := simWarehouse(t)
	rel := simRelease(t)
	rel.Tables = []string{publish.TableGDPShare, publish.TableMarketEntry}
	cal := publish.Calendar{Releases: []publish.Release{rel}, PrepareAhead: 24 * time.Hour}
	root := t.TempDir()
	folder := func(id string) string { return filepath.Join(root, id) }
	prepare := rel.PublishAt.Add(-24 * time.Hour)
	if got := cal.NextDue(prepare.Add(-time.Hour)); !got.Equal(prepare) {
		t.Errorf("next due before preparation: got %s, want %s", got, prepare)
	}
	if got := (publish.Schedule{Calendar: cal}).Next(prepare); !got.Equal(rel.PublishAt) {
		t.Errorf("next due at preparation: got %s, want the publication %s", got, rel.PublishAt)
	}
	if got := cal.NextDue(rel.PublishAt); !got.IsZero() {
		t.Errorf("next due after publication: got %s, want none", got)
	}
	if got := (publish.Schedule{Calendar: cal}).Next(rel.PublishAt); !got.Equal(rel.PublishAt.Add(24 * time.Hour)) {
		t.Errorf("schedule after the last release: got %s, want a day later (never the zero time)", got)
	}
	steps := []struct {
		at     time.Time
		status string // the record written, "" for none
	}{
		{prepare.Add(-time.Minute), ""},
		{prepare, ictstat.ReleasePrepared},
		{prepare.Add(time.Hour), ""},
		{rel.PublishAt.Add(-time.Second), ""},
		{rel.PublishAt, ictstat.ReleasePublished},
		{rel.PublishAt.Add(time.Hour), ""},
	}
	cur, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		recs, err := cal.Step(ctx, wh, s.at, folder, publish.Options{})
		if err != nil {
			t.Fatalf("step at %s: %v", s.at, err)
		}
		switch {
		case s.status == "" && len(recs) != 0:
			t.Errorf("step at %s: got %+v, want nothing", s.at, recs)
		case s.status != "" && (len(recs) != 1 || recs[0].Status != s.status || recs[0].Snapshot != cur.ID):
			t.Errorf("step at %s: got %+v, want one %s record of snapshot %d", s.at, recs, s.status, cur.ID)
		}
	}
	all, err := wh.Releases()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Status != ictstat.ReleasePublished || all[0].Folder != folder(rel.ID) {
		t.Errorf("release log: got %+v, want 2026Q2 published in its folder", all)
	}
	pinned, err := wh.PinnedSnapshots()
	if err != nil || len(pinned) != 1 || pinned[0] != cur.ID {
		t.Errorf("pinned snapshots: got %v, %v; want [%d]", pinned, err, cur.ID)
	}
	// The releases table answers SQL, with the latest state of each release.
	res, err := wh.Query(ctx, -1, "SELECT id, status, snapshot FROM releases")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	n := 0
	for res.Next() {
		n += int(res.RecordBatch().NumRows())
		if rec := res.RecordBatch(); rec.NumRows() == 1 && rec.Column(1).ValueStr(0) != ictstat.ReleasePublished {
			t.Errorf("releases table: status %s, want published", rec.Column(1).ValueStr(0))
		}
	}
	if n != 1 {
		t.Errorf("releases table: got %d rows, want 1", n)
	}
}
