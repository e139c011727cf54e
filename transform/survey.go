package transform

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// Wave is the configuration of one survey wave: which fields are the
// questions, how a response's stratum is derived, and the population of
// each stratum for post-stratification.
type Wave struct {
	ID    string // wave id stored on every row, e.g. startup-2026
	Title string
	// Questions in the order their rows are written.
	Questions []Question
	// Strata names the fields whose answers, joined with "/", form a
	// response's stratum (e.g. isic_division, size_class gives "62/small").
	// A field is named by its path or its last segment, as a question.
	Strata []string
	// Population is the number of companies in each stratum; a response of
	// a stratum without a total is quarantined.
	Population map[string]int64
	// RegistryNo names the field holding the company's 7-digit registry
	// number; "" when the survey does not ask it.
	RegistryNo string
}

// StrataRows returns the wave's strata with their populations, as rows of
// survey_strata, sorted by stratum.
func (w *Wave) StrataRows() []ictstat.SurveyStratum {
	out := make([]ictstat.SurveyStratum, 0, len(w.Population))
	for s, n := range w.Population {
		out = append(out, ictstat.SurveyStratum{Wave: w.ID, Stratum: s, Population: n})
	}
	slices.SortFunc(out, func(a, b ictstat.SurveyStratum) int { return strings.Compare(a.Stratum, b.Stratum) })
	return out
}

// Question is one question of a wave.
type Question struct {
	Name    string   // field path (group_company/employees) or its last segment (employees)
	Label   string   // for people
	Type    string   // ictstat.QuestionSingle, QuestionMulti or QuestionNumeric
	Choices []Choice // single and multi: the choice list, in row order
}

// Choice is one choice of a choice question.
type Choice struct {
	Code  string // the XML value Kobo exports
	Label string
}

// Check names the first thing wrong with the wave.
func (w *Wave) Check() error {
	if w.ID == "" {
		return fmt.Errorf("wave: id is empty")
	}
	if len(w.Questions) == 0 {
		return fmt.Errorf("wave %s: no questions", w.ID)
	}
	if len(w.Strata) == 0 {
		return fmt.Errorf("wave %s: strata: name the fields that form a stratum", w.ID)
	}
	names := map[string]bool{}
	for i, q := range w.Questions {
		where := fmt.Sprintf("wave %s: questions[%d] %q", w.ID, i, q.Name)
		if q.Name == "" || strings.HasPrefix(q.Name, "/") || strings.HasSuffix(q.Name, "/") {
			return fmt.Errorf("%s: name: want a field path or its last segment", where)
		}
		if names[lastSegment(q.Name)] {
			return fmt.Errorf("%s: a second question named %s", where, lastSegment(q.Name))
		}
		names[lastSegment(q.Name)] = true
		switch q.Type {
		case ictstat.QuestionNumeric:
			if len(q.Choices) > 0 {
				return fmt.Errorf("%s: a numeric question has no choices", where)
			}
		case ictstat.QuestionSingle, ictstat.QuestionMulti:
			if len(q.Choices) == 0 {
				return fmt.Errorf("%s: a %s question needs its choices", where, q.Type)
			}
			codes := map[string]bool{}
			for _, c := range q.Choices {
				if c.Code == "" || strings.ContainsAny(c.Code, " \t/") || codes[c.Code] {
					return fmt.Errorf("%s: choice code %q: want a unique code without spaces or /", where, c.Code)
				}
				codes[c.Code] = true
			}
		default:
			return fmt.Errorf("%s: type %q: want single, multi or numeric", where, q.Type)
		}
	}
	for s, n := range w.Population {
		if n < 1 {
			return fmt.Errorf("wave %s: population of stratum %s is %d: want at least 1 company", w.ID, s, n)
		}
	}
	return nil
}

// SurveyResponses turns submissions into rows of survey_responses, in the
// order of the submissions and of the wave's questions. A submission that
// breaks a rule (no _uuid, an unreadable _submission_time, an unknown
// choice code, a number that is not a number, the two forms of a
// multi-select disagreeing, a stratum without a population total) is
// returned in bad with the reason, naming the field, and as raw text the
// canonical JSON of its fields and the wave id (SurveyRaw), which a
// quarantine replay reads back. When a _uuid appears
// twice, the later submission (by _submission_time, then by position)
// wins. source is stored on every row. The wave must pass Check.
func SurveyResponses(subs []ictstat.Submission, w *Wave, source string) (rows []ictstat.SurveyResponse, bad []ictstat.Quarantined) {
	type kept struct {
		at   int64
		rows []ictstat.SurveyResponse
	}
	byID := map[string]int{}
	var out []kept
	for i := range subs {
		s := &subs[i]
		r, reason := surveyResponse(s, w, source)
		if reason != "" {
			bad = append(bad, ictstat.Quarantined{Origin: s.Origin, Line: s.Line, Reason: reason, Raw: SurveyRaw(s.Fields, w.ID)})
			continue
		}
		id := r[0].ResponseID
		if j, ok := byID[id]; ok {
			if r[0].SubmittedAt >= out[j].at {
				out[j] = kept{r[0].SubmittedAt, r}
			}
			continue
		}
		byID[id] = len(out)
		out = append(out, kept{r[0].SubmittedAt, r})
	}
	n := 0
	for _, k := range out {
		n += len(k.rows)
	}
	rows = make([]ictstat.SurveyResponse, 0, n)
	for _, k := range out {
		rows = append(rows, k.rows...)
	}
	return rows, bad
}

