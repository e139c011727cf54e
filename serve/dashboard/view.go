package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// pageView is what page.html draws.
type pageView struct {
	l          *lang
	Lang       string
	SwitchURL  string
	SwitchLang string
	Snapshot   int64
	Panels     []*panel
}

// T translates a message key.
func (p *pageView) T(key string) string { return p.l.t(key) }

// panel is one section of the page.
type panel struct {
	ID, Title string
	Meta      []field // period, unit, source, status
	Heads     []headline
	Controls  []control
	Figures   []figure
	Tables    []tableView // tables without a chart
	Notes     []string
	Links     []Link
	Empty     string // set when the snapshot has no data for the panel
}

// field is a labelled value of a panel's description.
type field struct{ Label, Value string }

// control is a link that changes the page's state.
type control struct {
	Label, URL string
	Current    bool
}

// headline is a number shown large. Its data-* attributes name the API
// answer it comes from (query, parameters with the snapshot, column, the
// row's key columns and the scale of the shown number), so that a test
// can check the figure on screen against the API.
type headline struct {
	Label, Value, Unit string
	Query, Params      string
	Col, Key           string
	Scale              string
}

// figure is a chart with its data table.
type figure struct {
	SVG   template.HTML
	Table tableView
}

// tableView is a data table.
type tableView struct {
	Caption string
	Head    []string
	Rows    [][]cellView
}

// cellView is one cell; Num aligns it right.
type cellView struct {
	Text string
	Num  bool
}

func textCell(s string) cellView { return cellView{Text: s} }
func numCell(s string) cellView  { return cellView{Text: s, Num: true} }

// hidden is the mark of a confidential figure.
const hidden = "x"

// table is a Table with columns found by name.
type table struct {
	*Table
	idx map[string]int
}

func wrap(t *Table) table {
	idx := map[string]int{}
	for i, c := range t.Columns {
		idx[c] = i
	}
	return table{t, idx}
}

// f returns a numeric cell, NaN for NULL, a missing column or no row.
func (t table) f(r []any, col string) float64 {
	i, ok := t.idx[col]
	if !ok || i >= len(r) || r[i] == nil {
		return math.NaN()
	}
	switch v := r[i].(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err == nil {
			return f
		}
	}
	return math.NaN()
}

// s returns a text cell, "" for NULL, a missing column or no row.
func (t table) s(r []any, col string) string {
	i, ok := t.idx[col]
	if !ok || i >= len(r) || r[i] == nil {
		return ""
	}
	if s, ok := r[i].(string); ok {
		return s
	}
	return fmt.Sprint(r[i])
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apiLinks are the CSV and XLSX links of an analytic for the snapshot,
// labelled with the analytic and the parameters that tell a panel's links
// apart (the others are codes, such as USD, that the Mongolian page would
// show untranslated).
func apiLinks(l *lang, name string, params map[string]string, snap int64) []Link {
	label := name
	var ps []string
	for _, k := range sortedKeys(params) {
		if k == "subsector" || k == "by" || k == "question" {
			ps = append(ps, k+"="+params[k])
		}
	}
	if len(ps) > 0 {
		label += " (" + strings.Join(ps, ", ") + ")"
	}
	return []Link{
		{l.t("csv") + " · " + label, apiURL(name, params, snap, "csv")},
		{l.t("xlsx") + " · " + label, apiURL(name, params, snap, "xlsx")},
	}
}

func apiURL(name string, params map[string]string, snap int64, format string) string {
	return "/api/v1/queries/" + name + "?" + apiParams(params, snap, format)
}

func apiParams(params map[string]string, snap int64, format string) string {
	v := url.Values{}
	for k, p := range params {
		v.Set(k, p)
	}
	v.Set("snapshot", strconv.FormatInt(snap, 10))
	if format != "" {
		v.Set("format", format)
	}
	return v.Encode()
}

// head makes a headline of value v from analytic name's column col in the
// row keyed by key ("col=value&..."), shown with dec decimals, or in
// thousands/millions/billions when scale is set.
func head(l *lang, label string, v float64, dec int, scale bool, unit, name string, params map[string]string, snap int64, col, key string) headline {
	h := headline{Label: label, Unit: unit, Query: name, Params: apiParams(params, snap, "json"), Col: col, Key: key, Scale: "1"}
	switch {
	case math.IsNaN(v):
		h.Value = hidden
	case scale:
		text, factor, word := l.scaled(v)
		h.Value, h.Scale = text, strconv.FormatFloat(factor, 'f', -1, 64)
		if word != "" {
			h.Unit = word + " " + unit
		}
	default:
		h.Value = l.num(v, dec)
	}
	return h
}

// svg renders a chart (its Render method) into the page.
func svg(render func(io.Writer) error) (template.HTML, error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // svgchart escapes every text it writes
}
