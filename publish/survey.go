package publish

import (
	"context"
	"fmt"

	"github.com/npit-mn/ictstat/disclosure"
)

// surveyQuestionsSQL lists the questions of the survey's latest wave.
const surveyQuestionsSQL = `SELECT DISTINCT question FROM survey_responses
WHERE wave = (SELECT wave FROM survey_responses ORDER BY submitted_at DESC LIMIT 1)
ORDER BY question`

// survey is the latest wave's headline estimates (every question and
// choice) by stratum and for all strata, with 95% intervals and the
// respondents. A stratum with fewer respondents than Rules.SurveyMinN is
// confidential (C), and disclosure control withholds further strata or the
// total (D) so that no stratum's estimated total (estimate x population)
// follows from the total and the other strata.
func (b *builder) survey(ctx context.Context) (*Table, error) {
	qs, err := queryRows(ctx, b.q, b.snap, surveyQuestionsSQL)
	if err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	t := &Table{Name: TableSurvey,
		Title:  Text{"ICT company survey: headline estimates", "МХХТ-ийн аж ахуйн нэгжийн судалгаа: гол үзүүлэлтүүд"},
		Source: Text{"Survey of virtual-zone companies (KoboToolbox), weighted to the register", "Виртуал бүсийн аж ахуйн нэгжийн судалгаа (KoboToolbox), жигнэсэн"},
		Measures: []Measure{
			{ID: "estimate", Title: Text{"Estimate (share 0-1 or mean)", "Үнэлгээ (хувь 0-1 эсвэл дундаж)"}, Unit: "share or question unit", Decimals: 3},
			{ID: "ci_low", Title: Text{"95% interval, lower", "95% итгэх завсрын доод хязгаар"}, Unit: "share or question unit", Decimals: 3},
			{ID: "ci_high", Title: Text{"95% interval, upper", "95% итгэх завсрын дээд хязгаар"}, Unit: "share or question unit", Decimals: 3},
			{ID: "respondents", Title: Text{"Respondents", "Хариулагч"}, Unit: "responses"},
		}}
	waves, items, strata := map[string]bool{}, map[string]Text{}, map[string]bool{}
	for _, q := range qs {
		// min_n=1: every stratum's figures, which disclosure control then withholds.
		rows, err := b.named(ctx, "survey_estimates", map[string]string{"question": q.str(0), "min_n": "1"},
			"wave", "question", "question_label", "choice", "stratum", "CAST(n AS DOUBLE)", "estimate", "ci_low", "ci_high",
			"CAST(population AS DOUBLE)")
		if err != nil {
			return nil, err
		}
		type item struct {
			rows   []row
			strata []disclosure.Stratum
		}
		byItem := map[string]*item{}
		var order []string
		for _, r := range rows {
			code := r.str(1)
			label := r.str(2)
			if r.str(3) != "" {
				code += "/" + r.str(3)
				label += ": " + r.str(3)
			}
			waves[r.str(0)], items[code] = true, Text{label, label}
			it := byItem[code]
			if it == nil {
				it = &item{}
				byItem[code] = it
				order = append(order, code)
			}
			it.rows = append(it.rows, r)
			if r.str(4) != "all" {
				it.strata = append(it.strata, disclosure.Stratum{Code: r.str(4), Respondents: int(r.num(5)), Estimate: r.num(6) * r.num(9)})
			}
		}
		for _, code := range order {
			it := byItem[code]
			dt := disclosure.SurveyTable(TableSurvey+" "+code, "stratum", "all", it.strata)
			if _, err := disclosure.Protect(dt, b.rules); err != nil {
				return nil, fmt.Errorf("survey %s: disclosure control: %w", code, err)
			}
			t.Protected = append(t.Protected, dt)
			for _, r := range it.rows {
				stratum := r.str(4)
				ci := dt.Find(stratum)
				status := disclosure.Normal
				if ci >= 0 {
					status = dt.Cells[ci].Status
				}
				if stratum == "all" {
					stratum = divisionTotal
				}
				strata[stratum] = true
				key := []string{r.str(0), code, stratum}
				if status.Suppressed() {
					a := auditOf(dt, ci, []string{"estimate", "ci_low", "ci_high"})
					a.Key, a.Value = key, r.num(6)
					for j := range a.Protects {
						a.Protects[j] = []string{r.str(0), code, a.Protects[j][0]}
					}
					t.Audit = append(t.Audit, a)
				}
				for i, m := range []string{"estimate", "ci_low", "ci_high"} {
					t.Obs = append(t.Obs, Obs{Key: key, Measure: m, Value: r.num(6 + i), Missing: r.null(6 + i), Status: status})
				}
				t.Obs = append(t.Obs, Obs{Key: key, Measure: "respondents", Value: r.num(5)})
			}
		}
	}
	per := Dim{Name: "period", Title: Text{"Survey wave", "Судалгааны давалгаа"}}
	for _, w := range sortedKeys(waves) {
		per.Codes = append(per.Codes, Code{ID: w, Label: Text{w, w}})
	}
	it := Dim{Name: "item", Title: Text{"Question and choice", "Асуулт ба хариулт"}}
	for _, k := range sortedKeys(keysOf(items)) {
		it.Codes = append(it.Codes, Code{ID: k, Label: items[k]})
	}
	st := Dim{Name: "stratum", Title: Text{"Stratum", "Давхарга"}}
	for _, s := range sortedDivisions(strata) {
		l := Text{s, s}
		if s == divisionTotal {
			l = Text{"All strata", "Бүх давхарга"}
		}
		st.Codes = append(st.Codes, Code{ID: s, Label: l})
	}
	t.Dims = []Dim{per, it, st}
	t.sortObs()
	return t, nil
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
