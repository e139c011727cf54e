package transform

import (
	"fmt"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// Defaults of NationalAccountsOptions: NSO's table DT_NSO_0500_001V1, GDP
// by economic activity.
const (
	DefaultIndicatorDim  = "Үзүүлэлт"
	DefaultCurrentPrices = "0"
	DefaultActivityDim   = "Эдийн засгийн салбар"
	DefaultTotalCode     = "0"
	DefaultICTCode       = "10"
	DefaultICTLabel      = "Information and communication"
	DefaultTimeDim       = "Он"
)

// NationalAccountsOptions map a national-accounts table's dimensions and
// categories to the columns of national_accounts. The zero value is the
// mapping of DT_NSO_0500_001V1. Which dimension and which codes mean what is
// configuration, not code: NSO's codes differ between tables.
type NationalAccountsOptions struct {
	// TableID is stored in table_id (e.g. DT_NSO_0500_001V1).
	TableID string
	// IndicatorDim is the code of the indicator dimension; default
	// Үзүүлэлт. When the default is absent from the table and exactly one
	// dimension is neither activity nor time, that one is the indicator.
	IndicatorDim string
	// CurrentPrices is the indicator category of GDP at current prices
	// (current_prices = true); default "0".
	CurrentPrices string
	// ActivityDim is the code of the economic-activity dimension; default
	// Эдийн засгийн салбар.
	ActivityDim string
	// TotalCode is the activity category of the whole economy; default "0".
	TotalCode string
	// ICTCode is the activity category taken as the ICT sector. Empty:
	// the category whose trimmed label is ICTLabel, else "10".
	ICTCode string
	// ICTLabel is the label that finds the ICT category when ICTCode is
	// empty (compared trimmed, ignoring case); default "Information and
	// communication".
	ICTLabel string
	// TimeDim is the code of the time dimension (JSON-stat marks none in
	// NSO's answers); default Он. When absent from the table, the one
	// dimension whose labels all read as periods is time.
	TimeDim string
	// YTD marks the table's values as year-to-date totals.
	YTD bool
}

// Cube is the dataset NationalAccounts reads: *ingest.JSONStat satisfies it.
type Cube interface {
	// Dims returns the number of dimensions.
	Dims() int
	// Dimension returns dimension i's id and its category codes and labels.
	Dimension(i int) (id string, codes, labels []string)
	// EachCell calls yield with each cell's category positions, value (nil
	// when missing) and status until yield returns false.
	EachCell(yield func(pos []int, value *float64, status string) bool)
}

// NationalAccountsVintage says where and when a dataset came from.
type NationalAccountsVintage struct {
	Origin   string    // file path or URL
	Vintage  time.Time // the dataset's `updated` time, else the pull time
	PulledAt time.Time
}

// NationalAccounts maps a dataset to national_accounts rows. A cell whose
// period label reads as no period goes to bad; a dataset the mapping does
// not fit (a dimension missing, an unmapped dimension of more than one
// category) is an *ictstat.InputError naming the dimension and the option.
func NationalAccounts(c Cube, o NationalAccountsOptions, v NationalAccountsVintage) (rows []ictstat.NationalAccount, bad []ictstat.Quarantined, err error) {
	o = o.withDefaults()
	m, err := mapDims(c, o, v.Origin)
	if err != nil {
		return nil, nil, err
	}
	_, actCodes, actLabels := c.Dimension(m.activity)
	ict := o.ICTCode
	if ict == "" {
		ict = DefaultICTCode
		for i, l := range actLabels {
			if strings.EqualFold(strings.TrimSpace(l), strings.TrimSpace(o.ICTLabel)) {
				ict = actCodes[i]
				break
			}
		}
	}
	timeID, timeCodes, timeLabels := c.Dimension(m.time)
	periods := make([]NSOPeriod, len(timeCodes))
	periodErr := make([]error, len(timeCodes))
	for i := range timeCodes {
		periods[i], periodErr[i] = parsePeriodCategory(timeLabels[i], timeCodes[i])
	}
	var indCodes, indLabels []string
	if m.indicator >= 0 {
		_, indCodes, indLabels = c.Dimension(m.indicator)
	}
	vintage, pulled := v.Vintage.UTC().UnixMicro(), v.PulledAt.UTC().UnixMicro()
	cells := 1
	for i := range c.Dims() {
		_, codes, _ := c.Dimension(i)
		cells *= len(codes)
		if cells > 1<<22 || cells == 0 { // a sparse dataset may list far fewer
			cells = min(cells, 1<<22)
			break
		}
	}
	rows = make([]ictstat.NationalAccount, 0, cells)
	c.EachCell(func(pos []int, value *float64, status string) bool {
		t := pos[m.time]
		if periodErr[t] != nil {
			bad = append(bad, ictstat.Quarantined{Origin: v.Origin,
				Reason: fmt.Sprintf("dimension.%s.category.label.%s: %v", timeID, timeCodes[t], periodErr[t]),
				Raw:    cellText(c, pos, value, status)})
			return true
		}
		p := periods[t]
		r := ictstat.NationalAccount{TableID: o.TableID, Vintage: vintage, PulledAt: pulled,
			Activity: actCodes[pos[m.activity]], ActivityLabel: strings.TrimSpace(actLabels[pos[m.activity]]),
			Freq: p.Freq, Period: p.Period, PeriodLabel: strings.TrimSpace(timeLabels[t]), PeriodStart: p.Start, Year: int32(p.Year),
			YTD: o.YTD, Status: status, Source: v.Origin}
		if m.indicator >= 0 {
			r.Indicator, r.IndicatorLabel = indCodes[pos[m.indicator]], strings.TrimSpace(indLabels[pos[m.indicator]])
			r.CurrentPrices = r.Indicator == o.CurrentPrices
		}
		switch r.Activity {
		case o.TotalCode:
			r.ActivityRole = ictstat.ActivityTotal
		case ict:
			r.ActivityRole = ictstat.ActivityICT
		default:
			r.ActivityRole = ictstat.ActivityOther
		}
		if value != nil {
			x := *value
			r.Value = &x
		}
		rows = append(rows, r)
		return true
	})
	return rows, bad, nil
}

func (o NationalAccountsOptions) withDefaults() NationalAccountsOptions {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&o.CurrentPrices, DefaultCurrentPrices)
	def(&o.TotalCode, DefaultTotalCode)
	def(&o.ICTLabel, DefaultICTLabel)
	return o
}

