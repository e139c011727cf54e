package simulate

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteSurveyWave writes the wave configuration (YAML) of the survey that
// WriteSurveyCSV and WriteSurveyJSON write: its questions with their
// choices, strata "{isic_division}/{size_class}" and the population of each
// stratum, the companies of the world active on the reference day. Every
// figure is synthetic, and the title says so.
func (w *World) WriteSurveyWave(out io.Writer) error {
	pop, day := w.SurveyPopulation()
	year := day.Year()
	var b strings.Builder
	fmt.Fprintf(&b, `# SYNTHETIC survey wave written by simulate.World.WriteSurveyWave (seed %d,
# %d companies, end period %s): no figure here describes a real company.
id: startup-%d
title: "Startup ecosystem survey of virtual-zone companies %d (SYNTHETIC)"
# The field holding the company's 7-digit state registration number.
registry_no: registry_no
# A response's stratum: its answers to these fields joined with "/".
strata:
  template: "{isic_division}/{size_class}"
population:
  # Companies active in the virtual zones on %s, by ISIC division and
  # size class (employees: micro 1-9, small 10-49, medium 50-249, large 250+).
  totals:
`, w.opts.Seed, w.opts.Companies, formatPeriod(w.end), year, year, day.Format("2006-01-02"))
	keys := make([]string, 0, len(pop))
	for k := range pop {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "    %s: %d\n", k, pop[k])
	}
	divs := map[string]bool{}
	for _, c := range w.surveyActive() {
		divs[c.ISIC4[:2]] = true
	}
	var divChoices [][2]string
	for _, d := range []struct{ code, label string }{
		{"26", "Электрон бараа / computer and electronic products"}, {"46", "Бөөний худалдаа / ICT wholesale"},
		{"58", "Програм хангамж хэвлэл / software publishing"}, {"61", "Харилцаа холбоо / telecommunications"},
		{"62", "Програмчлал, зөвлөх / computer programming and consultancy"}, {"63", "Мэдээллийн үйлчилгээ / information services"},
		{"95", "Засвар / repair of computers and equipment"},
	} {
		if divs[d.code] {
			divChoices = append(divChoices, [2]string{d.code, d.label})
		}
	}
	var sizes [][2]string
	for _, s := range sizeClasses {
		sizes = append(sizes, [2]string{s.code, s.label})
	}
	yesNo := [][2]string{{"yes", "Тийм / yes"}, {"no", "Үгүй / no"}}
	b.WriteString("questions:\n")
	q := func(name, label, typ string, choices [][2]string) {
		fmt.Fprintf(&b, "  - name: %s\n    label: %s\n    type: %s\n", name, strconv.Quote(label), typ)
		if len(choices) > 0 {
			b.WriteString("    choices:\n")
			for _, c := range choices {
				fmt.Fprintf(&b, "      - {code: %s, label: %s}\n", strconv.Quote(c[0]), strconv.Quote(c[1]))
			}
		}
	}
	q("isic_division", "Үйл ажиллагааны чиглэл (ISIC хэсэг) / main activity (ISIC division)", "single", divChoices)
	q("size_class", "Ажилтны тоогоор хэмжээ / size class by employees", "single", sizes)
	q("employees", "Ажилтны тоо / employees (persons)", "numeric", nil)
	q("main_barrier", "Гол саад бэрхшээл / main barrier to growth", "single", surveyBarriers)
	q("barriers", "Саад бэрхшээлүүд / barriers to growth (all that apply)", "multi", surveyBarriers)
	q("exporting", "Экспорт хийдэг үү / exports services abroad", "single", yesNo)
	q("markets_planned", "Ирэх 2 жилд гарах зах зээл / foreign markets planned in the next two years", "multi", surveyRegions)
	q("revenue_growth", "Ирэх жилийн борлуулалтын өсөлтийн хүлээлт / expected revenue growth next year (percent)", "numeric", nil)
	q("uses_ai", "Хиймэл оюун ухаан ашигладаг уу / uses artificial intelligence", "single", yesNo)
	_, err := io.WriteString(out, b.String())
	return err
}
