package publish

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/npit-mn/ictstat/disclosure"
)

// methods are the bulletin's and the workbook's methods paragraphs.
var methods = []Text{
	{"Sector size: the monthly filings of virtual-zone companies whose ISIC Rev.4 class is in the OECD ICT-sector definition, current revisions, in MNT at the official monthly rate; employees are the average of the months; a year is the sum of its quarters.",
		"Салбарын хэмжээ: ЭЗҮАС-ын 4 дэх хувилбарын ангилал нь ЭЗХАБ-ын МХХТ-ийн салбарын тодорхойлолтод багтах виртуал бүсийн аж ахуйн нэгжийн сарын тайлан (сүүлийн засвар), албан ханшаар төгрөгт шилжүүлсэн; ажиллагсдын тоо нь сарын дундаж."},
	{"ICT share of GDP: NSO national accounts at current prices; for years NSO has not published, a nowcast moves the last official ICT value added by the value-added growth of the companies that filed in both years (status E). Target path: constant growth of the share from 1.7% in 2024 to 5% in 2030.",
		"ДНБ-д эзлэх хувь: ҮСХ-ны үндэсний тооцоо, урсгал үнээр; ҮСХ нийтлээгүй онуудад хоёр жил дараалан тайлагнасан аж ахуйн нэгжийн нэмэгдсэн өртгийн өсөлтөөр урьдчилсан тооцоо хийв (E). Зорилтот зам: 2024 оны 1.7%-иас 2030 онд 5% хүрэх тогтмол өсөлт."},
	{"Market entry: a company enters a region's market in the year of its first reported export to a country of that region; the first year of the data is left out.",
		"Зах зээлд гарсан: аж ахуйн нэгж тухайн бүсийн аль нэг улсад анх экспорт хийсэн онд тухайн бүсийн зах зээлд гарсанд тооцно; мэдээллийн эхний оныг оруулаагүй."},
	{"Disclosure control: a magnitude cell with fewer than the minimum of companies, dominated by its largest contributors ((n,k) rule) or failing the p% rule is confidential (C); further cells are suppressed (D) so that no confidential cell can be recovered from the totals to within p%. Counts below the frequency threshold are confidential.",
		"Нууцлал: цөөн аж ахуйн нэгжтэй, нэг хоёр нь давамгайлсан ((n,k) дүрэм) эсвэл p% дүрмийг хангаагүй нүдийг нууцална (C); нийлбэрээс нууц нүдийг p%-ийн нарийвчлалтай сэргээж болохгүйн тулд нэмэлт нүдийг нууцална (D)."},
}

// contact is the statistics office's contact line.
var contact = Text{"ICT statistics unit, National Programme for ICT statistics: ictstat@npit.gov.mn",
	"МХХТ-ийн статистикийн алба: ictstat@npit.gov.mn"}

// words are the bulletin's fixed texts.
var words = map[string]Text{
	"title":       {"ICT sector statistics of Mongolia", "Монгол Улсын мэдээлэл, харилцаа холбооны салбарын статистик"},
	"release":     {"Release", "Тархаах мэдээ"},
	"published":   {"Published", "Нийтэлсэн"},
	"snapshot":    {"Data snapshot", "Өгөгдлийн хувилбар"},
	"headlines":   {"Headline figures", "Гол үзүүлэлтүүд"},
	"share":       {"ICT share of GDP", "Мэдээлэл, харилцаа холбооны салбарын ДНБ-д эзлэх хувь"},
	"target":      {"target path", "зорилтот түвшин"},
	"va":          {"ICT sector value added", "МХХТ-ийн салбарын нэмэгдсэн өртөг"},
	"growth":      {"growth on the year before", "өмнөх оноос өссөн"},
	"revenue":     {"revenue", "борлуулалтын орлого"},
	"employees":   {"employees", "ажиллагсад"},
	"companies":   {"companies filing", "тайлан ирүүлсэн аж ахуйн нэгж"},
	"entries":     {"companies entered foreign markets (company-region entries)", "аж ахуйн нэгж гадаад зах зээлд шинээр гарсан (бүсээр)"},
	"charts":      {"Charts", "Графикууд"},
	"chartShare":  {"ICT share of GDP against the target path (open circles: nowcast)", "ДНБ-д эзлэх хувь ба зорилтот зам (хоосон дугуй: урьдчилсан тооцоо)"},
	"chartVA":     {"Value added by ISIC division", "Нэмэгдсэн өртөг, ЭЗҮАС-ын хэлтсээр"},
	"chartEntry":  {"Companies entering foreign markets, by region", "Гадаад зах зээлд шинээр гарсан аж ахуйн нэгж, бүсээр"},
	"tables":      {"Tables", "Хүснэгтүүд"},
	"statuses":    {"Statuses", "Тэмдэглэгээ"},
	"methods":     {"Methods", "Аргачлал"},
	"revisions":   {"Revisions since the last release", "Өмнөх тархаах мэдээнээс хойших засвар"},
	"noRevisions": {"No published figure changed since the last release.", "Өмнөх мэдээнээс хойш нийтэлсэн тоо өөрчлөгдөөгүй."},
	"firstRel":    {"This is the first release of these tables.", "Эдгээр хүснэгтийн анхны тархаах мэдээ."},
	"next":        {"Next release", "Дараагийн тархаах мэдээ"},
	"contact":     {"Contact", "Холбоо барих"},
	"official":    {"official", "албан"},
	"nowcast":     {"nowcast", "урьдчилсан тооцоо"},
	"changed":     {"figures revised", "тоо засварлагдсан"},
	"latest":      {"latest period shown; every period is in the files", "сүүлийн хугацааг харуулав; бүх хугацаа файлд бий"},
	"colTable":    {"table", "хүснэгт"},
	"colPeriod":   {"period", "хугацаа"},
	"colCell":     {"cell", "нүд"},
	"colMeasure":  {"measure", "үзүүлэлт"},
	"colOld":      {"old value", "өмнөх утга"},
	"colNew":      {"new value", "шинэ утга"},
}

