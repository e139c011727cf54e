package publish

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/npit-mn/ictstat/disclosure"
)

// regionLabels name the regions of queries/regions.csv in both languages.
var regionLabels = map[string]Text{
	"Africa":         {"Africa", "Африк"},
	"Americas":       {"Americas", "Америк тив"},
	"Central Asia":   {"Central Asia", "Төв Ази"},
	"East Asia":      {"East Asia", "Зүүн Ази"},
	"Europe":         {"Europe", "Европ"},
	"Middle East":    {"Middle East", "Ойрхи Дорнод"},
	"Oceania":        {"Oceania", "Номхон далайн орнууд"},
	"South Asia":     {"South Asia", "Өмнөд Ази"},
	"Southeast Asia": {"Southeast Asia", "Зүүн өмнөд Ази"},
	"unknown":        {"Unknown destination", "Тодорхойгүй"},
	divisionTotal:    {"All regions", "Бүх бүс"},
}

func regionLabel(r string) Text {
	if t, ok := regionLabels[r]; ok {
		return t
	}
	return Text{r, r}
}

// entrySQL returns the year each ICT-sector company first exported to each
// region, up to the release's end (the current revision of each filing).
const entrySQL = `SELECT e.registry_no, coalesce(r.region, 'unknown') AS region, CAST(year(min(e.period)) AS BIGINT) AS y
FROM filing_exports e
JOIN filings f ON f.filing_id = e.filing_id AND f.revision = e.revision
LEFT JOIN regions r ON r.country = e.country
WHERE f.ict_sector AND e.amount > 0 AND e.period < CAST($1 AS DATE)
GROUP BY ALL
ORDER BY y, region, e.registry_no`

// marketEntry is the market-entry KPI: companies that entered a region's
// market (their first export there) by year. The first year of the data is
// left out: it counts every company already exporting then.
func (b *builder) marketEntry(ctx context.Context) (*Table, error) {
	rows, err := queryRows(ctx, b.q, b.snap, entrySQL, b.period.End.Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("market entry: %w", err)
	}
	var contribs []contribution
	first := 0
	for _, r := range rows {
		y := int(r.num(2))
		if first == 0 {
			first = y
		}
		if y == first {
			continue
		}
		contribs = append(contribs, contribution{year: y, category: r.str(1), company: r.str(0), value: 1})
	}
	cells, prot, err := b.protectByYear(TableMarketEntry, disclosure.Count, "region", contribs)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: TableMarketEntry,
		Title:    Text{"Companies entering foreign markets, by destination region", "Гадаад зах зээлд шинээр гарсан аж ахуйн нэгж, бүсээр"},
		Source:   sourceFilings,
		Measures: []Measure{{ID: "entries", Title: Text{"Companies entering the region's market", "Бүсийн зах зээлд анх экспортолсон аж ахуйн нэгж"}, Unit: "companies"}}}
	fillAnnual(t, "region", Text{"Destination region", "Экспортын бүс"}, regionLabel, cells, "entries")
	t.Protected = prot
	return t, nil
}

// fillAnnual sets an annual table's dimensions and cells from protected
// cells of one measure.
func fillAnnual(t *Table, catDim string, catTitle Text, label func(string) Text, cells []protected, measure string) {
	years, cats := map[string]bool{}, map[string]bool{}
	for _, c := range cells {
		years[c.year], cats[c.category] = true, true
		t.Obs = append(t.Obs, Obs{Key: []string{c.year, c.category}, Measure: measure, Value: c.value, Status: c.status})
		if c.audit != nil {
			a := *c.audit
			a.Measures = []string{measure}
			t.Audit = append(t.Audit, a)
		}
	}
	setAnnualDims(t, catDim, catTitle, label, years, cats)
}

