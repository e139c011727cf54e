// The panels of the other sources: balance-of-payments exports by region,
// the registry by zone, the survey, and the run log (freshness, releases).

package dashboard

import (
	"context"
	"math"
	"strings"

	"github.com/npit-mn/ictstat/internal/svgchart"
)

func (b *builder) exports() *panel {
	l, t := b.l, b.t(reqExports)
	p := &panel{ID: "exports", Title: l.t("exports"), Links: apiLinks(l, reqExports.name, reqExports.params, b.snap), Notes: []string{l.t("x_note")}}
	has := func(r []any) bool { return !math.IsNaN(t.f(r, "bop_value")) || !math.IsNaN(t.f(r, "filings_value")) }
	if t.Table == nil {
		p.Empty = l.t("no_data")
		return p
	}
	last := latestRow(t, has)
	if last == nil {
		p.Empty = l.t("no_data")
		return p
	}
	year := t.s(last, "period")
	type cell struct {
		row  []any
		hide bool
	}
	var regions []*cell
	var total *cell
	for _, r := range t.Rows {
		if t.s(r, "period") != year {
			continue
		}
		c := &cell{row: r, hide: small(t.f(r, "filings_companies"))}
		if t.s(r, "partner") == "W1" {
			total = c
		} else {
			regions = append(regions, c)
		}
	}
	var g []cellRef
	for _, c := range regions {
		g = append(g, cellRef{t.f(c.row, "filings_companies"), &c.hide})
	}
	if !protect(g) && total != nil { // one region hidden and no other to hide: hide the total's filings side
		n := 0
		for _, c := range regions {
			if c.hide {
				n++
			}
		}
		total.hide = total.hide || n == 1
	}
	labels := []string{}
	fil, bop := []float64{}, []float64{}
	tv := tableView{Head: []string{l.t("region"), l.t("filings_v") + ", " + l.t("mn") + " " + l.t("u_usd"), l.t("bop_v") + ", " + l.t("mn") + " " + l.t("u_usd"), l.t("coverage") + ", %", l.t("status")}}
	rows := regions
	if total != nil {
		rows = append(rows, total)
	}
	for _, c := range rows {
		name := l.name(t.s(c.row, "partner"))
		fv, bv, cov := t.f(c.row, "filings_value"), t.f(c.row, "bop_value"), t.f(c.row, "coverage_ratio")
		ftext := l.num(fv/1e6, 1)
		if c.hide {
			fv, cov, ftext = nan(), nan(), hidden
		}
		if c != total {
			labels, fil, bop = append(labels, name), append(fil, fv/1e6), append(bop, bv/1e6)
		}
		tv.Rows = append(tv.Rows, []cellView{textCell(name), numCell(ftext), numCell(l.num(bv/1e6, 1)), numCell(l.num(100*cov, 0)), textCell(t.s(c.row, "bop_status"))})
	}
	c := svgchart.Bar{Chart: svgchart.Chart{ID: "c-exports", Title: l.t("exports") + ", " + year, Desc: l.t("exports_desc"), Labels: labels,
		YLabel: l.t("mn") + " " + l.t("u_usd"), Format: func(v float64) string { return l.num(v, 1) },
		Series: []svgchart.Series{{Name: l.t("filings_v"), Values: fil}, {Name: l.t("bop_v"), Values: bop}}}}
	p.Figures = append(p.Figures, b.figure(c.Render, tv))
	if total != nil {
		bv := t.f(total.row, "bop_value")
		p.Heads = append(p.Heads, head(l, l.t("bop_v")+", "+year, bv, 0, true, l.t("u_usd"), reqExports.name, reqExports.params, b.snap, "bop_value", "period="+year+"&partner=W1"))
		fv := t.f(total.row, "filings_value")
		if total.hide {
			fv = nan()
		}
		p.Heads = append(p.Heads, head(l, l.t("filings_v")+", "+year, fv, 0, true, l.t("u_usd"), reqExports.name, reqExports.params, b.snap, "filings_value", "period="+year+"&partner=W1"))
	}
	p.Meta = b.meta(year, l.t("mn")+" "+l.t("u_usd"), l.t("src_bop")+"; "+l.t("src_filings"), l.t("bop_status"))
	return p
}

