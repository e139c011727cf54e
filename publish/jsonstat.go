package publish

import (
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// jsonStatDataset is a JSON-stat 2.0 dataset.
type jsonStatDataset struct {
	Version   string                       `json:"version"`
	Class     string                       `json:"class"`
	Label     string                       `json:"label"`
	Source    string                       `json:"source"`
	Updated   string                       `json:"updated"`
	Note      []string                     `json:"note"`
	ID        []string                     `json:"id"`
	Size      []int                        `json:"size"`
	Role      map[string][]string          `json:"role"`
	Dimension map[string]jsonStatDimension `json:"dimension"`
	Value     []*float64                   `json:"value"`
	Status    map[string]string            `json:"status,omitempty"`
	Extension map[string]any               `json:"extension,omitempty"`
}

type jsonStatDimension struct {
	Label    string           `json:"label"`
	Category jsonStatCategory `json:"category"`
}

type jsonStatCategory struct {
	Index map[string]int          `json:"index"`
	Label map[string]string       `json:"label"`
	Unit  map[string]jsonStatUnit `json:"unit,omitempty"`
}

type jsonStatUnit struct {
	Label    string `json:"label"`
	Decimals int    `json:"decimals"`
}

// statusNotes explain the cell statuses in every artifact.
var statusNotes = []Text{
	{"C: confidential (primary suppression: too few companies or one or two dominate the cell)", "C: нууц (анхдагч нууцлал: аж ахуйн нэгж цөөн эсвэл нэг хоёр нь давамгайлсан)"},
	{"D: suppressed to protect a confidential cell (secondary suppression)", "D: нууц нүдийг хамгаалахаар нуусан (хоёрдогч нууцлал)"},
	{"P: provisional, may be revised", "P: урьдчилсан, засварлагдаж болно"},
	{"E: estimate or nowcast", "E: тооцоолсон үнэлгээ"},
}

// writeJSONStat writes a table as a JSON-stat 2.0 dataset: its dimensions,
// then measure (role metric); a dense value array with null for suppressed
// and missing cells, statuses as an object by position.
func writeJSONStat(w io.Writer, t *Table, lang string, updated time.Time) error {
	ds := jsonStatDataset{Version: "2.0", Class: "dataset", Label: t.Title.In(lang), Source: t.Source.In(lang),
		Updated: updated.UTC().Format(time.RFC3339), Dimension: map[string]jsonStatDimension{},
		Role: map[string][]string{"time": {"period"}, "metric": {"measure"}}}
	for _, n := range statusNotes {
		ds.Note = append(ds.Note, n.In(lang))
	}
	for _, d := range t.Dims {
		cat := jsonStatCategory{Index: map[string]int{}, Label: map[string]string{}}
		for i, c := range d.Codes {
			cat.Index[c.ID], cat.Label[c.ID] = i, c.Label.In(lang)
		}
		ds.ID, ds.Size = append(ds.ID, d.Name), append(ds.Size, len(d.Codes))
		ds.Dimension[d.Name] = jsonStatDimension{Label: d.Title.In(lang), Category: cat}
	}
	mc := jsonStatCategory{Index: map[string]int{}, Label: map[string]string{}, Unit: map[string]jsonStatUnit{}}
	for i, m := range t.Measures {
		mc.Index[m.ID], mc.Label[m.ID] = i, m.Title.In(lang)
		mc.Unit[m.ID] = jsonStatUnit{Label: m.Unit, Decimals: m.Decimals}
	}
	ds.ID, ds.Size = append(ds.ID, "measure"), append(ds.Size, len(t.Measures))
	ds.Dimension["measure"] = jsonStatDimension{Label: "Measure", Category: mc}
	positions := cubePositions(t)
	n := 1
	for _, s := range ds.Size {
		n *= s
	}
	ds.Value = make([]*float64, n)
	ds.Status = map[string]string{}
	for _, o := range t.Obs {
		p := positions(o)
		if p < 0 {
			continue
		}
		if o.Published() {
			v := roundTo(o.Value, t.measure(o.Measure).Decimals)
			ds.Value[p] = &v
		}
		if o.Status != "" {
			ds.Status[strconv.Itoa(p)] = string(o.Status)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(ds)
}

// roundTo rounds v to the published decimals, as the CSV prints it.
func roundTo(v float64, decimals int) float64 {
	r, _ := strconv.ParseFloat(formatValue(v, decimals), 64)
	return r
}

// cubePositions returns a function giving an observation's row-major
// position in the cube of the table's dimensions then measure (-1 when a
// code is not in its dimension).
func cubePositions(t *Table) func(Obs) int {
	idx := make([]map[string]int, len(t.Dims)+1)
	sizes := make([]int, len(t.Dims)+1)
	for d, dim := range t.Dims {
		idx[d] = map[string]int{}
		for i, c := range dim.Codes {
			idx[d][c.ID] = i
		}
		sizes[d] = len(dim.Codes)
	}
	last := len(t.Dims)
	idx[last] = map[string]int{}
	for i, m := range t.Measures {
		idx[last][m.ID] = i
	}
	sizes[last] = len(t.Measures)
	return func(o Obs) int {
		p := 0
		for d := range t.Dims {
			i, ok := idx[d][o.Key[d]]
			if !ok {
				return -1
			}
			p = p*sizes[d] + i
		}
		i, ok := idx[last][o.Measure]
		if !ok {
			return -1
		}
		return p*sizes[last] + i
	}
}
