package disclosure_test

import (
	"testing"

	"github.com/npit-mn/ictstat/disclosure"
	"github.com/npit-mn/ictstat/internal/sdcattack"
)

// attack is the independent attacker of internal/sdcattack.
func attack(t *disclosure.Table, pct float64) ([]sdcattack.Breach, error) {
	return sdcattack.Attack(t, pct)
}

// mustResist fails the test for every breach the attacker finds.
func mustResist(t *testing.T, tb *disclosure.Table, pct float64) {
	t.Helper()
	bs, err := attack(tb, pct)
	if err != nil {
		t.Fatalf("attack %s: %v", tb.Name, err)
	}
	for _, b := range bs {
		t.Errorf("table %s: %v", tb.Name, b)
	}
}
