package simulate

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// saltSurvey separates the survey's random streams from the filings'.
const saltSurvey = 0x7375727665792121

// SurveyOptions configures the synthetic startup-ecosystem survey of a World.
// The zero value is the default.
type SurveyOptions struct {
	// Responses is the number of submissions; default 400. Up to the number
	// of companies active at the end period each comes from a different
	// company; beyond it, companies answer more than once (for benchmarks).
	Responses int
}

// Survey size classes by employees at the end period: micro 1-9, small
// 10-49, medium 50-249, large 250 and more.
var sizeClasses = []struct {
	code, label string
	min         int
}{
	{"micro", "Бичил / micro (1-9)", 1},
	{"small", "Жижиг / small (10-49)", 10},
	{"medium", "Дунд / medium (50-249)", 50},
	{"large", "Том / large (250+)", 250},
}

// surveyBarriers are the choices of main_barrier and barriers.
var surveyBarriers = [][2]string{
	{"finance", "Санхүүжилт / access to finance"},
	{"talent", "Хүний нөөц / skilled staff"},
	{"market_access", "Зах зээлд нэвтрэх / market access"},
	{"regulation", "Хууль, зохицуулалт / regulation"},
	{"infrastructure", "Дэд бүтэц / infrastructure"},
}

// surveyRegions are the choices of markets_planned.
var surveyRegions = [][2]string{
	{"central_asia", "Төв Ази / Central Asia"},
	{"east_asia", "Зүүн Ази / East Asia"},
	{"southeast_asia", "Зүүн өмнөд Ази / Southeast Asia"},
	{"europe", "Европ / Europe"},
	{"americas", "Америк / Americas"},
	{"none", "Төлөвлөөгүй / no plans"},
}

// surveyComments are free-text answers in Mongolian.
var surveyComments = []string{
	"", "", "",
	"Санхүүжилт олоход хэцүү байна",
	"Мэргэжилтэй инженер дутагдаж байна",
	"Гадаад зах зээлд гарах дэмжлэг хэрэгтэй",
	"Татварын хөнгөлөлт үр дүнтэй байна",
	"Интернэтийн хурд, үнэ асуудал хэвээр",
	"Хиймэл оюун ухааны төсөл эхлүүлсэн",
}

// respondent is one simulated submission.
type respondent struct {
	c          *company
	uuid       string
	id         int64
	submitted  time.Time
	division   string
	size       string
	employees  float64 // NaN: unanswered
	main       string
	barriers   []string // nil: unanswered
	exporting  bool
	planned    []string
	growth     float64 // NaN: unanswered
	ai         bool
	comment    string
	startedAt  time.Time
	finishedAt time.Time
}

// surveyDay returns the reference day of the survey's population: the last
// day of the world's end period.
func (w *World) surveyDay() time.Time {
	y, m := yearMonth(w.end + 1)
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}

// surveyActive returns the companies registered and not deregistered at
// the end of the end period, in registry order.
func (w *World) surveyActive() []*company {
	var out []*company
	for i := range w.cs {
		if c := &w.cs[i]; c.reg <= w.end && c.dereg > w.end {
			out = append(out, c)
		}
	}
	return out
}

// surveyEmployees is the company's head count at the end period, without
// the month's noise: the size class of the stratum.
func (w *World) surveyEmployees(c *company) float64 {
	age := w.end - c.reg
	growth := c.growth * (float64(min(max(age, 0), ageCapMonths)) - 36)
	if age < 6 {
		growth -= 0.4 * float64(6-age) / 6
	}
	return max(1, math.Round(c.emp0*math.Exp(0.8*growth)))
}

func sizeClass(emp float64) string {
	code := sizeClasses[0].code
	for _, s := range sizeClasses {
		if emp >= float64(s.min) {
			code = s.code
		}
	}
	return code
}

// SurveyPopulation returns the number of companies active on the survey's
// reference day (the last day of the end period) by stratum
// "{ISIC division}/{size class}", and that day.
func (w *World) SurveyPopulation() (map[string]int64, time.Time) {
	pop := map[string]int64{}
	for _, c := range w.surveyActive() {
		pop[c.ISIC4[:2]+"/"+sizeClass(w.surveyEmployees(c))]++
	}
	return pop, w.surveyDay()
}

