package transform_test

import (
	"fmt"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/transform"
)

func f64(v float64) *float64 { return &v }

// held is one observation KZ SI 2024-Q1: 2.5 million USD, provisional.
func heldRow() ictstat.BopExport {
	return ictstat.BopExport{Dataflow: "BOM:X(1.0)", Freq: "Q", RefArea: "MN", CounterpartArea: "KZ", Flow: "C", ServiceItem: "SI",
		TimePeriod: "2024-Q1", PeriodStart: ictstat.MonthDate(2024, 1), Year: 2024, ObsValue: f64(2.5), UnitMult: 6,
		UnitMeasure: "USD", Value: f64(2_500_000), ObsStatus: "P", Source: "old.csv", SourceLine: 7}
}

// change returns a change of the held key with action a; set fills what
// the row gives.
func change(a ictstat.BopAction, set func(c *ictstat.BopChange)) ictstat.BopChange {
	r := heldRow()
	r.ObsValue, r.Value, r.UnitMult, r.UnitMeasure, r.ObsStatus, r.Source, r.SourceLine = nil, nil, 0, "", "", "new.csv", 3
	c := ictstat.BopChange{Action: a, Row: r}
	if set != nil {
		set(&c)
	}
	return c
}

func withValue(v float64) func(c *ictstat.BopChange) {
	return func(c *ictstat.BopChange) { c.Row.ObsValue, c.HasValue = f64(v), true }
}

// show prints what a row holds, for comparisons.
func show(rows []ictstat.BopExport) string {
	s := ""
	for _, r := range rows {
		v, ov := "nil", "nil"
		if r.Value != nil {
			v = fmt.Sprint(*r.Value)
		}
		if r.ObsValue != nil {
			ov = fmt.Sprint(*r.ObsValue)
		}
		s += fmt.Sprintf("%s/%s/%s obs=%s mult=%d unit=%s value=%s status=%s src=%s:%d; ",
			r.CounterpartArea, r.ServiceItem, r.TimePeriod, ov, r.UnitMult, r.UnitMeasure, v, r.ObsStatus, r.Source, r.SourceLine)
	}
	return s
}

func TestApplyBopChanges(t *testing.T) {
	other := heldRow()
	other.CounterpartArea, other.Aggregate = "W1", true
	cases := []struct {
		name    string
		changes []ictstat.BopChange
		want    string
		stats   transform.BopStats
	}{
		{"append of a new value keeps the held attributes", []ictstat.BopChange{change('A', withValue(3))},
			"KZ/SI/2024-Q1 obs=3 mult=6 unit=USD value=3e+06 status=P src=new.csv:3; ", transform.BopStats{Updated: 1}},
		{"append of a status only keeps the value", []ictstat.BopChange{change('A', func(c *ictstat.BopChange) { c.Row.ObsStatus, c.HasStatus = "A", true })},
			"KZ/SI/2024-Q1 obs=2.5 mult=6 unit=USD value=2.5e+06 status=A src=new.csv:3; ", transform.BopStats{Updated: 1}},
		{"append of the same data keeps the held row and its source", []ictstat.BopChange{change('I', func(c *ictstat.BopChange) {
			withValue(2.5)(c)
			c.Row.UnitMult, c.HasUnitMult = 6, true
		})},
			"KZ/SI/2024-Q1 obs=2.5 mult=6 unit=USD value=2.5e+06 status=P src=old.csv:7; ", transform.BopStats{}},
		{"append with M and no value makes the value missing", []ictstat.BopChange{change('A', func(c *ictstat.BopChange) { c.Row.ObsStatus, c.HasStatus = "M", true })},
			"KZ/SI/2024-Q1 obs=nil mult=6 unit=USD value=nil status=M src=new.csv:3; ", transform.BopStats{Updated: 1}},
		{"replace resets what the row leaves empty", []ictstat.BopChange{change('R', withValue(3))},
			"KZ/SI/2024-Q1 obs=3 mult=0 unit= value=3 status=A src=new.csv:3; ", transform.BopStats{Updated: 1}},
		{"replace without a value makes it missing", []ictstat.BopChange{change('R', nil)},
			"KZ/SI/2024-Q1 obs=nil mult=0 unit= value=nil status=M src=new.csv:3; ", transform.BopStats{Updated: 1}},
		{"delete of the key", []ictstat.BopChange{change('D', nil)}, "", transform.BopStats{Deleted: 1}},
		{"delete with a wildcard period", []ictstat.BopChange{change('D', func(c *ictstat.BopChange) { c.Row.TimePeriod, c.Row.Freq = "", "" })},
			"", transform.BopStats{Deleted: 1}},
		{"delete of another partner changes nothing", []ictstat.BopChange{change('D', func(c *ictstat.BopChange) { c.Row.CounterpartArea = "JP" })},
			"KZ/SI/2024-Q1 obs=2.5 mult=6 unit=USD value=2.5e+06 status=P src=old.csv:7; ", transform.BopStats{}},
		{"rows apply in order: delete then append", []ictstat.BopChange{change('D', nil), change('A', withValue(4))},
			"KZ/SI/2024-Q1 obs=4 mult=0 unit= value=4 status=A src=new.csv:3; ", transform.BopStats{Updated: 1}},
		{"rows apply in order: new key inserted then deleted", []ictstat.BopChange{
			change('I', func(c *ictstat.BopChange) { c.Row.ServiceItem = "SI2"; withValue(1)(c) }),
			change('D', func(c *ictstat.BopChange) { c.Row.ServiceItem = "SI2" })},
			"KZ/SI/2024-Q1 obs=2.5 mult=6 unit=USD value=2.5e+06 status=P src=old.csv:7; ", transform.BopStats{}},
		{"a new key", []ictstat.BopChange{change('I', func(c *ictstat.BopChange) {
			c.Row.TimePeriod = "2024-Q2"
			withValue(0.125)(c)
			c.Row.UnitMult, c.HasUnitMult = 3, true
		})},
			"KZ/SI/2024-Q1 obs=2.5 mult=6 unit=USD value=2.5e+06 status=P src=old.csv:7; KZ/SI/2024-Q2 obs=0.125 mult=3 unit= value=125 status=A src=new.csv:3; ",
			transform.BopStats{Inserted: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			held := []ictstat.BopExport{heldRow()}
			got, st := transform.ApplyBopChanges(held, c.changes)
			if show(got) != c.want || st != c.stats {
				t.Errorf("got %s %+v\nwant %s %+v", show(got), st, c.want, c.stats)
			}
			again, st2 := transform.ApplyBopChanges(got, c.changes)
			if show(again) != show(got) || st2.Changed() {
				t.Errorf("applying again: got %s %+v, want no change", show(again), st2)
			}
		})
	}
	// A wildcard delete spares other dataflows and other keys.
	held := []ictstat.BopExport{heldRow(), other}
	del := change('D', func(c *ictstat.BopChange) {
		c.Row.CounterpartArea, c.Row.ServiceItem, c.Row.TimePeriod, c.Row.Freq = "", "", "", ""
	})
	del.Row.Dataflow = "OTHER:X(1.0)"
	if got, st := transform.ApplyBopChanges(held, []ictstat.BopChange{del}); len(got) != 2 || st.Changed() {
		t.Errorf("a delete of another dataflow: got %s %+v, want both rows kept", show(got), st)
	}
	del.Row.Dataflow = "BOM:X(1.0)"
	if got, st := transform.ApplyBopChanges(held, []ictstat.BopChange{del}); len(got) != 0 || st.Deleted != 2 {
		t.Errorf("a delete of MN's whole dataflow: got %s %+v, want nothing left", show(got), st)
	}
}