func (b *builder) registrations() *panel {
	l, t, all := b.l, b.t(reqZones), b.t(reqActive)
	p := &panel{ID: "registrations", Title: l.t("registrations"), Notes: []string{l.t("x_note")},
		Links: append(apiLinks(l, reqZones.name, reqZones.params, b.snap), apiLinks(l, reqActive.name, reqActive.params, b.snap)...)}
	if t.Table == nil || len(t.Rows) == 0 {
		p.Empty = l.t("no_data")
		return p
	}
	years, zones := map[string]bool{}, map[string]bool{}
	byKey := map[[2]string][]any{}
	for _, r := range t.Rows {
		y, z := t.s(r, "period"), t.s(r, "breakdown")
		years[y], zones[z] = true, true
		byKey[[2]string{y, z}] = r
	}
	ys, zs := sortedKeys(years), sortedKeys(zones)
	if len(ys) > 10 {
		ys = ys[len(ys)-10:]
		p.Notes = append(p.Notes, l.t("last_years"))
	}
	count := func(v float64) string {
		if small(v) {
			return hidden
		}
		return l.num(v, 0)
	}
	tv := tableView{Head: []string{l.t("year"), l.t("zone"), l.t("registered"), l.t("deregistered"), l.t("active")}}
	var ss []svgchart.Series
	for _, z := range zs {
		s := svgchart.Series{Name: z, Values: make([]float64, len(ys))}
		for i, y := range ys {
			s.Values[i] = nan()
			if r := byKey[[2]string{y, z}]; r != nil && !small(t.f(r, "active_end")) {
				s.Values[i] = t.f(r, "active_end")
			}
		}
		ss = append(ss, s)
	}
	for i := len(ys) - 1; i >= 0; i-- { // newest first
		y := ys[i]
		for _, z := range zs {
			if r := byKey[[2]string{y, z}]; r != nil {
				tv.Rows = append(tv.Rows, []cellView{textCell(y), textCell(z), numCell(count(t.f(r, "registrations"))), numCell(count(t.f(r, "deregistrations"))), numCell(count(t.f(r, "active_end")))})
			}
		}
	}
	c := svgchart.Line{Chart: svgchart.Chart{ID: "c-registrations", Title: l.t("registrations"), Desc: l.t("reg_desc"), Labels: ys, Series: ss, ZeroBase: true,
		YLabel: l.t("u_companies"), Format: func(v float64) string { return l.num(v, 0) }}}
	p.Figures = append(p.Figures, b.figure(c.Render, tv))
	if all.Table != nil {
		if r := latestRow(all, func([]any) bool { return true }); r != nil {
			v := all.f(r, "active_end")
			if small(v) {
				v = nan()
			}
			y := all.s(r, "period")
			p.Heads = append(p.Heads, head(l, l.t("kpi_active")+", "+y, v, 0, false, l.t("u_companies"), reqActive.name, reqActive.params, b.snap, "active_end", "period="+y+"&breakdown=all"))
		}
	}
	p.Meta = b.meta(ys[0]+"–"+ys[len(ys)-1], l.t("u_companies"), l.t("src_reg"), l.t("x_note"))
	return p
}

