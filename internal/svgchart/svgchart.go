// Package svgchart draws small, accessible SVG charts on the server: line
// charts with an interval band, a dashed target path and marked (nowcast)
// points, and grouped bar charts. The output is self-contained SVG markup
// (no script, no external font or stylesheet) with a <title> and <desc> for
// screen readers, sized by its viewBox so that it shrinks to a phone's width.
//
// Charts take their numbers as given; a NaN value is a gap (a missing or
// suppressed figure), drawn as nothing.
package svgchart

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Colour returns the default colour of the i-th series: the Okabe-Ito
// palette, darkened where needed so that each has a contrast of at least
// 3:1 against white (WCAG 2.1, non-text contrast), and told apart by readers
// with the common colour-vision deficiencies.
func Colour(i int) string {
	palette := [...]string{"#0072B2", "#C34A00", "#00795C", "#8E4585", "#5A5A5A", "#946000", "#1A1A1A", "#B8336A"}
	return palette[i%len(palette)]
}

// Series is one line or one set of bars.
type Series struct {
	Name   string
	Values []float64 // one per label; NaN for a gap
	// Low and High, when set (same length as Values), draw an interval band
	// around a line (NaN: no band at that label).
	Low, High []float64
	// Marked, when set, draws the point at each true label hollow: an
	// estimate (nowcast) rather than an official figure.
	Marked []bool
	// Dashed draws the line dashed, as a path or target rather than data.
	Dashed bool
	Colour string // default Colour(index)
}

// Chart is what a line and a bar chart share.
type Chart struct {
	ID     string   // prefix of element ids, unique in the page (the title's id is ID+"-t")
	Title  string   // the accessible name, also drawn above the plot
	Desc   string   // the text alternative: what the chart shows and its main message
	Labels []string // the x categories (periods), in order
	Series []Series
	// YLabel names the unit of the y axis, drawn at its top.
	YLabel string
	// Format writes a y value as a tick label; default %g.
	Format func(float64) string
	// Width and Height of the viewBox in user units; default 480 x 280,
	// which keeps the text legible when a phone shrinks the chart.
	Width, Height int
	// ZeroBase starts the y axis at zero even when every value is above it.
	ZeroBase bool
}

// Line is a line chart.
type Line struct{ Chart }

// Bar is a grouped bar chart: one group per label, one bar per series.
type Bar struct{ Chart }

const (
	padLeft   = 64
	padRight  = 12
	padTop    = 44
	padBottom = 34
	legendRow = 18
	fontSize  = 13
	charWidth = 8 // a generous average advance of a character at fontSize, Cyrillic included
)

type frame struct {
	c          *Chart
	w, h       float64
	x0, x1     float64 // plot area, user units
	y0, y1     float64 // y1 is the top
	lo, hi     float64 // value range
	ticks      []float64
	legendRows int
	every      int  // label every this many categories
	stagger    bool // labels on two rows, alternately
	rotate     bool // labels turned 40 degrees, when every label must show
}

