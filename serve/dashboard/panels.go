package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/svgchart"
)

// request is one analytic the page needs.
type request struct {
	name   string
	params map[string]string
}

// The analytics of the page, by role.
var (
	reqShare   = request{"gdp_share", map[string]string{"grain": "year"}}
	reqSector  = request{"sector_size", map[string]string{"grain": "year", "subsector": "division"}}
	reqTotal   = request{"sector_size", map[string]string{"grain": "year", "subsector": "all"}}
	reqRegion  = request{"market_entry", map[string]string{"grain": "year", "by": "region"}}
	reqCountry = request{"market_entry", map[string]string{"grain": "year", "by": "country"}}
	reqAll     = request{"market_entry", map[string]string{"grain": "year", "by": "all"}}
	reqExports = request{"exports_by_destination", map[string]string{"grain": "year", "by": "region", "currency": "USD"}}
	reqZones   = request{"registrations", map[string]string{"grain": "year", "by": "zone"}}
	reqActive  = request{"registrations", map[string]string{"grain": "year", "by": "all"}}
)

// fetch runs the page's analytics, two at a time (the machine's cores).
func (d *Dashboard) fetch(ctx context.Context, snap int64, asOf time.Time) (map[string]table, error) {
	reqs := []request{reqShare, reqSector, reqTotal, reqRegion, reqCountry, reqAll, reqExports, reqZones, reqActive,
		{"data_quality", map[string]string{"as_of": asOf.Format(time.RFC3339)}}}
	for _, q := range d.opts.SurveyQuestions {
		reqs = append(reqs, request{"survey_estimates", map[string]string{"question": q}})
	}
	out := make([]*Table, len(reqs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i, rq := range reqs {
		g.Go(func() error {
			t, err := d.src.Analytic(ctx, snap, rq.name, rq.params)
			if err != nil && (errors.Is(err, ictstat.ErrUsage) || errors.Is(err, ictstat.ErrBadInput)) {
				return nil // e.g. no such survey question, or a table this warehouse lacks: the panel says there is no data
			}
			if err != nil {
				return fmt.Errorf("%s: %w", rq.name, err)
			}
			out[i] = t
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	m := map[string]table{}
	for i, rq := range reqs {
		if out[i] != nil {
			m[key(rq)] = wrap(out[i])
		}
	}
	return m, nil
}

func key(r request) string {
	k := r.name
	for _, p := range sortedKeys(r.params) {
		if p != "as_of" {
			k += "|" + p + "=" + r.params[p]
		}
	}
	return k
}

func (d *Dashboard) build(ctx context.Context, l *lang, st state, snap int64, asOf time.Time) (*pageView, error) {
	ts, err := d.fetch(ctx, snap, asOf)
	if err != nil {
		return nil, err
	}
	other := "en"
	if l.code == "en" {
		other = "mn"
	}
	pg := &pageView{l: l, Lang: l.code, SwitchLang: other, SwitchURL: st.query(other, st.Measure), Snapshot: snap}
	b := builder{l: l, st: st, snap: snap, ts: ts}
	pg.Panels = []*panel{b.target(), b.kpis(), b.sector(), b.entry(), b.exports(), b.registrations(), b.survey(d.opts.SurveyQuestions)}
	fresh, err := b.freshness(ctx, d.opts.Releases)
	if err != nil {
		return nil, err
	}
	pg.Panels = append(pg.Panels, fresh)
	if b.err != nil {
		return nil, b.err
	}
	for _, p := range pg.Panels {
		for i := range p.Figures {
			p.Figures[i].Table.Caption = p.Title
		}
	}
	return pg, nil
}

// builder makes the panels from the fetched tables.
type builder struct {
	l    *lang
	st   state
	snap int64
	ts   map[string]table
	err  error
}

func (b *builder) t(r request) table { return b.ts[key(r)] }

func (b *builder) meta(period, unit, source, status string) []field {
	return []field{{b.l.t("period"), period}, {b.l.t("unit"), unit}, {b.l.t("source"), source}, {b.l.t("status"), status}}
}

func nan() float64 { return math.NaN() }

func (b *builder) target() *panel {
	l, t := b.l, b.t(reqShare)
	p := &panel{ID: "target", Title: l.t("target"), Links: apiLinks(l, reqShare.name, reqShare.params, b.snap)}
	if t.Table == nil || len(t.Rows) == 0 {
		p.Empty = l.t("no_data")
		return p
	}
	rows := append([][]any(nil), t.Rows...)
	sort.Slice(rows, func(i, j int) bool { return t.s(rows[i], "period") < t.s(rows[j], "period") })
	n := len(rows)
	labels := make([]string, n)
	off, now, path := make([]float64, n), make([]float64, n), make([]float64, n)
	marked := make([]bool, n)
	tv := tableView{Head: []string{l.t("year"), l.t("kind"), l.t("share_official") + " / " + l.t("share_nowcast") + ", %", l.t("share_path") + ", %", l.t("gap") + ", " + l.t("pp")}}
	lastOff, lastNow := -1, -1
	for i, r := range rows {
		labels[i] = t.s(r, "period")
		off[i], now[i], path[i] = nan(), nan(), t.f(r, "target_share_pct")
		share := t.f(r, "share_pct")
		kind := t.s(r, "kind")
		switch kind {
		case "official":
			off[i], lastOff = share, i
		case "nowcast":
			if small(t.f(r, "nowcast_companies")) {
				share = nan()
			}
			now[i], marked[i], lastNow = share, true, i
		}
		gap := t.f(r, "gap_pp")
		if math.IsNaN(share) {
			gap = nan()
		}
		tv.Rows = append(tv.Rows, []cellView{textCell(labels[i]), textCell(l.t("kind_" + kind)), numCell(l.num(share, 2)), numCell(l.num(path[i], 2)), numCell(l.num(gap, 2))})
	}
	if lastOff >= 0 && lastOff+1 < n && !math.IsNaN(now[lastOff+1]) {
		now[lastOff] = off[lastOff] // the nowcast line starts from the last official point
	}
	c := svgchart.Line{Chart: svgchart.Chart{ID: "c-target", Title: l.t("target"), Desc: l.t("target_desc"), Labels: labels, ZeroBase: true,
		YLabel: "%", Format: func(v float64) string { return l.num(v, 1) },
		Series: []svgchart.Series{{Name: l.t("share_official"), Values: off}, {Name: l.t("share_nowcast"), Values: now, Marked: marked},
			{Name: l.t("share_path"), Values: path, Dashed: true}}}}
	p.Figures = append(p.Figures, b.figure(c.Render, tv))
	q, ps := reqShare.name, reqShare.params
	if lastOff >= 0 {
		r := rows[lastOff]
		y := t.s(r, "year")
		p.Heads = append(p.Heads, head(l, l.t("latest_official")+", "+y, off[lastOff], 2, false, "%", q, ps, b.snap, "share_pct", "period="+labels[lastOff]))
	}
	latest := lastOff
	if lastNow >= 0 && !math.IsNaN(now[lastNow]) {
		latest = lastNow
		p.Heads = append(p.Heads, head(l, l.t("latest_nowcast")+", "+labels[lastNow], now[lastNow], 2, false, "%", q, ps, b.snap, "share_pct", "period="+labels[lastNow]))
	}
	if latest >= 0 {
		r, k := rows[latest], "period="+labels[latest]
		p.Heads = append(p.Heads,
			head(l, l.t("target_for")+", "+labels[latest], t.f(r, "target_share_pct"), 2, false, "%", q, ps, b.snap, "target_share_pct", k),
			head(l, l.t("gap")+", "+labels[latest], t.f(r, "gap_pp"), 2, false, l.t("pp"), q, ps, b.snap, "gap_pp", k),
			head(l, l.t("required"), t.f(r, "required_growth_pct"), 1, false, l.t("pct_year"), q, ps, b.snap, "required_growth_pct", k))
	}
	p.Meta = b.meta(labels[0]+"–"+labels[n-1], l.t("share_unit"), l.t("src_na")+"; "+l.t("src_filings"), l.t("flags_note"))
	p.Notes = []string{l.t("interval_note")}
	return p
}

// figure renders a chart with its table; a chart that cannot be drawn
// fails the page (it cannot happen with a bytes.Buffer).
func (b *builder) figure(render func(w io.Writer) error, tv tableView) figure {
	s, err := svg(render)
	if err != nil && b.err == nil {
		b.err = err
	}
	return figure{SVG: s, Table: tv}
}

// latestRow returns the row of t with the greatest period among rows that
// pass keep, or nil.
func latestRow(t table, keep func([]any) bool) []any {
	var best []any
	for _, r := range t.Rows {
		if keep(r) && (best == nil || t.s(r, "period") > t.s(best, "period")) {
			best = r
		}
	}
	return best
}

func firstRow(t table, keep func([]any) bool) []any {
	var best []any
	for _, r := range t.Rows {
		if keep(r) && (best == nil || t.s(r, "period") < t.s(best, "period")) {
			best = r
		}
	}
	return best
}

// kpis derives the indicators from the analytics: the target's share and
// the latest values of the sector's headline counts, each against its
// first period. The configured KPIs (analytic kpis) replace this panel's
// source when they land; its table has the same columns.
func (b *builder) kpis() *panel {
	l := b.l
	p := &panel{ID: "kpis", Title: l.t("kpis"), Notes: []string{l.t("kpi_note")}}
	tv := tableView{Head: []string{l.t("kpi"), l.t("period"), l.t("value"), l.t("baseline"), l.t("target_v"), l.t("progress")}}
	every := func([]any) bool { return true }
	if t := b.t(reqShare); t.Table != nil {
		has := func(r []any) bool {
			k := t.s(r, "kind")
			return (k == "official" || k == "nowcast" && !small(t.f(r, "nowcast_companies"))) && !math.IsNaN(t.f(r, "share_pct"))
		}
		if r := latestRow(t, has); r != nil {
			base, target := firstRow(t, func(r []any) bool { return !math.IsNaN(t.f(r, "target_share_pct")) }), latestRow(t, func(r []any) bool { return !math.IsNaN(t.f(r, "target_share_pct")) })
			v, bv, tvv := t.f(r, "share_pct"), t.f(base, "target_share_pct"), t.f(target, "target_share_pct")
			tv.Rows = append(tv.Rows, []cellView{textCell(l.t("kpi_share")), textCell(t.s(r, "period")), numCell(l.num(v, 2) + "%"),
				numCell(l.num(bv, 1) + "% (" + t.s(base, "period") + ")"), numCell(l.num(tvv, 1) + "% (" + t.s(target, "period") + ")"),
				numCell(l.num(100*(v-bv)/(tvv-bv), 0) + "%")})
		}
	}
	count := func(label string, t table, col string, keep func([]any) bool, companies bool) {
		if t.Table == nil {
			return
		}
		r, f := latestRow(t, keep), firstRow(t, func(r []any) bool { return keep(r) && !(companies && small(t.f(r, col))) })
		if r == nil {
			return
		}
		v, bv := t.f(r, col), t.f(f, col)
		show := func(x float64) string {
			if companies && small(x) {
				return hidden
			}
			if math.Abs(x) >= 1e4 {
				s, _, w := l.scaled(x)
				return s + " " + w
			}
			return l.num(x, 0)
		}
		baseline := "—"
		if f != nil {
			baseline = show(bv) + " (" + t.s(f, "period") + ")"
		}
		tv.Rows = append(tv.Rows, []cellView{textCell(label), textCell(t.s(r, "period")), numCell(show(v)), numCell(baseline),
			numCell(l.t("not_set")), numCell("—")})
	}
	count(l.t("kpi_entrants"), b.t(reqAll), "cumulative_entrants", every, true)
	ex := b.t(reqExports)
	count(l.t("kpi_exports")+", "+l.t("u_usd"), ex, "bop_value", func(r []any) bool { return ex.s(r, "partner") == "W1" && !math.IsNaN(ex.f(r, "bop_value")) }, false)
	count(l.t("kpi_active"), b.t(reqActive), "active_end", every, true)
	if len(tv.Rows) == 0 {
		p.Empty = l.t("no_data")
	}
	tv.Caption = p.Title
	p.Tables = []tableView{tv}
	return p
}

// sectorMeasure is a measure of sector_size.
type sectorMeasure struct {
	col, unit string
	money     bool
}

func (b *builder) sectorMeasures() map[string]sectorMeasure {
	return map[string]sectorMeasure{
		"gva": {"gva_mnt", b.l.t("u_mnt"), true}, "revenue": {"revenue_mnt", b.l.t("u_mnt"), true},
		"employees": {"employees", b.l.t("u_persons"), false}, "companies": {"active_companies", b.l.t("u_companies"), false},
	}
}

func (b *builder) sector() *panel {
	l, t, tot := b.l, b.t(reqSector), b.t(reqTotal)
	p := &panel{ID: "sector", Title: l.t("sector"), Links: append(apiLinks(l, reqSector.name, reqSector.params, b.snap), apiLinks(l, reqTotal.name, reqTotal.params, b.snap)...)}
	for _, m := range measures {
		p.Controls = append(p.Controls, control{Label: l.t("m_" + m), URL: b.st.query(l.code, m), Current: m == b.st.Measure})
	}
	if t.Table == nil || len(t.Rows) == 0 {
		p.Empty = l.t("no_data")
		return p
	}
	m := b.sectorMeasures()[b.st.Measure]
	years, divs := map[string]bool{}, map[string]bool{}
	type cell struct {
		v, companies float64
		hide         bool
	}
	cells := map[[2]string]*cell{}
	months := map[string]float64{}
	for _, r := range t.Rows {
		y, dv := t.s(r, "period"), t.s(r, "subsector")
		years[y], divs[dv] = true, true
		c := &cell{v: t.f(r, m.col), companies: t.f(r, "active_companies")}
		c.hide = small(c.companies)
		cells[[2]string{y, dv}] = c
		months[y] = math.Max(months[y], t.f(r, "months"))
	}
	ys, ds := sortedKeys(years), sortedKeys(divs)
	for _, y := range ys {
		var g []cellRef
		for _, dv := range ds {
			if c := cells[[2]string{y, dv}]; c != nil {
				g = append(g, cellRef{c.companies, &c.hide})
			}
		}
		protect(g)
	}
	scale, word := 1.0, ""
	if m.money {
		scale, word = 1e9, l.t("bn")+" "
	}
	format := func(v float64) string {
		if m.money {
			return l.num(v/scale, 2)
		}
		return l.num(v, 0)
	}
	var series []svgchart.Series
	tv := tableView{Head: append([]string{l.t("year")}, ds...)}
	for i := range tv.Head[1:] {
		tv.Head[i+1] = l.name(ds[i])
	}
	for _, dv := range ds {
		s := svgchart.Series{Name: l.name(dv), Values: make([]float64, len(ys)), Marked: make([]bool, len(ys))}
		for i, y := range ys {
			s.Values[i], s.Marked[i] = nan(), months[y] < 12 // a partial year is drawn hollow
			if c := cells[[2]string{y, dv}]; c != nil && !c.hide {
				s.Values[i] = c.v / scale
			}
		}
		series = append(series, s)
	}
	for _, y := range ys {
		row := []cellView{textCell(y)}
		if months[y] < 12 {
			row[0].Text += " (p)"
		}
		for _, dv := range ds {
			c := cells[[2]string{y, dv}]
			switch {
			case c == nil:
				row = append(row, numCell("—"))
			case c.hide:
				row = append(row, numCell(hidden))
			default:
				row = append(row, numCell(format(c.v)))
			}
		}
		tv.Rows = append(tv.Rows, row)
	}
	title := l.t("sector") + ": " + l.t("m_"+b.st.Measure)
	c := svgchart.Line{Chart: svgchart.Chart{ID: "c-sector", Title: title, Desc: l.t("sector_desc"), Labels: ys, Series: series, ZeroBase: true,
		YLabel: word + m.unit, Format: func(v float64) string { return l.num(v, 1) }}}
	if !m.money {
		c.Format = func(v float64) string { return l.num(v, 0) }
	}
	p.Figures = append(p.Figures, b.figure(c.Render, tv))
	status := l.t("x_note")
	if months[ys[len(ys)-1]] < 12 {
		status = l.t("partial") + "; " + status
	}
	if tot.Table != nil {
		if r := latestRow(tot, func([]any) bool { return true }); r != nil {
			v := tot.f(r, m.col)
			if small(tot.f(r, "active_companies")) {
				v = nan()
			}
			y := tot.s(r, "period")
			label := l.t("all_divisions") + ": " + l.t("m_"+b.st.Measure) + ", " + y
			if tot.f(r, "months") < 12 {
				label += " (p)"
			}
			p.Heads = append(p.Heads, head(l, label, v, 0, m.money, m.unit, reqTotal.name, reqTotal.params, b.snap, m.col, "period="+y))
		}
	}
	p.Meta = b.meta(ys[0]+"–"+ys[len(ys)-1], word+m.unit, l.t("src_filings"), status)
	return p
}

// market is a target market of the entry panel: a category of one of the
// market_entry tables.
type market struct {
	req      request
	category string
}

func (b *builder) entry() *panel {
	l := b.l
	p := &panel{ID: "entry", Title: l.t("entry"), Notes: []string{l.t("entry_note"), l.t("x_note")}}
	for _, r := range []request{reqAll, reqCountry, reqRegion} {
		p.Links = append(p.Links, apiLinks(l, r.name, r.params, b.snap)...)
	}
	markets := []market{{reqCountry, "KZ"}, {reqCountry, "UZ"}, {reqRegion, "Southeast Asia"}, {reqRegion, "Americas"}, {reqRegion, "Europe"}, {reqAll, "all foreign markets"}}
	years := map[string]bool{}
	type series struct{ newC, cum map[string]float64 }
	data := make([]series, len(markets))
	for i, mk := range markets {
		t := b.t(mk.req)
		data[i] = series{map[string]float64{}, map[string]float64{}}
		if t.Table == nil {
			continue
		}
		for _, r := range t.Rows {
			if t.s(r, "category") != mk.category {
				continue
			}
			y := t.s(r, "period")
			years[y] = true
			data[i].newC[y], data[i].cum[y] = t.f(r, "new_entrants"), t.f(r, "cumulative_entrants")
		}
	}
	if len(years) == 0 {
		p.Empty = l.t("no_data")
		return p
	}
	ys := sortedKeys(years)
	tv := tableView{Head: []string{l.t("year")}}
	var ss []svgchart.Series
	newText := make([][]string, len(markets))
	cumText := make([][]string, len(markets))
	for i, mk := range markets {
		name := l.name(mk.category)
		if mk.category == "all foreign markets" {
			name = l.t("code:all")
		}
		tv.Head = append(tv.Head, name+": "+l.t("new")+" / "+l.t("cumulative"))
		nv, cv := make([]float64, len(ys)), make([]float64, len(ys))
		// years before the market's first entry have no row: 0 entrants
		first := -1
		for j, y := range ys {
			n, ok := data[i].newC[y]
			if !ok {
				n = 0
				if j > 0 {
					cv[j] = cv[j-1]
				}
			} else {
				if first < 0 {
					first = j
				}
				cv[j] = data[i].cum[y]
			}
			nv[j] = n
		}
		showNew, showCum := entrySeries(nv, cv)
		s := svgchart.Series{Name: name, Values: make([]float64, len(ys))}
		newText[i], cumText[i] = make([]string, len(ys)), make([]string, len(ys))
		for j := range ys {
			s.Values[j], newText[i][j], cumText[i][j] = nan(), hidden, hidden
			if showNew[j] {
				newText[i][j] = l.num(nv[j], 0)
			}
			if showCum[j] {
				s.Values[j], cumText[i][j] = cv[j], l.num(cv[j], 0)
			} else if cv[j] == 0 {
				cumText[i][j] = l.num(0, 0)
			}
		}
		ss = append(ss, s)
		if mk.req.params["by"] == "all" {
			last := len(ys) - 1
			v := cv[last]
			if !showCum[last] {
				v = nan()
			}
			p.Heads = append(p.Heads, head(l, l.t("kpi_entrants")+", "+ys[last], v, 0, false, l.t("u_companies"),
				mk.req.name, mk.req.params, b.snap, "cumulative_entrants", "period="+ys[last]+"&category="+url.QueryEscape(mk.category)))
		}
	}
	for j, y := range ys {
		row := []cellView{textCell(y)}
		for i := range markets {
			row = append(row, numCell(newText[i][j]+" / "+cumText[i][j]))
		}
		tv.Rows = append(tv.Rows, row)
	}
	c := svgchart.Line{Chart: svgchart.Chart{ID: "c-entry", Title: l.t("entry") + ": " + l.t("cumulative"), Desc: l.t("entry_desc"), Labels: ys, Series: ss, ZeroBase: true,
		YLabel: l.t("u_companies"), Format: func(v float64) string { return l.num(v, 0) }}}
	p.Figures = append(p.Figures, b.figure(c.Render, tv))
	p.Meta = b.meta(ys[0]+"–"+ys[len(ys)-1], l.t("u_companies"), l.t("src_filings"), l.t("x_note"))
	return p
}