// figure is one headline number, tagged with the table cell it comes from
// so that a reader can check it against the table.
type figure struct {
	Table, Key, Measure string
	Text                string
	Status              string
}

// html renders the figure as a tagged span.
func (f figure) HTML() template.HTML {
	st := ""
	if f.Status != "" {
		st = " (" + f.Status + ")"
	}
	return template.HTML(fmt.Sprintf(`<span class="figure" data-table="%s" data-key="%s" data-measure="%s">%s</span>%s`,
		template.HTMLEscapeString(f.Table), template.HTMLEscapeString(f.Key), template.HTMLEscapeString(f.Measure),
		template.HTMLEscapeString(f.Text), template.HTMLEscapeString(st)))
}

// cellOf finds an observation by key and measure.
func cellOf(t *Table, key []string, measure string) (Obs, bool) {
	if t == nil {
		return Obs{}, false
	}
	for _, o := range t.Obs {
		if o.Measure == measure && strings.Join(o.Key, "|") == strings.Join(key, "|") {
			return o, true
		}
	}
	return Obs{}, false
}

// fig makes the headline figure of a published cell.
func fig(t *Table, key []string, measure string) (figure, bool) {
	o, ok := cellOf(t, key, measure)
	if !ok || !o.Published() {
		return figure{}, false
	}
	return figure{Table: t.Name, Key: strings.Join(key, "|"), Measure: measure,
		Text: groupThousands(formatValue(o.Value, t.measure(measure).Decimals)), Status: string(o.Status)}, true
}

type htmlTable struct {
	Title, Note string
	Head        []string
	Rows        [][]string
}

type bulletinData struct {
	Lang, Title string
	W           map[string]string
	M           *Manifest
	Published   string
	Headlines   []template.HTML
	Charts      []template.HTML
	Tables      []htmlTable
	Statuses    []string
	Methods     []string
	Revisions   []Revision
	RevCount    int
	First       bool
	Next        string
	Contact     string
}

