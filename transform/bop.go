package transform

import (
	"math"
	"sort"

	"github.com/npit-mn/ictstat"
)

// BopKey identifies a balance-of-payments observation.
type BopKey struct {
	Dataflow, Freq, RefArea, CounterpartArea, Flow, ServiceItem, TimePeriod string
}

// KeyOf returns the key of r.
func KeyOf(r *ictstat.BopExport) BopKey {
	return BopKey{r.Dataflow, r.Freq, r.RefArea, r.CounterpartArea, r.Flow, r.ServiceItem, r.TimePeriod}
}

// matches reports whether the key of a delete, whose empty fields are
// wildcards, names k.
func (d BopKey) matches(k BopKey) bool {
	eq := func(p, v string) bool { return p == "" || p == v }
	return d.Dataflow == k.Dataflow && eq(d.Freq, k.Freq) && eq(d.RefArea, k.RefArea) &&
		eq(d.CounterpartArea, k.CounterpartArea) && eq(d.Flow, k.Flow) &&
		eq(d.ServiceItem, k.ServiceItem) && eq(d.TimePeriod, k.TimePeriod)
}

// BopStats counts what ApplyBopChanges did, as the difference between the
// observations held before and after: a row inserted and deleted again by
// the same message counts in neither.
type BopStats struct {
	Inserted int // keys not held before
	Updated  int // keys held with a different value or attribute
	Deleted  int // keys held before and no longer
}

// Changed reports whether anything differs.
func (s BopStats) Changed() bool { return s.Inserted+s.Updated+s.Deleted > 0 }

// missingStatus lists the OBS_STATUS codes that say the value is missing
// (M missing, L does not exist, O missing value in older code lists).
var missingStatus = map[string]bool{"M": true, "L": true, "O": true}

// ApplyBopChanges applies the changes of one SDMX message, in order, to the
// held observations and returns the result sorted by key:
//   - I and A add the observation, or change only the measure and the
//     attributes the row gives (an empty one stays as held; an empty value
//     with a missing status, M, L or O, or a NaN value, makes it missing);
//   - R replaces the observation whole: the value and every attribute as
//     the row gives them, empty or not;
//   - D removes every held observation its key matches, an empty dimension
//     matching any value.
//
// A new or replaced observation without OBS_STATUS gets A when it has a
// value and M when not. An observation whose value and attributes come out
// as held keeps its held row, source included, so that applying the same
// message again changes nothing.
func ApplyBopChanges(held []ictstat.BopExport, changes []ictstat.BopChange) ([]ictstat.BopExport, BopStats) {
	cur := make(map[BopKey]ictstat.BopExport, len(held)+len(changes)/4)
	for _, r := range held {
		cur[KeyOf(&r)] = r
	}
	for i := range changes {
		ch := &changes[i]
		k := KeyOf(&ch.Row)
		switch ch.Action {
		case ictstat.BopDelete:
			if isFullKey(k) {
				delete(cur, k)
				continue
			}
			for hk := range cur {
				if k.matches(hk) {
					delete(cur, hk)
				}
			}
		case ictstat.BopReplace:
			cur[k] = keepIfSame(cur, k, fresh(ch))
		default:
			old, ok := cur[k]
			if !ok {
				cur[k] = fresh(ch)
				continue
			}
			cur[k] = keepIfSame(cur, k, appendTo(old, ch))
		}
	}
	var st BopStats
	before := make(map[BopKey]*ictstat.BopExport, len(held))
	for i := range held {
		before[KeyOf(&held[i])] = &held[i]
	}
	out := make([]ictstat.BopExport, 0, len(cur))
	for k, r := range cur {
		out = append(out, r)
		if h, ok := before[k]; !ok {
			st.Inserted++
		} else if !sameData(h, &r) {
			st.Updated++
		}
	}
	for k := range before {
		if _, ok := cur[k]; !ok {
			st.Deleted++
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessKey(KeyOf(&out[i]), KeyOf(&out[j])) })
	return out, st
}

func isFullKey(k BopKey) bool {
	return k.Freq != "" && k.RefArea != "" && k.CounterpartArea != "" && k.Flow != "" && k.ServiceItem != "" && k.TimePeriod != ""
}

// fresh is the observation a row gives by itself (a new one, or a replace).
func fresh(ch *ictstat.BopChange) ictstat.BopExport {
	r := ch.Row
	if !ch.HasValue {
		r.ObsValue = nil
	}
	if !ch.HasStatus {
		r.ObsStatus = "A"
		if r.ObsValue == nil {
			r.ObsStatus = "M"
		}
	}
	setValue(&r)
	return r
}

// appendTo changes old by what an append row gives.
func appendTo(old ictstat.BopExport, ch *ictstat.BopChange) ictstat.BopExport {
	r := old
	if ch.HasUnitMult {
		r.UnitMult = ch.Row.UnitMult
	}
	if ch.HasUnitMeasure {
		r.UnitMeasure = ch.Row.UnitMeasure
	}
	if ch.HasStatus {
		r.ObsStatus = ch.Row.ObsStatus
	}
	switch {
	case ch.HasValue:
		r.ObsValue = ch.Row.ObsValue
	case ch.HasStatus && missingStatus[ch.Row.ObsStatus]:
		r.ObsValue = nil
	}
	r.Source, r.SourceLine = ch.Row.Source, ch.Row.SourceLine
	setValue(&r)
	return r
}

// keepIfSame returns the held row when next carries the same data.
func keepIfSame(cur map[BopKey]ictstat.BopExport, k BopKey, next ictstat.BopExport) ictstat.BopExport {
	if old, ok := cur[k]; ok && sameData(&old, &next) {
		return old
	}
	return next
}

// setValue derives value from obs_value and unit_mult.
func setValue(r *ictstat.BopExport) {
	r.Value = nil
	if r.ObsValue != nil {
		v := ictstat.ScaledValue(*r.ObsValue, r.UnitMult)
		if !math.IsInf(v, 0) {
			r.Value = &v
		}
	}
}

// sameData compares everything but the provenance (source, source_line).
func sameData(a, b *ictstat.BopExport) bool {
	eqp := func(x, y *float64) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return KeyOf(a) == KeyOf(b) && a.Aggregate == b.Aggregate && a.PeriodStart == b.PeriodStart && a.Year == b.Year &&
		eqp(a.ObsValue, b.ObsValue) && eqp(a.Value, b.Value) && a.UnitMult == b.UnitMult &&
		a.UnitMeasure == b.UnitMeasure && a.ObsStatus == b.ObsStatus
}

func lessKey(a, b BopKey) bool {
	for _, p := range [...][2]string{{a.Dataflow, b.Dataflow}, {a.RefArea, b.RefArea}, {a.Flow, b.Flow},
		{a.ServiceItem, b.ServiceItem}, {a.CounterpartArea, b.CounterpartArea}, {a.Freq, b.Freq}, {a.TimePeriod, b.TimePeriod}} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return false
}
