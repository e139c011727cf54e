package disclosure

// Stratum is one survey stratum's estimated total (the weighted sum of its
// respondents' answers) and how many respondents it rests on.
type Stratum struct {
	Code        string
	Respondents int
	Estimate    float64
}

// SurveyTable returns a Survey table of one dimension named dim: a cell per
// stratum and the total (code total, the sum of the strata's estimates, on
// every respondent), related by total = sum of strata. Protect it with rules
// whose SurveyMinN is the public floor (see Rules.WithSurveyMinN): a stratum
// below the floor is confidential and enough other cells are withheld that
// it cannot be recomputed from the total and the other strata. A stratum's
// mean, its total over a known population, shares the total's status.
func SurveyTable(name, dim, total string, strata []Stratum) *Table {
	t := &Table{Name: name, Dims: []Dim{{Name: dim, Total: total}}, Kind: Survey}
	sum, n := 0.0, 0
	rel := Relation{Total: len(strata)}
	for i, s := range strata {
		t.Cells = append(t.Cells, Cell{Key: []string{s.Code}, Value: s.Estimate, Companies: s.Respondents})
		rel.Parts = append(rel.Parts, i)
		sum += s.Estimate
		n += s.Respondents
	}
	t.Cells = append(t.Cells, Cell{Key: []string{total}, Value: sum, Companies: n})
	t.Relations = []Relation{rel}
	return t
}
