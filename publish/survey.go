package publish

import (
	"context"
	"fmt"
	"strconv"

	"github.com/npit-mn/ictstat/disclosure"
)

// surveyQuestionsSQL lists the questions of the survey's latest wave.
const surveyQuestionsSQL = `SELECT DISTINCT question FROM survey_responses
WHERE wave = (SELECT wave FROM survey_responses ORDER BY submitted_at DESC LIMIT 1)
ORDER BY question`

// survey is the latest wave's headline estimates (every question) by
// stratum and for all strata, with 95% intervals. A stratum with fewer
// answers than Rules.SurveyMinN is suppressed (C), and when a group of strata
// then has exactly one suppressed stratum beside a published total, the
// published stratum with the fewest answers is suppressed too (D), so that
// no stratum's estimate follows from the total and the others.
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
	minN := strconv.Itoa(b.rules.SurveyMinN)
	for _, q := range qs {
		rows, err := b.named(ctx, "survey_estimates", map[string]string{"question": q.str(0), "min_n": minN},
			"wave", "question", "question_label", "choice", "stratum", "CAST(n AS DOUBLE)", "estimate", "ci_low", "ci_high")
		if err != nil {
			return nil, err
		}
		groups := map[string][]int{} // item -> its cells in t.Obs (estimate measure)
		for _, r := range rows {
			item := r.str(1)
			label := r.str(2)
			if r.str(3) != "" {
				item += "/" + r.str(3)
				label += ": " + r.str(3)
			}
			stratum := r.str(4)
			if stratum == "all" {
				stratum = divisionTotal
			}
			waves[r.str(0)], items[item], strata[stratum] = true, Text{label, label}, true
			key := []string{r.str(0), item, stratum}
			status := disclosure.Normal
			if int(r.num(5)) < b.rules.SurveyMinN || r.null(6) {
				status = disclosure.Confidential
				t.Audit = append(t.Audit, AuditEntry{Key: key, Measures: []string{"estimate", "ci_low", "ci_high"}, Status: "C", Rule: "survey_min_n", Value: r.num(6)})
			}
			groups[item] = append(groups[item], len(t.Obs))
			for i, m := range []string{"estimate", "ci_low", "ci_high"} {
				t.Obs = append(t.Obs, Obs{Key: key, Measure: m, Value: r.num(6 + i), Missing: r.null(6+i) && status == disclosure.Normal, Status: status})
			}
			t.Obs = append(t.Obs, Obs{Key: key, Measure: "respondents", Value: r.num(5)})
		}
		for _, cells := range groups {
			b.surveySecondary(t, cells)
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

// surveySecondary protects one item's strata: starts are the indexes of the
// first observation (4 per cell: 3 estimate measures, then respondents).
func (b *builder) surveySecondary(t *Table, starts []int) {
	var total = -1
	var hidden, shown []int
	for _, s := range starts {
		switch {
		case t.Obs[s].Key[2] == divisionTotal:
			total = s
		case t.Obs[s].Status == disclosure.Confidential:
			hidden = append(hidden, s)
		default:
			shown = append(shown, s)
		}
	}
	if len(hidden) != 1 || total < 0 || t.Obs[total].Status != disclosure.Normal {
		return
	}
	pick := total // no other stratum: the total alone would give the hidden one away
	for _, s := range shown {
		if pick == total || t.Obs[s+3].Value < t.Obs[pick+3].Value {
			pick = s
		}
	}
	for i := pick; i < pick+3; i++ {
		t.Obs[i].Status = disclosure.Secondary
	}
	t.Audit = append(t.Audit, AuditEntry{Key: t.Obs[pick].Key, Measures: []string{"estimate", "ci_low", "ci_high"}, Status: "D", Rule: "secondary",
		Value: t.Obs[pick].Value, Protects: [][]string{t.Obs[hidden[0]].Key}})
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