// fieldIndex finds a submission's fields by path, by last segment, and by
// last two segments (the 0/1 column `barriers/finance` of a multi-select).
// When two paths share a short name, the one with fewer segments wins (a
// question `finance` over the 0/1 column `barriers/finance`), then the
// smaller path, so that the choice never depends on map order.
type fieldIndex struct {
	fields map[string]string
	short  map[string]shortField
}

type shortField struct {
	path, value string
	depth       int
}

func newFieldIndex(f map[string]string) fieldIndex {
	ix := fieldIndex{fields: f, short: make(map[string]shortField, 2*len(f))}
	add := func(key, path, v string, depth int) {
		if old, ok := ix.short[key]; ok && (old.depth < depth || old.depth == depth && old.path < path) {
			return
		}
		ix.short[key] = shortField{path, v, depth}
	}
	for p, v := range f {
		last := strings.LastIndexByte(p, '/')
		if last < 0 {
			continue
		}
		depth := strings.Count(p, "/")
		add(p[last+1:], p, v, depth)
		if prev := strings.LastIndexByte(p[:last], '/'); prev >= 0 {
			add(p[prev+1:], p, v, depth)
		}
	}
	return ix
}

// get returns the value of the field named as a question names it.
func (ix fieldIndex) get(name string) (string, bool) {
	if v, ok := ix.fields[name]; ok {
		return v, true
	}
	sf, ok := ix.short[name]
	return sf.value, ok
}

// surveyResponse checks one submission and returns its rows, or the reason
// it is refused.
func surveyResponse(s *ictstat.Submission, w *Wave, source string) ([]ictstat.SurveyResponse, string) {
	ix := newFieldIndex(s.Fields)
	uuid := strings.TrimSpace(s.Fields[ictstat.KoboUUID])
	if uuid == "" {
		return nil, "_uuid: missing; every submission needs its _uuid"
	}
	at, err := parseKoboTime(s.Fields[ictstat.KoboSubmissionTime])
	if err != nil {
		return nil, fmt.Sprintf("_submission_time: %v", err)
	}
	base := ictstat.SurveyResponse{Wave: w.ID, ResponseID: uuid, SubmittedAt: at.UnixMicro(), Source: source}
	n := 0
	for _, q := range w.Questions {
		n += max(len(q.Choices), 1)
	}
	// One allocation for the rows and one for their values.
	rows := make([]ictstat.SurveyResponse, 0, n)
	vals := make([]float64, n)
	for qi := range w.Questions {
		q := &w.Questions[qi]
		r := base
		r.Question, r.QuestionLabel, r.QuestionType = lastSegment(q.Name), q.Label, q.Type
		switch q.Type {
		case ictstat.QuestionNumeric:
			v, _ := ix.get(q.Name)
			if v = strings.TrimSpace(v); v != "" {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
					return nil, fmt.Sprintf("%s: %q is not a number", q.Name, clipRunes(v))
				}
				vals[len(rows)] = x
				r.Value = &vals[len(rows)]
			}
			rows = append(rows, r)
		default:
			chosen, answered, reason := choices(ix, q)
			if reason != "" {
				return nil, reason
			}
			for _, c := range q.Choices {
				r.Choice = c.Code
				r.Value = nil
				if answered {
					if chosen[c.Code] {
						vals[len(rows)] = 1
					}
					r.Value = &vals[len(rows)]
				}
				rows = append(rows, r)
			}
		}
	}
	// The stratum last, so that a wrong answer to a stratum question is
	// reported as such rather than as an unknown stratum.
	parts := make([]string, len(w.Strata))
	for i, name := range w.Strata {
		v, _ := ix.get(name)
		if v = strings.TrimSpace(v); v == "" {
			return nil, fmt.Sprintf("%s: unanswered, so the stratum is unknown", name)
		}
		parts[i] = v
	}
	stratum := strings.Join(parts, "/")
	pop, ok := w.Population[stratum]
	if !ok {
		return nil, fmt.Sprintf("stratum %q has no population total in wave %s: add it to the wave's population", clipRunes(stratum), w.ID)
	}
	reg := ""
	if w.RegistryNo != "" {
		reg, _ = ix.get(w.RegistryNo)
		reg = strings.TrimSpace(reg)
		if reg != "" && !ictstat.ValidRegistryNo(reg) {
			return nil, fmt.Sprintf("%s: %q is not a 7-digit registry number", w.RegistryNo, clipRunes(reg))
		}
	}
	for i := range rows {
		rows[i].Stratum, rows[i].StratumPopulation, rows[i].RegistryNo = stratum, pop, reg
	}
	return rows, ""
}

