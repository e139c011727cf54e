package publish

import (
	"context"
	"fmt"
	"strconv"

	"github.com/npit-mn/ictstat/disclosure"
)

// registrations is registrations, deregistrations and active companies at
// the year's end by virtual zone: counts under the frequency rule, each
// measure protected within its year and the all-zones total.
func (b *builder) registrations(ctx context.Context) (*Table, error) {
	rows, err := b.named(ctx, "registrations", map[string]string{"grain": "year", "by": "zone"},
		"period", "breakdown", "CAST(registrations AS BIGINT)", "CAST(deregistrations AS BIGINT)", "CAST(active_end AS BIGINT)")
	if err != nil {
		return nil, err
	}
	t := &Table{Name: TableRegistrations,
		Title:  Text{"Virtual-zone registrations and active companies, by zone", "Виртуал бүсийн бүртгэл ба идэвхтэй аж ахуйн нэгж, бүсээр"},
		Source: Text{"Virtual-zone company register", "Виртуал бүсийн аж ахуйн нэгжийн бүртгэл"},
		Measures: []Measure{
			{ID: "registrations", Title: Text{"Registrations", "Бүртгүүлсэн"}, Unit: "companies"},
			{ID: "deregistrations", Title: Text{"Deregistrations", "Бүртгэлээс хасагдсан"}, Unit: "companies"},
			{ID: "active", Title: Text{"Active at the end of the year", "Оны эцэст идэвхтэй"}, Unit: "companies"},
		}}
	years, cats := map[string]bool{}, map[string]bool{}
	for m, meas := range t.Measures {
		// Each counted company is a contributor of 1: the frequency rule reads the count.
		var contribs []contribution
		for _, r := range rows {
			y, err := strconv.Atoi(r.str(0))
			if err != nil || y > b.period.Year() {
				continue
			}
			for i := 0; i < int(r.num(2+m)); i++ {
				contribs = append(contribs, contribution{year: y, category: r.str(1), company: strconv.Itoa(i), value: 1})
			}
		}
		cells, prot, err := b.protectByYear(TableRegistrations+" "+meas.ID, disclosure.Count, "zone", contribs)
		if err != nil {
			return nil, fmt.Errorf("registrations: %w", err)
		}
		t.Protected = append(t.Protected, prot...)
		for _, c := range cells {
			years[c.year], cats[c.category] = true, true
			t.Obs = append(t.Obs, Obs{Key: []string{c.year, c.category}, Measure: meas.ID, Value: c.value, Status: c.status})
			if c.audit != nil {
				a := *c.audit
				a.Measures = []string{meas.ID}
				t.Audit = append(t.Audit, a)
			}
		}
	}
	setAnnualDims(t, "zone", Text{"Virtual zone", "Виртуал бүс"}, func(z string) Text {
		if z == divisionTotal {
			return Text{"All zones", "Бүх бүс"}
		}
		return Text{z, z}
	}, years, cats)
	return t, nil
}
