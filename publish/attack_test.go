package publish_test

// The attacker of a release: for every table of a release built from the
// simulated world, the least and greatest value of each confidential cell
// over all tables consistent with what is published (the cells left and
// the additive relations a reader derives from the keys and hierarchies),
// by gonum's simplex, also for the single company of a one-company
// suppressed cell, who knows its own cell: internal/sdcattack, which
// shares nothing with the suppression code.

import (
	"context"
	"testing"

	"github.com/npit-mn/ictstat/disclosure"
	"github.com/npit-mn/ictstat/internal/sdcattack"
	"github.com/npit-mn/ictstat/publish"
)

// TestAttackRelease attacks every protected table behind every table of a
// release of the simulated world.
func TestAttackRelease(t *testing.T) {
	wh := simWarehouse(t)
	cur, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	rules := disclosure.DefaultRules()
	tables, err := publish.Tables(context.Background(), wh, simRelease(t), cur.ID, publish.Options{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	attacked, confidential := 0, 0
	for _, tab := range tables {
		for _, pt := range tab.Protected {
			for _, c := range pt.Cells {
				if c.Status == disclosure.Confidential {
					confidential++
				}
			}
			breaches, err := sdcattack.Attack(pt, rules.PPercent)
			if err != nil {
				t.Fatalf("%s: %v", pt.Name, err)
			}
			for _, b := range breaches {
				t.Errorf("%s / %s: %v", tab.Name, pt.Name, b)
			}
			attacked++
		}
	}
	if attacked == 0 || confidential == 0 {
		t.Fatalf("attacked %d tables with %d confidential cells; want both above 0", attacked, confidential)
	}
	t.Logf("attacked %d protected tables holding %d confidential cells", attacked, confidential)
}
