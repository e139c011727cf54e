package testutil

import (
	"testing"

	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// CheckRegistryTruth asserts that the current snapshot holds exactly a
// simulated registry's ground truth: every published filing once, at its
// newest revision; every published revision once; every malformed record in
// quarantine with a reason.
func CheckRegistryTruth(t testing.TB, wh *warehouse.Warehouse, truth simulate.RegistryTruth) {
	t.Helper()
	rows := Rows(t, wh, -1, "SELECT filing_id, max(revision), count(*) FROM filings GROUP BY filing_id")
	if len(rows) != len(truth.Current) {
		t.Fatalf("got %d filings, want %d", len(rows), len(truth.Current))
	}
	for _, r := range rows {
		rev, _ := AsInt(r[1])
		n, _ := AsInt(r[2])
		if want, ok := truth.Current[r[0].(string)]; !ok || int(rev) != want || n != 1 {
			t.Fatalf("filing %v: got revision %d x%d, want revision %d once (published: %v)", r[0], rev, n, want, ok)
		}
	}
	if got := Count(t, wh, "SELECT count(*) FROM filing_revisions"); got != int64(truth.Revisions) {
		t.Errorf("got %d revision rows, want %d", got, truth.Revisions)
	}
	if got := Count(t, wh, "SELECT count(DISTINCT (filing_id, revision)) FROM filing_revisions"); got != int64(truth.Revisions) {
		t.Errorf("got %d distinct revisions, want %d", got, truth.Revisions)
	}
	if got := Count(t, wh, "SELECT count(*) FROM quarantine WHERE source = 'filings'"); got != int64(truth.Malformed) {
		t.Errorf("got %d quarantined, want %d malformed records", got, truth.Malformed)
	}
	if got := Count(t, wh, "SELECT count(*) FROM quarantine WHERE reason = ''"); got != 0 {
		t.Errorf("got %d quarantined records without a reason", got)
	}
}
