package dashboard

import "math"

// MinCompanies is the fewest companies a figure the public sees may rest
// on. Until the server hands the dashboard release-style tables
// (disclosure-controlled by the publish package), the dashboard applies
// this threshold itself, conservatively:
//
//   - an amount (revenue, value added, wages, exports in the filings) is
//     hidden when its cell has 1 or 2 companies; a count of companies
//     (entrants, registrations, active companies) is hidden when it is 1
//     or 2; 0 is shown;
//   - secondary suppression: when a group whose total is also shown (the
//     divisions of a year, the regions of a year) has exactly one hidden
//     cell, the smallest shown cell of the group is hidden too, so that
//     the total minus the others does not give it away;
//   - market entry: a market's yearly series of new and cumulative entrants
//     is shown only when every new-entrant count is 0 or at least 3;
//     otherwise only its latest cumulative count (when at least 3) is shown,
//     since differences of cumulative counts would give the small ones away.
//
// No dominance (p%) rule is applied: the analytics do not give the largest
// contributor's share; official figures from NSO and the Bank of Mongolia
// are public and shown as published.
const MinCompanies = 3

// small reports whether a count of companies is too small to show.
func small(companies float64) bool {
	return !math.IsNaN(companies) && companies > 0 && companies < MinCompanies
}

// cellRef is a cell of a group under secondary suppression: its companies
// and whether it is hidden.
type cellRef struct {
	companies float64
	hidden    *bool
}

// protect hides the smallest shown cell of a group with exactly one hidden
// cell; it returns whether it hid one.
func protect(group []cellRef) bool {
	n, best := 0, -1
	for i, c := range group {
		if *c.hidden {
			n++
			continue
		}
		if c.companies > 0 && (best < 0 || c.companies < group[best].companies) {
			best = i
		}
	}
	if n != 1 || best < 0 {
		return false
	}
	*group[best].hidden = true
	return true
}

// entrySeries applies the market-entry rule to one market's yearly counts
// in order: which new and which cumulative counts may be shown.
func entrySeries(newCounts, cumulative []float64) (showNew, showCum []bool) {
	showNew, showCum = make([]bool, len(newCounts)), make([]bool, len(cumulative))
	clean := true
	for _, v := range newCounts {
		clean = clean && !small(v)
	}
	if clean {
		for i := range showNew {
			showNew[i] = true
			showCum[i] = !small(cumulative[i])
		}
		return showNew, showCum
	}
	if last := len(cumulative) - 1; last >= 0 && cumulative[last] >= MinCompanies {
		showCum[last] = true
	}
	return showNew, showCum
}
