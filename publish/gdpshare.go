package publish

import (
	"context"
	"strconv"

	"github.com/npit-mn/ictstat/disclosure"
)

// gdpShare is the ICT share of GDP by year from the national accounts, the
// filings-based nowcast (status E) for years NSO has not published, and the
// target path. A nowcast resting on fewer matched companies than
// Rules.MinCompanies is suppressed (C).
func (b *builder) gdpShare(ctx context.Context) (*Table, error) {
	tp := b.target.withDefaults()
	params := map[string]string{"grain": "year",
		"base_year": strconv.Itoa(tp.BaseYear), "base_share": strconv.FormatFloat(tp.BaseShare, 'f', -1, 64),
		"target_year": strconv.Itoa(tp.TargetYear), "target_share": strconv.FormatFloat(tp.TargetShare, 'f', -1, 64)}
	rows, err := b.named(ctx, "gdp_share", params, "period", "CAST(year AS BIGINT)", "kind",
		"share_pct", "target_share_pct", "ict_va_mn_mnt", "gdp_mn_mnt", "CAST(nowcast_companies AS BIGINT)")
	if err != nil {
		return nil, err
	}
	t := &Table{Name: TableGDPShare,
		Title:  Text{"ICT share of GDP and the path to the 2030 target", "Мэдээлэл, харилцаа холбооны салбарын ДНБ-д эзлэх хувь ба 2030 оны зорилтот түвшин"},
		Source: Text{"NSO national accounts (PX-Web); nowcast from virtual-zone filings", "ҮСХ-ны үндэсний тооцоо (PX-Web); тайлангаас хийсэн урьдчилсан тооцоо"},
		Measures: []Measure{
			{ID: "share", Title: Text{"ICT value added, share of GDP", "МХХТ-ийн нэмэгдсэн өртгийн ДНБ-д эзлэх хувь"}, Unit: "percent", Decimals: 2},
			{ID: "target_share", Title: Text{"Target path", "Зорилтот зам"}, Unit: "percent", Decimals: 2},
			{ID: "ict_value_added", Title: Text{"ICT value added", "МХХТ-ийн нэмэгдсэн өртөг"}, Unit: "million MNT", Decimals: 1},
			{ID: "gdp", Title: Text{"Gross domestic product", "Дотоодын нийт бүтээгдэхүүн"}, Unit: "million MNT", Decimals: 1},
		}}
	dim := Dim{Name: "period", Title: textPeriod}
	for _, r := range rows {
		y := int(r.num(1))
		if y > b.period.Year() && y > tp.TargetYear {
			continue
		}
		per := r.str(0)
		dim.Codes = append(dim.Codes, Code{ID: per, Label: Text{per, per}})
		kind := r.str(2)
		status := disclosure.Normal
		future := y > b.period.Year()
		switch {
		case kind == "nowcast" && int(r.num(7)) < b.rules.MinCompanies:
			status = disclosure.Confidential
			t.Audit = append(t.Audit, AuditEntry{Key: []string{per}, Measures: []string{"share", "ict_value_added"}, Status: "C", Rule: "min_companies", Value: r.num(3)})
		case kind == "nowcast":
			status = disclosure.Estimate
		}
		add := func(m string, col int, st disclosure.Status, hide bool) {
			t.Obs = append(t.Obs, Obs{Key: []string{per}, Measure: m, Value: r.num(col), Missing: hide || r.null(col), Status: st})
		}
		add("share", 3, status, future || kind == "no_data")
		add("target_share", 4, disclosure.Normal, false)
		add("ict_value_added", 5, status, future || kind == "no_data")
		gdpStatus := disclosure.Normal
		if kind == "nowcast" {
			gdpStatus = disclosure.Estimate
		}
		add("gdp", 6, gdpStatus, future || kind == "no_data")
	}
	t.Dims = []Dim{dim}
	t.sortObs()
	return t, nil
}