// choices returns the codes chosen for a choice question and whether it
// was answered. A multi-select may come as its space-separated field, as
// 0/1 fields per choice, or both, which must then agree.
func choices(ix fieldIndex, q *Question) (map[string]bool, bool, string) {
	known := make(map[string]bool, len(q.Choices))
	for _, c := range q.Choices {
		known[c.Code] = true
	}
	var listed map[string]bool
	if v, _ := ix.get(q.Name); strings.TrimSpace(v) != "" {
		codes := strings.Fields(v)
		if q.Type == ictstat.QuestionSingle && len(codes) > 1 {
			return nil, false, fmt.Sprintf("%s: %q holds several choices; the question is single choice", q.Name, clipRunes(v))
		}
		listed = make(map[string]bool, len(codes))
		for _, c := range codes {
			if !known[c] {
				return nil, false, fmt.Sprintf("%s: unknown choice code %q (known: %s)", q.Name, clipRunes(c), codeList(q))
			}
			listed[c] = true
		}
	}
	if q.Type == ictstat.QuestionSingle {
		return listed, listed != nil, ""
	}
	var flagged map[string]bool
	prefix := q.Name + "/"
	flag := func(code, v string) string {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "true":
			if !known[code] {
				return fmt.Sprintf("%s%s: unknown choice code %q (known: %s)", prefix, code, clipRunes(code), codeList(q))
			}
			if flagged == nil {
				flagged = map[string]bool{}
			}
			flagged[code] = true
		case "0", "false":
			if flagged == nil {
				flagged = map[string]bool{}
			}
		case "":
		default:
			return fmt.Sprintf("%s%s: %q is not 0 or 1", prefix, code, clipRunes(v))
		}
		return ""
	}
	for _, c := range q.Choices {
		if v, ok := ix.get(prefix + c.Code); ok {
			if reason := flag(c.Code, v); reason != "" {
				return nil, false, reason
			}
		}
	}
	// 0/1 fields of choices the wave does not list: chosen ones are unknown codes.
	for p, v := range ix.fields {
		parent, code := splitLast(p)
		if parent == "" || known[code] || (parent != q.Name && lastSegment(parent) != q.Name) {
			continue
		}
		if reason := flag(code, v); reason != "" {
			return nil, false, reason
		}
	}
	switch {
	case listed == nil && flagged == nil:
		return nil, false, ""
	case listed == nil:
		if len(flagged) > 0 {
			if _, hasList := ix.get(q.Name); hasList {
				return nil, false, fmt.Sprintf("%s: empty, but its 0/1 columns choose %s", q.Name, setText(flagged, q))
			}
		}
		return flagged, true, ""
	case flagged == nil:
		return listed, true, ""
	}
	for c := range known {
		if listed[c] != flagged[c] {
			return nil, false, fmt.Sprintf("%s: %q disagrees with its 0/1 columns, which choose %s", q.Name, setText(listed, q), setText(flagged, q))
		}
	}
	return listed, true, ""
}

// parseKoboTime reads a _submission_time: Kobo writes UTC without a zone
// (2026-03-01T10:20:30, sometimes with fractions); a zone, if given, is
// honoured.
func parseKoboTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, fmt.Errorf("missing")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			if t.Year() < 2000 || t.Year() > 2200 {
				break
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2026-03-01T10:20:30", clipRunes(v))
}

func lastSegment(p string) string {
	_, last := splitLast(p)
	return last
}

// splitLast splits a field path at its last "/".
func splitLast(p string) (parent, last string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// codeList lists a question's choice codes for a message.
func codeList(q *Question) string {
	codes := make([]string, len(q.Choices))
	for i, c := range q.Choices {
		codes[i] = c.Code
	}
	return strings.Join(codes, " ")
}

// setText lists the chosen codes in the wave's order, or "none".
func setText(set map[string]bool, q *Question) string {
	var codes []string
	for _, c := range q.Choices {
		if set[c.Code] {
			codes = append(codes, c.Code)
		}
	}
	if len(codes) == 0 {
		return "none"
	}
	return strings.Join(codes, " ")
}

// clipRunes cuts s to 40 characters, on a character boundary (Cyrillic is
// two bytes a letter).
func clipRunes(s string) string {
	if len([]rune(s)) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