// setAnnualDims sets the period and category dimensions, the total first.
func setAnnualDims(t *Table, catDim string, catTitle Text, label func(string) Text, years, cats map[string]bool) {
	per := Dim{Name: "period", Title: textPeriod}
	for _, y := range sortedKeys(years) {
		per.Codes = append(per.Codes, Code{ID: y, Label: Text{y, y}})
	}
	cat := Dim{Name: catDim, Title: catTitle}
	for _, c := range sortedDivisions(cats) {
		cat.Codes = append(cat.Codes, Code{ID: c, Label: label(c)})
	}
	t.Dims = []Dim{per, cat}
	t.sortObs()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// exportSQL returns each company's ICT services exports by region and year
// up to the release's end, in million MNT.
const exportSQL = `SELECT e.registry_no, coalesce(r.region, 'unknown') AS region, CAST(year(e.period) AS BIGINT) AS y,
    sum(e.amount_mnt) / 1e6 AS value
FROM filing_exports e
JOIN filings f ON f.filing_id = e.filing_id AND f.revision = e.revision
LEFT JOIN regions r ON r.country = e.country
WHERE e.ict_service AND e.period < CAST($1 AS DATE)
GROUP BY ALL
ORDER BY y, region, e.registry_no`

// exports is ICT services exports by destination region and year: the
// filings' figures under disclosure control, beside the balance of
// payments' (published by the Bank of Mongolia, with its statuses).
func (b *builder) exports(ctx context.Context) (*Table, error) {
	rows, err := queryRows(ctx, b.q, b.snap, exportSQL, b.period.End.Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("exports: %w", err)
	}
	contribs := make([]contribution, 0, len(rows))
	for _, r := range rows {
		contribs = append(contribs, contribution{year: int(r.num(2)), category: r.str(1), company: r.str(0), value: r.num(3)})
	}
	cells, prot, err := b.protectByYear(TableExports, disclosure.Magnitude, "region", contribs)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: TableExports,
		Title:  Text{"ICT services exports by destination region: filings and balance of payments", "МХХТ-ийн үйлчилгээний экспорт, бүсээр: тайлан ба төлбөрийн тэнцэл"},
		Source: Text{"Virtual-zone filings; Bank of Mongolia balance of payments (SDMX)", "Виртуал бүсийн тайлан; Монголбанкны төлбөрийн тэнцэл (SDMX)"},
		Measures: []Measure{
			{ID: "filings", Title: Text{"Exports reported in filings", "Тайланд тусгагдсан экспорт"}, Unit: "million MNT", Decimals: 1},
			{ID: "bop", Title: Text{"Exports in the balance of payments", "Төлбөрийн тэнцэл дэх экспорт"}, Unit: "million MNT", Decimals: 1},
		}}
	fillAnnual(t, "region", Text{"Destination region", "Экспортын бүс"}, regionLabel, cells, "filings")
	t.Protected = prot
	bop, err := b.named(ctx, "exports_by_destination", map[string]string{"grain": "year", "by": "region", "currency": "MNT"},
		"period", "area_type", "partner", "bop_value", "bop_status")
	if err != nil {
		return nil, err
	}
	years, cats := map[string]bool{}, map[string]bool{}
	for _, c := range t.Dims[0].Codes {
		years[c.ID] = true
	}
	for _, c := range t.Dims[1].Codes {
		cats[c.ID] = true
	}
	for _, r := range bop {
		if r.null(3) || r.str(0) > fmt.Sprint(b.period.Year()) {
			continue
		}
		cat := r.str(2)
		if r.str(1) == "total" {
			cat = divisionTotal
		}
		status := disclosure.Normal
		switch st := r.str(4); {
		case strings.Contains(st, "E"):
			status = disclosure.Estimate
		case strings.Contains(st, "P"):
			status = disclosure.Provisional
		}
		years[r.str(0)], cats[cat] = true, true
		t.Obs = append(t.Obs, Obs{Key: []string{r.str(0), cat}, Measure: "bop", Value: r.num(3) / 1e6, Status: status})
	}
	setAnnualDims(t, "region", Text{"Destination region", "Экспортын бүс"}, regionLabel, years, cats)
	return t, nil
}