var bulletinTmpl = template.Must(template.New("bulletin").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a202c;line-height:1.45}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem;font-size:0.9rem}
th,td{border:1px solid #cbd5e0;padding:0.2rem 0.5rem}td.n{text-align:right}
.figure{font-weight:700}svg{max-width:100%;height:auto;display:block;margin:0.5rem 0 1.5rem}
.meta{color:#4a5568}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{.W.release}} {{.M.Release}} · {{.W.published}} {{.Published}} · {{.W.snapshot}} {{.M.Snapshot}}</p>
<h2>{{.W.headlines}}</h2>
<ul>{{range .Headlines}}<li>{{.}}</li>{{end}}</ul>
<h2>{{.W.charts}}</h2>
{{range .Charts}}{{.}}
{{end}}
<h2>{{.W.tables}}</h2>
{{range .Tables}}<h3>{{.Title}}</h3><p class="meta">{{.Note}}</p>
<table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if $i}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{end}}
<h2>{{.W.statuses}}</h2>
<ul>{{range .Statuses}}<li>{{.}}</li>{{end}}</ul>
<h2>{{.W.methods}}</h2>
{{range .Methods}}<p>{{.}}</p>
{{end}}
<h2>{{.W.revisions}}</h2>
{{if .First}}<p>{{.W.firstRel}}</p>{{else if not .Revisions}}<p>{{.W.noRevisions}}</p>{{else}}<p>{{.RevCount}} {{.W.changed}} ({{.M.Previous}} → {{.M.Release}}).</p>
<table><thead><tr><th>{{.W.colTable}}</th><th>{{.W.colPeriod}}</th><th>{{.W.colCell}}</th><th>{{.W.colMeasure}}</th><th>{{.W.colOld}}</th><th>{{.W.colNew}}</th></tr></thead><tbody>
{{range .Revisions}}<tr><td>{{.Table}}</td><td>{{index .Key 0}}</td><td>{{range $i, $k := .Key}}{{if $i}}{{$k}} {{end}}{{end}}</td><td>{{.Measure}}</td><td class="n">{{.Old}}</td><td class="n">{{.New}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Next}}<h2>{{.W.next}}</h2><p>{{.Next}}</p>{{end}}
<h2>{{.W.contact}}</h2><p>{{.Contact}}</p>
</body>
</html>
`))

// maxBulletinRevisions bounds the revisions the bulletin lists; all are in
// revisions.csv.
const maxBulletinRevisions = 30

// writeBulletin writes the self-contained HTML bulletin in lang.
func writeBulletin(w io.Writer, lang string, m *Manifest, tables []*Table, revs []Revision) error {
	byName := map[string]*Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	d := bulletinData{Lang: lang, Title: words["title"].In(lang), W: map[string]string{}, M: m,
		Published: m.PublishAt.In(Ulaanbaatar).Format("2006-01-02 15:04") + " (UTC+8)",
		Contact:   contact.In(lang), First: m.Previous == "", RevCount: len(revs)}
	for k, v := range words {
		d.W[k] = v.In(lang)
	}
	for _, n := range statusNotes {
		d.Statuses = append(d.Statuses, n.In(lang))
	}
	for _, p := range methods {
		d.Methods = append(d.Methods, p.In(lang))
	}
	d.Revisions = revs[:min(len(revs), maxBulletinRevisions)]
	if m.Next != nil {
		d.Next = m.Next.ID + ": " + m.Next.PublishAt.In(Ulaanbaatar).Format("2006-01-02 15:04") + " (UTC+8)"
	}
	d.Headlines, d.Charts = headlines(lang, byName), charts(lang, byName)
	for _, t := range tables {
		d.Tables = append(d.Tables, latestTable(lang, t))
	}
	return bulletinTmpl.Execute(w, d)
}

// lastPeriod returns the last code of a table's period dimension.
func lastPeriod(t *Table) string {
	if t == nil || len(t.Dims) == 0 || len(t.Dims[0].Codes) == 0 {
		return ""
	}
	return t.Dims[0].Codes[len(t.Dims[0].Codes)-1].ID
}

// headlines picks the headline figures: the latest published ICT share
// against its target, the latest full year's value added with its growth,
// and the latest year's market entries.
func headlines(lang string, byName map[string]*Table) []template.HTML {
	var out []template.HTML
	if t := byName[TableGDPShare]; t != nil {
		for i := len(t.Dims[0].Codes) - 1; i >= 0; i-- {
			y := t.Dims[0].Codes[i].ID
			share, ok := fig(t, []string{y}, "share")
			if !ok {
				continue
			}
			line := fmt.Sprintf("%s, %s: %s%%", words["share"].In(lang), y, share.HTML())
			if tg, ok := fig(t, []string{y}, "target_share"); ok {
				line += fmt.Sprintf("; %s %s%%", words["target"].In(lang), tg.HTML())
			}
			out = append(out, template.HTML(line))
			break
		}
	}
	if t := byName[TableSectorSizeYear]; t != nil {
		if y := lastPeriod(t); y != "" {
			key := []string{y, divisionTotal}
			if va, ok := fig(t, key, "value_added"); ok {
				line := fmt.Sprintf("%s, %s: %s %s", words["va"].In(lang), y, va.HTML(), "million MNT")
				cur, _ := cellOf(t, key, "value_added")
				if len(t.Dims[0].Codes) > 1 {
					py := t.Dims[0].Codes[len(t.Dims[0].Codes)-2].ID
					if prev, ok := cellOf(t, []string{py, divisionTotal}, "value_added"); ok && prev.Published() && prev.Value > 0 {
						line += fmt.Sprintf(" (%s %.1f%%)", words["growth"].In(lang), 100*(roundTo(cur.Value, 1)/roundTo(prev.Value, 1)-1))
					}
				}
				for _, ms := range []string{"revenue", "employees", "companies"} {
					if f, ok := fig(t, key, ms); ok {
						line += fmt.Sprintf("; %s %s", words[ms].In(lang), f.HTML())
					}
				}
				out = append(out, template.HTML(line))
			}
		}
	}
	if t := byName[TableMarketEntry]; t != nil {
		if y := lastPeriod(t); y != "" {
			if f, ok := fig(t, []string{y, divisionTotal}, "entries"); ok {
				out = append(out, template.HTML(fmt.Sprintf("%s: %s %s", y, f.HTML(), words["entries"].In(lang))))
			}
		}
	}
	return out
}

// charts draws the bulletin's three charts from the tables.
func charts(lang string, byName map[string]*Table) []template.HTML {
	var out []template.HTML
	if t := byName[TableGDPShare]; t != nil {
		var xs []string
		off := series{Name: words["share"].In(lang), Color: "#2b6cb0"}
		tgt := series{Name: words["target"].In(lang), Color: "#c05621", Dashed: true}
		for _, c := range t.Dims[0].Codes {
			xs = append(xs, c.ID)
			if o, ok := cellOf(t, []string{c.ID}, "share"); ok && o.Published() {
				off.Points = append(off.Points, point{X: c.ID, Y: o.Value, Marked: o.Status == disclosure.Estimate})
			}
			if o, ok := cellOf(t, []string{c.ID}, "target_share"); ok && o.Published() {
				tgt.Points = append(tgt.Points, point{X: c.ID, Y: o.Value})
			}
		}
		out = append(out, template.HTML(lineChart(words["chartShare"].In(lang), xs, []series{off, tgt}, "%")))
	}
	if t := byName[TableSectorSizeYear]; t != nil {
		if y := lastPeriod(t); y != "" {
			out = append(out, template.HTML(barChart(words["chartVA"].In(lang)+", "+y, categoryBars(lang, t, y, "value_added"), "million MNT")))
		}
	}
	if t := byName[TableMarketEntry]; t != nil {
		if y := lastPeriod(t); y != "" {
			out = append(out, template.HTML(barChart(words["chartEntry"].In(lang)+", "+y, categoryBars(lang, t, y, "entries"), "companies")))
		}
	}
	return out
}

// categoryBars are the bars of one period of a two-dimensional table, the
// total left out.
func categoryBars(lang string, t *Table, period, measure string) []bar {
	var bars []bar
	for _, c := range t.Dims[1].Codes {
		if c.ID == divisionTotal {
			continue
		}
		o, ok := cellOf(t, []string{period, c.ID}, measure)
		if !ok {
			continue
		}
		b := bar{Label: c.Label.In(lang), Value: o.Value}
		if !o.Published() {
			b.Hidden = string(o.Status)
		}
		bars = append(bars, b)
	}
	return bars
}

// latestTable renders a table's latest period (every period of a table
// with no other dimension): a row per category, a column per measure,
// suppressed cells as their status letter.
func latestTable(lang string, t *Table) htmlTable {
	h := htmlTable{Title: t.Title.In(lang), Note: words["latest"].In(lang)}
	per := lastPeriod(t)
	if len(t.Dims) == 1 {
		per, h.Note = "", ""
	}
	for _, d := range t.Dims {
		h.Head = append(h.Head, d.Title.In(lang))
	}
	for _, m := range t.Measures {
		h.Head = append(h.Head, m.Title.In(lang)+" ("+m.Unit+")")
	}
	rows := map[string][]string{}
	var order []string
	for _, o := range t.Obs {
		if per != "" && o.Key[0] != per {
			continue
		}
		k := strings.Join(o.Key, "|")
		r, ok := rows[k]
		if !ok {
			for d, c := range o.Key {
				r = append(r, t.label(d, c).In(lang))
			}
			r = append(r, make([]string, len(t.Measures))...)
			order = append(order, k)
		}
		for i, m := range t.Measures {
			if m.ID != o.Measure {
				continue
			}
			switch {
			case o.Published():
				r[len(t.Dims)+i] = groupThousands(formatValue(o.Value, m.Decimals)) + statusSuffix(o.Status)
			case o.Missing:
				r[len(t.Dims)+i] = "..."
			default:
				r[len(t.Dims)+i] = string(o.Status)
			}
		}
		rows[k] = r
	}
	for _, k := range order {
		h.Rows = append(h.Rows, rows[k])
	}
	return h
}

func statusSuffix(s disclosure.Status) string {
	if s == "" {
		return ""
	}
	return " " + string(s)
}
