package simulate

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// NSO's table of GDP by economic activity, as the PX-Web simulator serves
// it. Only the GDP totals at current prices are real (NSO, million MNT,
// the figures of the source contract); every other figure (the activities,
// the ICT sector, constant prices, the quarterly table) is SYNTHETIC and
// only illustrates the table's shape.

// Table ids of the simulated NSO tables.
const (
	NSOTableAnnual    = "DT_NSO_0500_001V1" // GDP by activity, annual
	NSOTableQuarterly = "DT_NSO_0500_022V1" // GDP by activity, quarterly (illustrative id)
)

// NSORealGDP is NSO's GDP at current prices, total, million MNT (real).
var NSORealGDP = map[int]float64{
	2018: 32582629, 2019: 37839225, 2020: 37453275, 2021: 43555484,
	2022: 53851544, 2023: 70441516, 2024: 80663051,
}

// NSOPreliminaryGDP2023 is NSO's preliminary 2023 GDP (68.9 trillion MNT),
// later revised to 70,441,516 million.
const NSOPreliminaryGDP2023 = 68900000

// nsoSections are the ISIC Rev.4 sections with NSO's codes (1 = A, ...,
// 10 = J) and a SYNTHETIC share of GDP each; J's share is set per year.
var nsoSections = []struct {
	label string
	share float64
}{
	{"Agriculture, forestry and fishing", 0.115},
	{"Mining and quarrying", 0.245},
	{"Manufacturing", 0.095},
	{"Electricity, gas, steam and air conditioning supply", 0.018},
	{"Water supply; sewerage, waste management and remediation activities", 0.004},
	{"Construction", 0.035},
	{"Wholesale and retail trade; repair of motor vehicles and motorcycles", 0.125},
	{"Transportation and storage", 0.07},
	{"Accommodation and food service activities", 0.01},
	{"Information and communication", 0}, // J: ictShare
	{"Financial and insurance activities", 0.055},
	{"Real estate activities", 0.055},
	{"Professional, scientific and technical activities", 0.012},
	{"Administrative and support service activities", 0.01},
	{"Public administration and defence; compulsory social security", 0.045},
	{"Education", 0.04},
	{"Human health and social work activities", 0.017},
	{"Arts, entertainment and recreation", 0.004},
	{"Other service activities", 0.008},
	{"Activities of households as employers", 0.001},
	{"Activities of extraterritorial organizations and bodies", 0},
}

// nsoICTShare is the SYNTHETIC share of section J in GDP, by year.
func nsoICTShare(year int) float64 { return 0.0170 - 0.0004*float64(2024-year) }

// PXWebTable is one table the PX-Web simulator serves.
type PXWebTable struct {
	ID        string
	Title     string          // metadata title and JSON-stat label
	Note      []string        // JSON-stat notes
	Updated   time.Time       // JSON-stat `updated`
	Variables []PXWebVariable // in the table's order
	// Values holds every cell in row-major order over Variables (the last
	// varies fastest); nil is a missing value.
	Values []*float64
	// Status holds the status of some cells, by position.
	Status map[int]string
}

// PXWebVariable is one variable (dimension) of a table.
type PXWebVariable struct {
	Code       string
	Text       string
	Values     []string
	ValueTexts []string
}

// NSOVintage returns the simulated NSO tables as published in one of two
// vintages: 1, an earlier release (updated 2024-03-20; years to 2023, 2023
// preliminary at 68.9 trillion MNT), and 2, the current one (updated
// 2025-03-14; years to 2024, 2023 revised). Other vintages are 2.
func NSOVintage(vintage int) []PXWebTable {
	last, updated := 2024, time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	if vintage == 1 {
		last, updated = 2023, time.Date(2024, 3, 20, 9, 0, 0, 0, time.UTC)
	}
	gdp := func(year int) float64 {
		if vintage == 1 && year == 2023 {
			return NSOPreliminaryGDP2023
		}
		return NSORealGDP[year]
	}
	return []PXWebTable{nsoAnnual(last, updated, gdp), nsoQuarterly(last, updated, gdp)}
}

// nsoActivities returns the activity variable: total then the sections,
// labels indented with leading spaces as NSO does.
func nsoActivities() PXWebVariable {
	v := PXWebVariable{Code: "Эдийн засгийн салбар", Text: "Economic activity", Values: []string{"0"}, ValueTexts: []string{"Total"}}
	for i, s := range nsoSections {
		v.Values = append(v.Values, strconv.Itoa(i+1))
		v.ValueTexts = append(v.ValueTexts, "   "+s.label)
	}
	return v
}