// frame lays out the chart; allLabels keeps every category label (bars),
// where a line chart may thin them (periods).
func (c *Chart) frame(bands, allLabels bool) *frame {
	f := &frame{c: c, w: float64(c.Width), h: float64(c.Height)}
	if f.w <= 0 {
		f.w = 480
	}
	if f.h <= 0 {
		f.h = 280
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	see := func(vs []float64) {
		for _, v := range vs {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	for _, s := range c.Series {
		see(s.Values)
		if bands {
			see(s.Low)
			see(s.High)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	if c.ZeroBase || lo > 0 && lo < hi/2 {
		lo = math.Min(lo, 0)
	}
	if hi < 0 {
		hi = 0
	}
	f.ticks = Ticks(lo, hi, 5)
	f.lo, f.hi = f.ticks[0], f.ticks[len(f.ticks)-1]
	f.legendRows = legendRows(c.Series, f.w)
	f.x0, f.x1 = padLeft, f.w-padRight
	f.y1 = padTop + float64(f.legendRows-1)*legendRow
	f.y0 = f.h - padBottom
	longest := f.labelLayout()
	switch {
	case allLabels && f.every > 1:
		f.every, f.rotate = 1, true
		f.y0 -= float64(longest) * charWidth * 0.65 // sin 40 degrees, and room
	case f.stagger:
		f.y0 -= legendRow
	}
	return f
}

// y maps a value to a user-space y coordinate.
func (f *frame) y(v float64) float64 {
	return f.y0 - (v-f.lo)/(f.hi-f.lo)*(f.y0-f.y1)
}

func (f *frame) format(v float64) string {
	if f.c.Format != nil {
		return f.c.Format(v)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// Ticks returns about n round tick values (1, 2 or 5 times a power of ten
// apart) that cover lo..hi, first at or below lo and last at or above hi.
func Ticks(lo, hi float64, n int) []float64 {
	if n < 2 {
		n = 2
	}
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n-1)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	start := math.Floor(lo/step+1e-9) * step
	var ts []float64
	for v := start; ; v += step {
		// rounded to 12 significant digits: 0.3, not 0.30000000000000004
		r, _ := strconv.ParseFloat(strconv.FormatFloat(math.Round(v/step)*step, 'g', 12, 64), 64)
		if math.Abs(r) < step*1e-9 {
			r = 0
		}
		ts = append(ts, r)
		if r >= hi-step*1e-9 {
			break
		}
	}
	return ts
}

func legendRows(ss []Series, w float64) int {
	rows, x := 1, float64(padLeft)
	for _, s := range ss {
		need := 26 + float64(len([]rune(s.Name)))*charWidth
		if x+need > w-padRight && x > padLeft {
			rows++
			x = padLeft
		}
		x += need
	}
	return rows
}

// writer collects the markup and the first write error.
type writer struct {
	w   io.Writer
	err error
}

func (p *writer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func esc(s string) string { return html.EscapeString(s) }

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func (f *frame) open(p *writer) {
	c := f.c
	p.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-t %s-d" class="chart" font-family="system-ui,sans-serif" font-size="%d">`,
		num(f.w), num(f.h), esc(c.ID), esc(c.ID), fontSize)
	p.printf(`<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	p.printf(`<rect width="100%%" height="100%%" fill="#fff"/>`)
	// y grid and ticks
	for _, t := range f.ticks {
		y := f.y(t)
		stroke := "#d9d9d9"
		if t == 0 {
			stroke = "#595959"
		}
		p.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s"/>`, num(f.x0), num(f.x1), num(y), num(y), stroke)
		p.printf(`<text x="%s" y="%s" text-anchor="end" fill="#333">%s</text>`, num(f.x0-6), num(y+4), esc(f.format(t)))
	}
	if c.YLabel != "" {
		p.printf(`<text x="4" y="%s" fill="#333">%s</text>`, num(f.y1-12), esc(c.YLabel))
	}
	f.legend(p)
}

// legend draws one key per series above the plot.
func (f *frame) legend(p *writer) {
	x, y := float64(padLeft), 16.0
	for i, s := range f.c.Series {
		need := 26 + float64(len([]rune(s.Name)))*charWidth
		if x+need > f.w-padRight && x > padLeft {
			x, y = padLeft, y+legendRow
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		p.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="3"%s/>`, num(x), num(x+18), num(y-4), num(y-4), colour(s, i), dash)
		p.printf(`<text x="%s" y="%s" fill="#1a1a1a">%s</text>`, num(x+22), num(y), esc(s.Name))
		x += need
	}
}

func colour(s Series, i int) string {
	if s.Colour != "" {
		return s.Colour
	}
	return Colour(i)
}

// labelLayout decides how the category labels fit under the plot: all on
// one row, alternately on two rows, or thinned to every n-th (keeping the
// last, the newest period).
// It returns the length of the longest label, in characters.
func (f *frame) labelLayout() int {
	n := len(f.c.Labels)
	f.every = 1
	if n == 0 {
		return 0
	}
	longest := 1
	for _, l := range f.c.Labels {
		longest = max(longest, len([]rune(l)))
	}
	slot := (f.x1 - f.x0) / float64(n)
	for slot*float64(f.every) < float64(longest)*charWidth+6 {
		f.every++
	}
	if f.every == 2 {
		f.every, f.stagger = 1, true
	}
	return longest
}

// xLabels draws the category labels under the plot at xs.
func (f *frame) xLabels(p *writer, xs []float64) {
	n := len(f.c.Labels)
	for i, l := range f.c.Labels {
		if (n-1-i)%f.every != 0 {
			continue
		}
		y := f.y0 + 18
		if f.rotate {
			p.printf(`<text x="%s" y="%s" text-anchor="end" fill="#333" transform="rotate(-40 %s %s)">%s</text>`,
				num(xs[i]+4), num(y-4), num(xs[i]+4), num(y-4), esc(l))
			continue
		}
		if f.stagger && (n-1-i)%2 == 1 {
			y += legendRow
		}
		p.printf(`<text x="%s" y="%s" text-anchor="middle" fill="#333">%s</text>`, num(xs[i]), num(y), esc(l))
	}
}

// Render writes the line chart as SVG.
func (c Line) Render(w io.Writer) error {
	f := c.frame(true, false)
	p := &writer{w: w}
	f.open(p)
	n := len(c.Labels)
	xs := make([]float64, n)
	for i := range xs {
		if n == 1 {
			xs[i] = (f.x0 + f.x1) / 2
		} else {
			xs[i] = f.x0 + 10 + float64(i)*(f.x1-f.x0-20)/float64(n-1)
		}
	}
	for i, s := range c.Series {
		col := colour(s, i)
		if len(s.Low) == n && len(s.High) == n {
			for _, seg := range segments(n, func(k int) bool { return !math.IsNaN(s.Low[k]) && !math.IsNaN(s.High[k]) }) {
				var pts []string
				for _, k := range seg {
					pts = append(pts, num(xs[k])+","+num(f.y(s.High[k])))
				}
				for j := len(seg) - 1; j >= 0; j-- {
					pts = append(pts, num(xs[seg[j]])+","+num(f.y(s.Low[seg[j]])))
				}
				if len(seg) == 1 { // one period: an error bar
					k := seg[0]
					p.printf(`<line class="band" x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="8" stroke-opacity="0.25"/>`,
						num(xs[k]), num(xs[k]), num(f.y(s.Low[k])), num(f.y(s.High[k])), col)
					continue
				}
				p.printf(`<polygon class="band" points="%s" fill="%s" fill-opacity="0.18"/>`, strings.Join(pts, " "), col)
			}
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		for _, seg := range segments(n, func(k int) bool { return k < len(s.Values) && !math.IsNaN(s.Values[k]) }) {
			var pts []string
			for _, k := range seg {
				pts = append(pts, num(xs[k])+","+num(f.y(s.Values[k])))
			}
			if len(seg) > 1 {
				p.printf(`<polyline class="series" points="%s" fill="none" stroke="%s" stroke-width="2.5"%s/>`, strings.Join(pts, " "), col, dash)
			}
			if s.Dashed {
				continue
			}
			for _, k := range seg {
				fill := col
				cls := "point"
				if k < len(s.Marked) && s.Marked[k] {
					fill, cls = "#fff", "point marked"
				}
				p.printf(`<circle class="%s" cx="%s" cy="%s" r="4" fill="%s" stroke="%s" stroke-width="2"><title>%s %s: %s</title></circle>`,
					cls, num(xs[k]), num(f.y(s.Values[k])), fill, col, esc(s.Name), esc(c.Labels[k]), esc(f.format(s.Values[k])))
			}
		}
	}
	f.xLabels(p, xs)
	p.printf(`</svg>`)
	return p.err
}

// segments splits 0..n-1 into runs of consecutive indexes where ok holds.
func segments(n int, ok func(int) bool) [][]int {
	var out [][]int
	var cur []int
	for k := 0; k < n; k++ {
		if ok(k) {
			cur = append(cur, k)
			continue
		}
		if len(cur) > 0 {
			out, cur = append(out, cur), nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Render writes the bar chart as SVG.
func (c Bar) Render(w io.Writer) error {
	c.ZeroBase = true
	f := c.frame(false, true)
	p := &writer{w: w}
	f.open(p)
	n := len(c.Labels)
	xs := make([]float64, n)
	if n == 0 {
		p.printf(`</svg>`)
		return p.err
	}
	group := (f.x1 - f.x0) / float64(n)
	ns := max(1, len(c.Series))
	bw := group * 0.8 / float64(ns)
	for i := range xs {
		xs[i] = f.x0 + group*(float64(i)+0.5)
	}
	base := f.y(0)
	for j, s := range c.Series {
		col := colour(s, j)
		for i := 0; i < n && i < len(s.Values); i++ {
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			x := f.x0 + group*float64(i) + group*0.1 + bw*float64(j)
			y := f.y(v)
			top, h := math.Min(y, base), math.Abs(base-y)
			p.printf(`<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %s</title></rect>`,
				num(x), num(top), num(math.Max(bw-1, 1)), num(h), col, esc(s.Name), esc(c.Labels[i]), esc(f.format(v)))
		}
	}
	f.xLabels(p, xs)
	p.printf(`</svg>`)
	return p.err
}
