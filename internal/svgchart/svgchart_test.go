package svgchart_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/internal/svgchart"
)

// node is a generic XML element, read back with encoding/xml: an
// independent reader of the markup the charts write.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) find(pred func(node) bool) []node {
	var out []node
	if pred(n) {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.find(pred)...)
	}
	return out
}

func parse(t *testing.T, render func(*bytes.Buffer) error) node {
	t.Helper()
	var b bytes.Buffer
	if err := render(&b); err != nil {
		t.Fatal(err)
	}
	var root node
	if err := xml.Unmarshal(b.Bytes(), &root); err != nil {
		t.Fatalf("not well-formed SVG: %v\n%s", err, b.String())
	}
	return root
}

func class(c string) func(node) bool {
	return func(n node) bool { return strings.Contains(" "+n.attr("class")+" ", " "+c+" ") }
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 5, []float64{0, 2, 4, 6}},
		{0, 1, []float64{0, 0.5, 1}},
		{1.2, 4.9, []float64{1, 2, 3, 4, 5}},
		{-3, 7, []float64{-5, 0, 5, 10}},
		{0, 0.3, []float64{0, 0.1, 0.2, 0.3}},
		{2, 2, []float64{2, 2.5, 3}},
		{0, 1234567, []float64{0, 500000, 1000000, 1500000}},
	} {
		if got := svgchart.Ticks(tc.lo, tc.hi, 5); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Ticks(%g, %g): got %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestLine(t *testing.T) {
	nan := math.NaN()
	c := svgchart.Line{Chart: svgchart.Chart{ID: "share", Title: "ICT share <of> GDP", Desc: "Official & nowcast",
		Labels: []string{"2022", "2023", "2024", "2025", "2026"}, Width: 520, Height: 300, ZeroBase: true,
		Series: []svgchart.Series{
			{Name: "official", Values: []float64{1.5, 1.6, 1.7, nan, nan}},
			{Name: "nowcast", Values: []float64{nan, nan, 1.7, 1.9, 2.0}, Low: []float64{nan, nan, nan, 1.8, 1.8}, High: []float64{nan, nan, nan, 2.0, 2.2},
				Marked: []bool{false, false, false, true, true}},
			{Name: "target", Values: []float64{nan, nan, 1.7, 2.0, 2.4}, Dashed: true},
		}}}
	root := parse(t, func(b *bytes.Buffer) error { return c.Render(b) })
	if root.XMLName.Local != "svg" || root.attr("role") != "img" || root.attr("aria-labelledby") != "share-t share-d" {
		t.Fatalf("got root %s role %q labelledby %q", root.XMLName.Local, root.attr("role"), root.attr("aria-labelledby"))
	}
	titles := root.find(func(n node) bool { return n.XMLName.Local == "title" && n.attr("id") == "share-t" })
	if len(titles) != 1 || titles[0].Text != "ICT share <of> GDP" {
		t.Errorf("got titles %v, want the escaped title read back", titles)
	}
	if got := len(root.find(class("point"))); got != 3+3 {
		t.Errorf("got %d points, want 6 (3 official, 3 nowcast; the dashed path has none)", got)
	}
	if got := len(root.find(class("marked"))); got != 2 {
		t.Errorf("got %d marked points, want the 2 nowcast years", got)
	}
	if got := len(root.find(class("band"))); got != 1 {
		t.Errorf("got %d bands, want 1 polygon over 2025..2026", got)
	}
	lines := root.find(class("series"))
	if len(lines) != 3 {
		t.Fatalf("got %d polylines, want 3", len(lines))
	}
	// Ticks 0..3 (step 1: 0.5 is under (2.4-0)/4); the plot runs from y=44
	// (value 3) to y=266 (value 0), 74 a unit, and x from 64+10 to
	// 520-12-10 in 4 steps of 106.
	if got, want := lines[0].attr("points"), "74,155 180,147.6 286,140.2"; got != want {
		t.Errorf("official points: got %q, want %q", got, want)
	}
	pts := root.find(class("point"))
	if got := pts[0].Nodes[0].Text; got != "official 2022: 1.5" {
		t.Errorf("got point tooltip %q", got)
	}
}

func TestBar(t *testing.T) {
	c := svgchart.Bar{Chart: svgchart.Chart{ID: "b", Title: "t", Desc: "d", Labels: []string{"A", "B"}, Width: 264, Height: 300,
		Series: []svgchart.Series{{Name: "x", Values: []float64{10, -5}}, {Name: "y", Values: []float64{math.NaN(), 20}}},
		Format: func(v float64) string { return "#" }}}
	root := parse(t, func(b *bytes.Buffer) error { return c.Render(b) })
	bars := root.find(class("bar"))
	if len(bars) != 3 {
		t.Fatalf("got %d bars, want 3 (the NaN drawn as nothing)", len(bars))
	}
	// Ticks -10..20 step 10 over y 44..266: value 0 at y 192, 10 per 74.
	for i, want := range [][2]string{{"118", "74"}, {"192", "37"}, {"44", "148"}} {
		if got := [2]string{bars[i].attr("y"), bars[i].attr("height")}; got != want {
			t.Errorf("bar %d: got y,height %v, want %v", i, got, want)
		}
	}
}

// TestLabels checks that a bar chart shows every category label, turned
// when they do not fit side by side, and that a line chart thins its
// period labels, keeping the newest.
func TestLabels(t *testing.T) {
	long := []string{"Southeast Asia", "Central Asia", "Middle East", "Europe", "Americas", "Oceania", "Africa", "East Asia"}
	texts := func(root node) []node {
		return root.find(func(n node) bool {
			return n.XMLName.Local == "text" && (n.attr("transform") != "" || n.attr("text-anchor") == "middle")
		})
	}
	ch := svgchart.Chart{ID: "l", Title: "t", Desc: "d", Labels: long, Series: []svgchart.Series{{Name: "s", Values: make([]float64, len(long))}}}
	bars := parse(t, func(b *bytes.Buffer) error { return svgchart.Bar{Chart: ch}.Render(b) })
	var got []string
	for _, n := range texts(bars) {
		if n.attr("transform") != "" {
			got = append(got, n.Text)
		}
	}
	if !reflect.DeepEqual(got, long) {
		t.Errorf("bar labels: got turned %v, want all of %v", got, long)
	}
	years := make([]string, 26)
	for i := range years {
		years[i] = fmt.Sprint(2001 + i)
	}
	ch.Labels, ch.Series = years, []svgchart.Series{{Name: "s", Values: make([]float64, len(years))}}
	lines := parse(t, func(b *bytes.Buffer) error { return svgchart.Line{Chart: ch}.Render(b) })
	got = nil
	for _, n := range texts(lines) {
		if n.attr("text-anchor") == "middle" {
			got = append(got, n.Text)
		}
	}
	if len(got) < 5 || len(got) >= 26 || got[len(got)-1] != "2026" {
		t.Errorf("line labels: got %v, want some, thinned, ending with 2026", got)
	}
}