// nsoSplit divides a total among the sections with the synthetic shares
// (J at ictShare, the others scaled to the rest), in whole million MNT,
// the last section taking the rounding so that the parts add up.
func nsoSplit(total, ictShare float64) []float64 {
	var others float64
	for _, s := range nsoSections {
		others += s.share
	}
	parts := make([]float64, len(nsoSections))
	var sum float64
	for i, s := range nsoSections {
		share := s.share / others * (1 - ictShare)
		if i == 9 {
			share = ictShare
		}
		parts[i] = math.Round(total * share)
		sum += parts[i]
	}
	parts[len(parts)-1] += total - sum
	return parts
}

// nsoAnnual builds DT_NSO_0500_001V1: indicator × activity × year (newest
// first).
func nsoAnnual(last int, updated time.Time, gdp func(int) float64) PXWebTable {
	ind := PXWebVariable{Code: "Үзүүлэлт", Text: "Indicator", Values: []string{"0", "1"},
		ValueTexts: []string{"Gross domestic product, at current prices", "Gross domestic product, at 2015 constant prices (SYNTHETIC)"}}
	act := nsoActivities()
	yr := PXWebVariable{Code: "Он", Text: "Year"}
	for y := last; y >= 2018; y-- {
		yr.Values = append(yr.Values, strconv.Itoa(last-y))
		yr.ValueTexts = append(yr.ValueTexts, strconv.Itoa(y))
	}
	t := PXWebTable{ID: NSOTableAnnual, Updated: updated, Variables: []PXWebVariable{ind, act, yr}, Status: map[int]string{},
		Title: "Gross domestic product, by economic activity, million MNT, annual (GDP totals at current prices real, NSO; everything else SYNTHETIC)",
		Note: []string{"SYNTHETIC: ictstat's PX-Web simulator. Only the totals of GDP at current prices are NSO's real figures; activities, the ICT sector (Information and communication) and constant prices are illustrative.",
			"Values in million MNT."}}
	nYears := len(yr.Values)
	t.Values = make([]*float64, 2*len(act.Values)*nYears)
	for k := range nYears {
		year := last - k
		total := gdp(year)
		parts := nsoSplit(total, nsoICTShare(year))
		deflator := math.Pow(1.09, float64(year-2015))
		for a := range act.Values {
			v := total
			if a > 0 {
				v = parts[a-1]
			}
			cur, con := v, math.Round(v/deflator)
			t.Values[(0*len(act.Values)+a)*nYears+k] = &cur
			if a == len(act.Values)-1 {
				t.Status[(1*len(act.Values)+a)*nYears+k] = ".." // not published
				continue
			}
			t.Values[(1*len(act.Values)+a)*nYears+k] = &con
		}
	}
	if last == 2023 {
		t.Status[nYears*0+0] = "preliminary" // total, 2023
	}
	return t
}

// nsoQuarterly builds the quarterly table (SYNTHETIC throughout, though its
// quarters of GDP at current prices add up to the real annual totals):
// indicator (one) × activity × quarter (2024-IV first), labels in NSO's
// roman form, the time dimension named Улирал rather than Он.
func nsoQuarterly(last int, updated time.Time, gdp func(int) float64) PXWebTable {
	ind := PXWebVariable{Code: "Үзүүлэлт", Text: "Indicator", Values: []string{"0"}, ValueTexts: []string{"Gross domestic product, at current prices"}}
	act := nsoActivities()
	q := PXWebVariable{Code: "Улирал", Text: "Quarter"}
	roman := []string{"I", "II", "III", "IV"}
	season := []float64{0.20, 0.24, 0.26, 0.30}
	for y := last; y >= last-1; y-- {
		for k := 3; k >= 0; k-- {
			q.Values = append(q.Values, strconv.Itoa(len(q.Values)))
			q.ValueTexts = append(q.ValueTexts, fmt.Sprintf("%d-%s", y, roman[k]))
		}
	}
	t := PXWebTable{ID: NSOTableQuarterly, Updated: updated, Variables: []PXWebVariable{ind, act, q},
		Title: "Gross domestic product at current prices, by economic activity, million MNT, quarterly (SYNTHETIC; quarters sum to NSO's real annual totals)",
		Note:  []string{"SYNTHETIC: ictstat's PX-Web simulator; an illustrative quarterly table. Quarterly values are invented; each year's four quarters of the total add up to NSO's real annual GDP at current prices."}}
	nQ := len(q.Values)
	t.Values = make([]*float64, len(act.Values)*nQ)
	for i := range nQ {
		year, k := last-i/4, 3-i%4
		total := math.Round(gdp(year) * season[k])
		if k == 3 {
			total = gdp(year) - math.Round(gdp(year)*season[0]) - math.Round(gdp(year)*season[1]) - math.Round(gdp(year)*season[2])
		}
		parts := nsoSplit(total, nsoICTShare(year))
		for a := range act.Values {
			v := total
			if a > 0 {
				v = parts[a-1]
			}
			t.Values[a*nQ+i] = &v
		}
	}
	return t
}
