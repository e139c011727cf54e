package publish

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/npit-mn/ictstat/disclosure"
)

// Names of the sector-size tables.
const (
	TableSectorSizeYear    = "sector_size_year"
	TableSectorSizeQuarter = "sector_size_quarter"
)

// divisionTotal is the code of the all-divisions total: the ICT sector.
const divisionTotal = "_T"

// divisionLabels name the ISIC Rev.4 divisions that hold classes of the
// OECD ICT-sector definition.
var divisionLabels = map[string]Text{
	"26":          {"Manufacture of computer, electronic and optical products", "Компьютер, электрон болон оптик бүтээгдэхүүн үйлдвэрлэл"},
	"46":          {"Wholesale of ICT equipment", "МХХТ-ийн тоног төхөөрөмжийн бөөний худалдаа"},
	"58":          {"Software publishing", "Программ хангамж хэвлэн нийтлэх"},
	"61":          {"Telecommunications", "Цахилгаан холбоо"},
	"62":          {"Computer programming, consultancy and related activities", "Компьютерийн программчлал, зөвлөгөө, холбогдох үйл ажиллагаа"},
	"63":          {"Information service activities", "Мэдээллийн үйлчилгээ"},
	"95":          {"Repair of computers and communication equipment", "Компьютер, холбооны хэрэгслийн засвар"},
	divisionTotal: {"ICT sector, total", "МХХТ-ийн салбар, бүгд"},
}

func divisionLabel(code string) Text {
	if t, ok := divisionLabels[code]; ok {
		return t
	}
	return Text{EN: "ISIC division " + code, MN: "ЭЗҮАС-ын хэлтэс " + code}
}

// sectorMeasures are the measures of both sector-size tables; the
// magnitudes share one suppression pattern.
var sectorMeasures = []Measure{
	{ID: "companies", Title: Text{"Companies that filed", "Тайлан ирүүлсэн аж ахуйн нэгж"}, Unit: "companies"},
	{ID: "employees", Title: Text{"Employees (average)", "Ажиллагсад (дундаж)"}, Unit: "persons"},
	{ID: "revenue", Title: Text{"Revenue", "Борлуулалтын орлого"}, Unit: "million MNT", Decimals: 1},
	{ID: "value_added", Title: Text{"Gross value added", "Нийт нэмэгдсэн өртөг"}, Unit: "million MNT", Decimals: 1},
	{ID: "wages", Title: Text{"Wages", "Цалин хөлс"}, Unit: "million MNT", Decimals: 1},
}

// sectorSQL returns each company's contribution to each quarter and ISIC
// division of the ICT sector up to the release's end: current revisions,
// MNT, employees as person-months.
const sectorSQL = `SELECT registry_no, isic_division,
    CAST(year(period) AS BIGINT) AS y, CAST(quarter(period) AS BIGINT) AS q,
    CAST(sum(employees) AS DOUBLE) AS person_months,
    sum(revenue_mnt) AS revenue, sum(gva_mnt) AS gva, sum(coalesce(wages_mnt, 0)) AS wages
FROM filings
WHERE ict_sector AND period < CAST($1 AS DATE)
GROUP BY ALL
ORDER BY y, q, isic_division, registry_no`

