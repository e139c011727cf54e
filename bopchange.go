package ictstat

import (
	"math"
	"strconv"
	"strings"
)

// ScaledValue returns obs × 10^unitMult, the value in units of the
// observation's unit of measure. It scales the shortest decimal that
// prints obs, so that 3.1 with UNIT_MULT 6 is exactly 3100000 and not the
// binary product 3100000.0000000005.
func ScaledValue(obs float64, unitMult int32) float64 {
	if unitMult == 0 || obs == 0 || math.IsInf(obs, 0) || math.IsNaN(obs) {
		return obs
	}
	s := strconv.FormatFloat(obs, 'e', -1, 64) // d.ddde±xx: the shortest exact decimal
	i := strings.LastIndexByte(s, 'e')
	exp, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return obs * math.Pow10(int(unitMult))
	}
	v, err := strconv.ParseFloat(s[:i]+"e"+strconv.Itoa(exp+int(unitMult)), 64)
	if err != nil && !math.IsInf(v, 0) && v != 0 {
		return obs * math.Pow10(int(unitMult))
	}
	return v
}

// BopAction is the SDMX-CSV 2.0 ACTION of a row: what the row does to the
// observation its key names.
type BopAction byte

// The four SDMX actions. SDMX-CSV 1.0 has no ACTION column: its rows are
// BopInform.
const (
	// BopInform (I, Information) is loaded as BopAppend.
	BopInform BopAction = 'I'
	// BopAppend (A) adds an observation or updates the measure and
	// attributes the row gives; an empty value or attribute leaves the held
	// one unchanged.
	BopAppend BopAction = 'A'
	// BopReplace (R) replaces the observation as a whole: measure and every
	// attribute, an empty one becoming empty.
	BopReplace BopAction = 'R'
	// BopDelete (D) removes every observation the row's key matches; an
	// empty dimension is a wildcard.
	BopDelete BopAction = 'D'
)

// BopChange is one row of an SDMX-CSV message, validated: the observation
// and the action to apply to the held one with the same key (dataflow,
// freq, ref_area, counterpart_area, flow, service_item, time_period).
type BopChange struct {
	Action BopAction
	// Row is the observation as the row gives it. In a BopDelete an empty
	// key field matches any value.
	Row BopExport
	// HasValue, HasUnitMult, HasUnitMeasure and HasStatus report whether
	// the row gave OBS_VALUE, UNIT_MULT, UNIT_MEASURE and OBS_STATUS (a
	// non-empty field): an append changes only what it gives.
	HasValue, HasUnitMult, HasUnitMeasure, HasStatus bool
}