// parsePeriodCategory reads a time category's label, else its code.
func parsePeriodCategory(label, code string) (NSOPeriod, error) {
	p, err := ParseNSOPeriod(label)
	if err != nil {
		if p2, err2 := ParseNSOPeriod(code); err2 == nil {
			return p2, nil
		}
	}
	return p, err
}

// dimMap holds the positions of the mapped dimensions (-1: none).
type dimMap struct{ indicator, activity, time int }

// mapDims finds the indicator, activity and time dimensions.
func mapDims(c Cube, o NationalAccountsOptions, origin string) (dimMap, error) {
	m := dimMap{-1, -1, -1}
	ids := make([]string, c.Dims())
	for i := range ids {
		ids[i], _, _ = c.Dimension(i)
	}
	find := func(id string) int {
		for i, x := range ids {
			if x == id {
				return i
			}
		}
		return -1
	}
	bad := func(field, format string, args ...any) error {
		return &ictstat.InputError{File: origin, Field: field, Reason: fmt.Sprintf(format, args...) + fmt.Sprintf(" (the table's dimensions: %q)", ids)}
	}
	act := o.ActivityDim
	if act == "" {
		act = DefaultActivityDim
	}
	if m.activity = find(act); m.activity < 0 {
		return m, bad("dimension."+act, "the activity dimension is not in the table: set activity_dimension")
	}
	tm := o.TimeDim
	if tm == "" {
		tm = DefaultTimeDim
	}
	m.time = find(tm)
	if m.time < 0 && o.TimeDim == "" {
		for i := range ids {
			if i == m.activity {
				continue
			}
			_, codes, labels := c.Dimension(i)
			if len(codes) > 0 && allPeriods(codes, labels) {
				if m.time >= 0 {
					return m, bad("dimension."+tm, "no time dimension of that name, and more than one dimension reads as periods: set time_dimension")
				}
				m.time = i
			}
		}
	}
	if m.time < 0 || m.time == m.activity {
		return m, bad("dimension."+tm, "the time dimension is not in the table: set time_dimension")
	}
	ind := o.IndicatorDim
	if ind == "" {
		ind = DefaultIndicatorDim
	}
	m.indicator = find(ind)
	if m.indicator < 0 && o.IndicatorDim != "" {
		return m, bad("dimension."+ind, "the indicator dimension is not in the table: set indicator_dimension")
	}
	var rest []int
	for i := range ids {
		if i != m.activity && i != m.time && i != m.indicator {
			rest = append(rest, i)
		}
	}
	if m.indicator < 0 && len(rest) == 1 {
		m.indicator, rest = rest[0], nil
	}
	for _, i := range rest {
		if _, codes, _ := c.Dimension(i); len(codes) > 1 {
			return m, bad("dimension."+ids[i], "%d categories, but it is none of indicator, activity and time: select one category of it (selection) or map it", len(codes))
		}
	}
	if m.indicator == m.activity || m.indicator == m.time {
		return m, bad("dimension."+ind, "the indicator dimension is also the activity or time dimension")
	}
	return m, nil
}

// allPeriods reports whether every category reads as a period.
func allPeriods(codes, labels []string) bool {
	for i := range codes {
		if _, err := parsePeriodCategory(labels[i], codes[i]); err != nil {
			return false
		}
	}
	return true
}

// cellText renders a cell for the quarantine's raw column.
func cellText(c Cube, pos []int, value *float64, status string) string {
	var b strings.Builder
	for i, p := range pos {
		id, codes, labels := c.Dimension(i)
		fmt.Fprintf(&b, "%s=%s (%s); ", id, codes[p], strings.TrimSpace(labels[p]))
	}
	if value == nil {
		b.WriteString("value=null")
	} else {
		fmt.Fprintf(&b, "value=%v", *value)
	}
	if status != "" {
		fmt.Fprintf(&b, "; status=%s", status)
	}
	return b.String()
}