// respondents draws the submissions of the survey.
func (w *World) respondents(o SurveyOptions) []respondent {
	n := o.Responses
	if n <= 0 {
		n = 400
	}
	active := w.surveyActive()
	if len(active) == 0 {
		return nil
	}
	s := newStream()
	s.reset(w.opts.Seed, saltSurvey, math.MaxUint32, 0)
	pick := make([]*company, n)
	if n <= len(active) {
		perm := append([]*company(nil), active...)
		for i := range n {
			j := i + s.IntN(len(perm)-i)
			perm[i], perm[j] = perm[j], perm[i]
		}
		copy(pick, perm[:n])
	} else {
		for i := range pick {
			pick[i] = active[s.IntN(len(active))]
		}
	}
	y, m := yearMonth(w.end + 1)
	fieldStart := time.Date(y, time.Month(m), 1, 1, 0, 0, 0, time.UTC)
	out := make([]respondent, n)
	for i, c := range pick {
		s.reset(w.opts.Seed, saltSurvey, uint64(i), 1)
		r := &out[i]
		r.c = c
		h1, h2 := hash3(w.opts.Seed, saltSurvey, uint64(i), 2), hash3(w.opts.Seed, saltSurvey, uint64(i), 3)
		r.uuid = fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(h1>>32), uint16(h1>>16), uint16(h1)&0xfff,
			0x8000|uint16(h2>>48)&0x3fff, h2&0xffffffffffff)
		r.id = 310_000_000 + int64(i)
		r.startedAt = fieldStart.Add(time.Duration(s.Int64N(int64(27 * 24 * time.Hour))))
		r.finishedAt = r.startedAt.Add(time.Duration(4+s.IntN(20)) * time.Minute)
		r.submitted = r.finishedAt.Add(time.Duration(s.IntN(3600)) * time.Second).Truncate(time.Second)
		emp := w.surveyEmployees(c)
		r.division, r.size = c.ISIC4[:2], sizeClass(emp)
		r.employees = emp
		if s.chance(0.04) {
			r.employees = math.NaN()
		}
		// Barriers: startups and small firms name finance; larger ones
		// talent and regulation; exporters market access less often.
		exp := 0
		for _, mk := range c.markets {
			if mk.entry <= w.end {
				exp++
			}
		}
		r.exporting = exp > 0
		weights := []float64{3, 2.5, 2, 1.2, 1}
		if c.Startup {
			weights[0] += 2
		}
		if emp >= 50 {
			weights[1] += 1.5
			weights[3] += 1
		}
		if r.exporting {
			weights[2] -= 1
		}
		r.main = surveyBarriers[s.weighted(weights)][0]
		if !s.chance(0.02) {
			r.barriers = []string{}
			for _, b := range surveyBarriers {
				if b[0] == r.main || s.chance(0.3) {
					r.barriers = append(r.barriers, b[0])
				}
			}
		}
		r.planned = []string{}
		for k, reg := range surveyRegions[:5] {
			p := []float64{0.35, 0.3, 0.15, 0.1, 0.1}[k]
			if r.exporting {
				p *= 1.6
			}
			if s.chance(p) {
				r.planned = append(r.planned, reg[0])
			}
		}
		if len(r.planned) == 0 {
			r.planned = []string{"none"}
		}
		r.growth = math.Round((5+100*c.growth*12+8*s.NormFloat64())*10) / 10
		if s.chance(0.1) {
			r.growth = math.NaN()
		}
		r.ai = c.AI
		r.comment = surveyComments[s.IntN(len(surveyComments))]
	}
	return out
}

// surveyColumns are the field paths of the CSV export, in order, before
// the 0/1 columns of the multi-selects are spread in.
const (
	pathReg      = "group_company/registry_no"
	pathName     = "group_company/company_name"
	pathDivision = "group_company/isic_division"
	pathSize     = "group_company/size_class"
	pathEmp      = "group_company/employees"
	pathMain     = "group_barriers/main_barrier"
	pathBarriers = "group_barriers/barriers"
	pathExport   = "group_markets/exporting"
	pathPlanned  = "group_markets/markets_planned"
	pathGrowth   = "group_outlook/revenue_growth"
	pathAI       = "group_outlook/uses_ai"
	pathComment  = "group_outlook/comment"
)

// fields returns the respondent's answers by field path, "" unanswered.
func (r *respondent) fields() map[string]string {
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	num := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	f := map[string]string{
		"start": r.startedAt.Format("2006-01-02T15:04:05.000Z07:00"), "end": r.finishedAt.Format("2006-01-02T15:04:05.000Z07:00"),
		pathReg: r.c.RegistryNo, pathName: r.c.Name, pathDivision: r.division, pathSize: r.size,
		pathEmp: num(r.employees), pathMain: r.main, pathBarriers: strings.Join(r.barriers, " "),
		pathExport: yn(r.exporting), pathPlanned: strings.Join(r.planned, " "), pathGrowth: num(r.growth),
		pathAI: yn(r.ai), pathComment: r.comment,
		"_id": strconv.FormatInt(r.id, 10), "_uuid": r.uuid, "_submission_time": r.submitted.Format("2006-01-02T15:04:05"),
	}
	return f
}