func (b *builder) survey(questions []string) *panel {
	l := b.l
	p := &panel{ID: "survey", Title: l.t("survey")}
	tv := tableView{Caption: l.t("survey"), Head: []string{l.t("question"), l.t("answer"), l.t("estimate"), l.t("ci"), l.t("n")}}
	wave := ""
	for _, q := range questions {
		rq := request{"survey_estimates", map[string]string{"question": q}}
		p.Links = append(p.Links, apiLinks(l, rq.name, rq.params, b.snap)...)
		t := b.t(rq)
		if t.Table == nil {
			continue
		}
		for _, r := range t.Rows {
			if t.s(r, "stratum") != "all" {
				continue
			}
			wave = t.s(r, "wave")
			share := t.s(r, "statistic") == "share"
			est, lo, hi := t.f(r, "estimate"), t.f(r, "ci_low"), t.f(r, "ci_high")
			if small(t.f(r, "population")) {
				est = nan()
			}
			dec, mult := 1, 1.0
			if share {
				mult = 100
			}
			estText, ci := hidden, ""
			if !math.IsNaN(est) {
				estText = l.num(est*mult, dec)
				if share {
					estText += "%"
				}
				if !math.IsNaN(lo) && !math.IsNaN(hi) {
					ci = l.num(lo*mult, dec) + "–" + l.num(hi*mult, dec)
					if share {
						ci += "%"
					}
				}
			}
			answer := l.name(t.s(r, "choice"))
			if !share {
				answer = "—"
			}
			tv.Rows = append(tv.Rows, []cellView{textCell(l.label(t.s(r, "question_label"))), textCell(answer), numCell(estText), numCell(ci), numCell(l.num(t.f(r, "n"), 0))})
			if q == questions[0] && share && t.s(r, "choice") == "yes" {
				k := "question=" + q + "&choice=yes&stratum=all"
				h := head(l, l.label(t.s(r, "question_label"))+": "+l.name("yes"), est*mult, dec, false, "%", rq.name, rq.params, b.snap, "estimate", k)
				h.Scale = "0.01"
				p.Heads = append(p.Heads, h)
			}
		}
	}
	if len(tv.Rows) == 0 {
		p.Empty = l.t("no_data")
		return p
	}
	p.Tables = []tableView{tv}
	p.Meta = b.meta(wave, l.t("share_of_companies"), l.t("src_survey"), l.t("survey_desc"))
	return p
}

func (b *builder) freshness(ctx context.Context, rel Releases) (*panel, error) {
	l := b.l
	dq := request{"data_quality", nil}
	t := b.t(dq)
	p := &panel{ID: "freshness", Title: l.t("freshness"), Links: append(apiLinks(l, "data_quality", nil, b.snap),
		Link{l.t("all_analytics") + " (" + l.t("api") + ")", "/api/v1/queries"})}
	tv := tableView{Caption: l.t("freshness"), Head: []string{l.t("source"), l.t("state"), l.t("last_success"), l.t("rows"), l.t("quarantined")}}
	if t.Table != nil {
		for _, r := range t.Rows {
			when := t.s(r, "last_success_at")
			if len(when) > 16 {
				when = strings.Replace(when[:16], "T", " ", 1) + " UTC"
			}
			tv.Rows = append(tv.Rows, []cellView{textCell(l.name(t.s(r, "source"))), textCell(l.t("st_" + t.s(r, "freshness"))), textCell(when),
				numCell(l.num(t.f(r, "table_rows"), 0)), numCell(l.num(t.f(r, "quarantined"), 0))})
		}
	}
	p.Tables = []tableView{tv}
	latestText, nextText := l.t("no_release"), l.t("no_calendar")
	if rel != nil {
		latest, next, err := rel.Calendar(ctx)
		if err != nil {
			return nil, err
		}
		if latest != nil {
			latestText = latest.ID + " · " + latest.At.UTC().Format("2006-01-02")
			for _, f := range latest.Files {
				p.Links = append(p.Links, Link{l.t("release_files") + " " + latest.ID + ": " + f.Label, f.URL})
			}
		}
		if next != nil {
			nextText = next.ID + " · " + next.At.UTC().Format("2006-01-02")
		}
	}
	p.Meta = []field{{l.t("latest_release"), latestText}, {l.t("next_release"), nextText}, {l.t("source"), l.t("src_runs")}}
	return p, nil
}