// sectorSize computes both sector-size tables from one suppression per year:
// quarters within the year and divisions within the ICT-sector total, every
// measure of a cell suppressed together.
func (b *builder) sectorSize(ctx context.Context) (year, quarter *Table, err error) {
	if b.sector[0] != nil {
		return b.sector[0], b.sector[1], nil
	}
	rows, err := queryRows(ctx, b.q, b.snap, sectorSQL, b.period.End.Format("2006-01-02"))
	if err != nil {
		return nil, nil, fmt.Errorf("sector size: %w", err)
	}
	type yearTables struct{ emp, rev, gva, wag *disclosure.Builder }
	byYear := map[int]*yearTables{}
	var years []int
	for _, r := range rows {
		y := int(r.num(2))
		yt := byYear[y]
		if yt == nil {
			dims := []disclosure.Dim{{Name: "period", Total: strconv.Itoa(y)}, {Name: "isic_division", Total: divisionTotal}}
			mk := func(m string) *disclosure.Builder {
				return disclosure.NewBuilder(fmt.Sprintf("sector_size %d %s", y, m), disclosure.Magnitude, dims...)
			}
			yt = &yearTables{mk("employees"), mk("revenue"), mk("value_added"), mk("wages")}
			byYear[y] = yt
			years = append(years, y)
		}
		key := []string{fmt.Sprintf("%dQ%d", y, int(r.num(3))), r.str(1)}
		company := r.str(0)
		yt.emp.Add(key, company, r.num(4)/3)
		yt.rev.Add(key, company, r.num(5)/1e6)
		yt.gva.Add(key, company, r.num(6)/1e6)
		yt.wag.Add(key, company, r.num(7)/1e6)
	}
	sort.Ints(years)
	year = &Table{Name: TableSectorSizeYear,
		Title:    Text{"ICT sector size by year and ISIC division", "МХХТ-ийн салбарын хэмжээ, он ба ЭЗҮАС-ын хэлтсээр"},
		Source:   sourceFilings,
		Measures: sectorMeasures}
	quarter = &Table{Name: TableSectorSizeQuarter,
		Title:    Text{"ICT sector size by quarter and ISIC division", "МХХТ-ийн салбарын хэмжээ, улирал ба ЭЗҮАС-ын хэлтсээр"},
		Source:   sourceFilings,
		Measures: sectorMeasures}
	divs := map[string]bool{}
	var yearCodes, quarterCodes []Code
	for _, y := range years {
		yt := byYear[y]
		tabs := []*disclosure.Table{yt.rev.Table(), yt.gva.Table(), yt.wag.Table(), yt.emp.Table()}
		if _, err := disclosure.ProtectLinked(tabs, b.rules); err != nil {
			return nil, nil, fmt.Errorf("sector size %d: disclosure control: %w", y, err)
		}
		year.Protected = append(year.Protected, tabs...)
		quarter.Protected = append(quarter.Protected, tabs...)
		complete := !yearStart(y + 1).After(b.period.End)
		ys := strconv.Itoa(y)
		if complete {
			yearCodes = append(yearCodes, Code{ID: ys, Label: Text{ys, ys}})
		}
		seenQ := map[string]bool{}
		cells := cellIndex(tabs)
		for ci, c := range tabs[0].Cells {
			per, div := c.Key[0], c.Key[1]
			divs[div] = true
			target := quarter
			if per == ys {
				if !complete {
					continue
				}
				target = year
			} else if !seenQ[per] {
				seenQ[per] = true
				quarterCodes = append(quarterCodes, Code{ID: per, Label: Text{per, per}})
			}
			status := c.Status
			if status == disclosure.Normal && b.provisional(per) {
				status = disclosure.Provisional
			}
			add := func(m string, v float64) {
				target.Obs = append(target.Obs, Obs{Key: []string{per, div}, Measure: m, Value: v, Status: status})
			}
			add("companies", float64(c.Companies))
			emp := cells[3][ci].Value
			if per == ys {
				emp /= 4 // the margin sums the quarters' averages
			}
			add("employees", emp)
			add("revenue", cells[0][ci].Value)
			add("value_added", cells[1][ci].Value)
			add("wages", cells[2][ci].Value)
			if c.Status == disclosure.Confidential || c.Status == disclosure.Secondary {
				target.Audit = append(target.Audit, auditOf(tabs[0], ci, []string{"companies", "employees", "revenue", "value_added", "wages"}))
			}
		}
	}
	divDim := Dim{Name: "isic_division", Title: Text{"ISIC Rev.4 division", "ЭЗҮАС-ын хэлтэс"}}
	for _, d := range sortedDivisions(divs) {
		divDim.Codes = append(divDim.Codes, Code{ID: d, Label: divisionLabel(d)})
	}
	year.Dims = []Dim{{Name: "period", Title: textPeriod, Codes: yearCodes}, divDim}
	quarter.Dims = []Dim{{Name: "period", Title: textPeriod, Codes: quarterCodes}, divDim}
	year.sortObs()
	quarter.sortObs()
	b.sector = [2]*Table{year, quarter}
	return year, quarter, nil
}

// sortedDivisions orders division codes with the total first.
func sortedDivisions(set map[string]bool) []string {
	var out []string
	for d := range set {
		if d != divisionTotal {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	if set[divisionTotal] {
		out = append([]string{divisionTotal}, out...)
	}
	return out
}

// cellIndex lines up the cells of linked tables by key: result[t][i] is the
// cell of table t with the key of tabs[0].Cells[i].
func cellIndex(tabs []*disclosure.Table) [][]disclosure.Cell {
	out := make([][]disclosure.Cell, len(tabs))
	for t, tab := range tabs {
		at := map[string]int{}
		for i, c := range tab.Cells {
			at[obsKey(c.Key, "")] = i
		}
		out[t] = make([]disclosure.Cell, len(tabs[0].Cells))
		for i, c := range tabs[0].Cells {
			if j, ok := at[obsKey(c.Key, "")]; ok {
				out[t][i] = tab.Cells[j]
			}
		}
	}
	return out
}

// auditOf describes suppressed cell i of t for the audit file.
func auditOf(t *disclosure.Table, i int, measures []string) AuditEntry {
	c := t.Cells[i]
	e := AuditEntry{Key: c.Key, Measures: measures, Status: string(c.Status), Rule: c.Rule, Value: c.Value}
	for _, p := range c.Protects {
		if p >= 0 && p < len(t.Cells) {
			e.Protects = append(e.Protects, t.Cells[p].Key)
		}
	}
	return e
}
