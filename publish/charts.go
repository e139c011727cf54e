package publish

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// point is one value of a line chart; Marked draws it as an open circle
// (a nowcast) instead of a dot.
type point struct {
	X      string
	Y      float64
	Marked bool
}

// series is one line of a line chart.
type series struct {
	Name   string
	Color  string
	Dashed bool
	Points []point
}

const (
	chartW, chartH                  = 640, 300
	padLeft, padRight, padTop, padB = 56, 16, 16, 56
)

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// lineChart draws series over the shared x labels as an SVG.
func lineChart(title string, xs []string, ss []series, unit string) string {
	ymax := 0.0
	for _, s := range ss {
		for _, p := range s.Points {
			ymax = math.Max(ymax, p.Y)
		}
	}
	ymax = niceMax(ymax)
	pos := map[string]int{}
	for i, x := range xs {
		pos[x] = i
	}
	plotW, plotH := float64(chartW-padLeft-padRight), float64(chartH-padTop-padB)
	xAt := func(i int) float64 {
		if len(xs) < 2 {
			return padLeft + plotW/2
		}
		return padLeft + plotW*float64(i)/float64(len(xs)-1)
	}
	yAt := func(v float64) float64 { return padTop + plotH*(1-v/ymax) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, html.EscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	for i := 0; i <= 4; i++ {
		v := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>`,
			padLeft, chartW-padRight, yAt(v), yAt(v), padLeft-6, yAt(v)+4, trimFloat(v))
	}
	fmt.Fprintf(&b, `<text x="12" y="%d" font-size="11" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>`, chartH/2, chartH/2, html.EscapeString(unit))
	for i, x := range xs {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>`, xAt(i), chartH-padB+16, html.EscapeString(x))
	}
	for si, s := range ss {
		var path []string
		for _, p := range s.Points {
			path = append(path, fmt.Sprintf("%.1f,%.1f", xAt(pos[p.X]), yAt(p.Y)))
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`, s.Color, dash, strings.Join(path, " "))
		for _, p := range s.Points {
			fill := s.Color
			if p.Marked {
				fill = "#fff"
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="%s" stroke-width="2"/>`, xAt(pos[p.X]), yAt(p.Y), fill, s.Color)
		}
		ly := chartH - 18
		lx := padLeft + si*200
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/><text x="%d" y="%d" font-size="12">%s</text>`,
			lx, lx+24, ly, ly, s.Color, dash, lx+30, ly+4, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// bar is one bar of a bar chart; a bar with Hidden set is suppressed and
// drawn as its status letter only.
type bar struct {
	Label  string
	Value  float64
	Hidden string
}

// barChart draws horizontal bars as an SVG.
func barChart(title string, bars []bar, unit string) string {
	ymax := 0.0
	for _, b := range bars {
		if b.Hidden == "" {
			ymax = math.Max(ymax, b.Value)
		}
	}
	ymax = niceMax(ymax)
	const rowH, labelW = 26, 260
	h := padTop + rowH*len(bars) + 30
	plotW := float64(chartW - labelW - 70)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, h, html.EscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	for i, br := range bars {
		y := padTop + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>`, labelW-8, y+16, html.EscapeString(br.Label))
		if br.Hidden != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#a00">%s</text>`, labelW+4, y+16, br.Hidden)
			continue
		}
		w := plotW * math.Max(br.Value, 0) / ymax
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="18" fill="#2b6cb0"/><text x="%.1f" y="%d" font-size="11">%s</text>`,
			labelW, y+4, w, float64(labelW)+w+4, y+16, trimFloat(br.Value))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%s</text>`, labelW, h-8, html.EscapeString(unit))
	b.WriteString(`</svg>`)
	return b.String()
}

// trimFloat prints an axis value without needless decimals.
func trimFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return groupThousands(fmt.Sprintf("%.0f", v))
	}
	return groupThousands(fmt.Sprintf("%.1f", v))
}

// groupThousands puts commas between groups of three digits of a
// formatted number.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}