// surveyHeader is the CSV header: Kobo puts each multi-select's 0/1
// columns right after its space-separated column, and the metadata last.
func surveyHeader() []string {
	h := []string{"start", "end", pathReg, pathName, pathDivision, pathSize, pathEmp, pathMain, pathBarriers}
	for _, b := range surveyBarriers {
		h = append(h, pathBarriers+"/"+b[0])
	}
	h = append(h, pathExport, pathPlanned)
	for _, g := range surveyRegions {
		h = append(h, pathPlanned+"/"+g[0])
	}
	return append(h, pathGrowth, pathAI, pathComment,
		"_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index")
}

// WriteSurveyCSV writes the synthetic startup-ecosystem survey as a
// KoboToolbox CSV export: UTF-8 with a BOM, `;` between fields, group
// paths in the header, each multi-select both as its space-separated column
// and as 0/1 columns per choice (empty when unanswered), the metadata
// columns last. Every figure is synthetic.
func (w *World) WriteSurveyCSV(out io.Writer, o SurveyOptions) error {
	header := surveyHeader()
	var b strings.Builder
	b.WriteString("\ufeff")
	for i, h := range header {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(`"` + h + `"`)
	}
	b.WriteByte('\n')
	for i, r := range w.respondents(o) {
		f := r.fields()
		chosen := func(list []string, code string) string {
			if list == nil {
				return ""
			}
			for _, c := range list {
				if c == code {
					return "1"
				}
			}
			return "0"
		}
		f["_validation_status"], f["_status"], f["__version__"], f["_tags"] = "", "submitted_via_web", "vSyNtHeTiC2026", ""
		f["_index"] = strconv.Itoa(i + 1)
		for _, bc := range surveyBarriers {
			f[pathBarriers+"/"+bc[0]] = chosen(r.barriers, bc[0])
		}
		for _, g := range surveyRegions {
			f[pathPlanned+"/"+g[0]] = chosen(r.planned, g[0])
		}
		for k, h := range header {
			if k > 0 {
				b.WriteByte(';')
			}
			v := f[h]
			if strings.ContainsAny(v, ";\"\n\r") {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			b.WriteString(v)
		}
		b.WriteByte('\n')
		if b.Len() > 1<<20 {
			if _, err := io.WriteString(out, b.String()); err != nil {
				return fmt.Errorf("simulate: write survey CSV: %w", err)
			}
			b.Reset()
		}
	}
	if _, err := io.WriteString(out, b.String()); err != nil {
		return fmt.Errorf("simulate: write survey CSV: %w", err)
	}
	return nil
}

// WriteSurveyJSON writes the same submissions as WriteSurveyCSV as one page
// of the KoboToolbox API v2 data endpoint, `{"count", "next": null,
// "previous": null, "results": [...]}`, one submission a line: field paths
// as keys, multi-selects as space-separated strings, unanswered questions
// left out, as Kobo does. Every figure is synthetic.
func (w *World) WriteSurveyJSON(out io.Writer, o SurveyOptions) error {
	rs := w.respondents(o)
	var b strings.Builder
	fmt.Fprintf(&b, "{\"count\": %d, \"next\": null, \"previous\": null, \"results\": [\n", len(rs))
	for i, r := range rs {
		f := r.fields()
		keys := make([]string, 0, len(f))
		for k, v := range f {
			if v != "" && k != "_id" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		b.WriteString(`{"_id": ` + f["_id"])
		for _, k := range keys {
			kj, _ := json.Marshal(k)
			vj, _ := json.Marshal(f[k])
			b.WriteString(", " + string(kj) + ": " + string(vj))
		}
		b.WriteString(`, "_status": "submitted_via_web", "_attachments": [], "_geolocation": [null, null], "formhub/uuid": "5ynth371c0000000000000000000000", "meta/instanceID": "uuid:` + r.uuid + `"}`)
		if i < len(rs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	if _, err := io.WriteString(out, b.String()); err != nil {
		return fmt.Errorf("simulate: write survey JSON: %w", err)
	}
	return nil
}
