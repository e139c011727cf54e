package dashboard

import (
	"math"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// lang is one language of the page: its words and its number format.
type lang struct {
	code  string // mn or en
	words map[string]string
	print *message.Printer
}

// newLangs returns the page's two languages, Mongolian first (the default).
func newLangs() map[string]*lang {
	return map[string]*lang{
		"mn": {code: "mn", words: wordsMN(), print: message.NewPrinter(language.Mongolian)},
		"en": {code: "en", words: wordsEN(), print: message.NewPrinter(language.English)},
	}
}

// t translates a message key; an unknown key is returned as it is, which
// the tests catch (every key used has both languages).
func (l *lang) t(key string) string {
	if w, ok := l.words[key]; ok {
		return w
	}
	return key
}

// name translates a data code (region, source, division, choice) when the
// dictionary has it, and otherwise shows the code.
func (l *lang) name(code string) string {
	if w, ok := l.words["code:"+code]; ok {
		return w
	}
	return code
}

// label picks this language's half of a bilingual label "монгол / English"
// (the survey wave's convention); a label without " / " is shown whole.
func (l *lang) label(s string) string {
	mn, en, ok := strings.Cut(s, " / ")
	if !ok {
		return s
	}
	if l.code == "mn" {
		return strings.TrimSpace(mn)
	}
	return strings.TrimSpace(en)
}

// num formats v with exactly dec decimals, grouped as the language's CLDR
// number format has it (golang.org/x/text).
func (l *lang) num(v float64, dec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return l.print.Sprint(number.Decimal(v, number.MinFractionDigits(dec), number.MaxFractionDigits(dec)))
}

// scaled writes a large amount in thousands, millions or billions with the
// language's word for the scale: the number, the scale factor and the
// scale's word ("" for units).
func (l *lang) scaled(v float64) (string, float64, string) {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return l.num(v/1e9, decimals(a/1e9)), 1e9, l.t("bn")
	case a >= 1e6:
		return l.num(v/1e6, decimals(a/1e6)), 1e6, l.t("mn")
	case a >= 1e4:
		return l.num(v/1e3, 0), 1e3, l.t("thousand")
	}
	return l.num(v, 0), 1, ""
}

// decimals keeps about three significant digits of a scaled amount.
func decimals(a float64) int {
	switch {
	case a >= 100:
		return 0
	case a >= 10:
		return 1
	}
	return 2
}

func wordsEN() map[string]string {
	return map[string]string{
		"title": "Mongolia's ICT sector at a glance", "lead": "Official statistics and estimates from the virtual-zone filings, national accounts, balance of payments and the enterprise survey.",
		"skip": "Skip to the panels", "snapshot": "Data as of snapshot", "switch": "Монгол хэлээр", "switch_lang": "mn",
		"contents": "Contents", "public_note": "Public view: figures resting on fewer than 3 companies are not shown (x).",
		"bn": "bn", "mn": "mn", "thousand": "thousand",
		"period": "Period", "unit": "Unit", "source": "Source", "status": "Status", "data": "Data", "table": "Table",
		"download": "Download the data", "csv": "CSV", "xlsx": "Excel (XLSX)", "no_data": "No data in this snapshot.",
		"x_note": "x: confidential, fewer than 3 companies", "flags_note": "p: provisional, n: nowcast (an estimate), x: confidential",
		"src_na": "National Statistics Office (national accounts)", "src_filings": "Virtual-zone company filings", "src_bop": "Bank of Mongolia (balance of payments)",
		"src_reg": "Virtual-zone company registry", "src_survey": "Enterprise survey", "src_runs": "ictstat run log",
		// target tracker
		"target": "ICT share of GDP and the 2030 target", "share_official": "Official", "share_nowcast": "Nowcast", "share_path": "Target path",
		"latest_official": "Latest official share", "latest_nowcast": "Nowcast share", "target_for": "Target path value", "gap": "Gap to the path",
		"required": "Growth of the share required a year", "pp": "pp", "pct": "%", "pct_year": "% a year", "year": "Year", "kind": "Kind",
		"kind_official": "official", "kind_nowcast": "nowcast", "kind_no_data": "no data",
		"target_desc":   "ICT value added as a share of GDP by year: official NSO figures, the filings-based nowcast for years not yet published (hollow points), and the path from 1.7% in 2024 to 5% in 2030 (dashed).",
		"interval_note": "The nowcast is a point estimate; the gdp_share analytic does not give it an interval yet.",
		"share_unit":    "percent of GDP",
		// KPIs
		"kpis": "Key performance indicators", "kpi": "Indicator", "baseline": "Baseline", "target_v": "Target", "progress": "Progress", "value": "Value",
		"kpi_share": "ICT share of GDP", "kpi_entrants": "Companies that entered foreign markets (cumulative)", "kpi_exports": "ICT services exports (balance of payments)",
		"kpi_active": "Active companies in the virtual zones", "not_set": "not set", "kpi_note": "Indicators derived from the analytics; configured KPIs (ictstat query kpis) replace them when available.",
		// sector
		"sector": "Sector size by ISIC division", "measure": "Measure", "division": "Division", "all_divisions": "All ICT divisions",
		"m_gva": "Value added", "m_revenue": "Revenue", "m_employees": "Employment", "m_companies": "Active companies",
		"u_mnt": "MNT", "u_usd": "USD", "u_persons": "persons", "u_companies": "companies",
		"sector_desc": "The chosen measure by ISIC division and year, ICT sector classes only; a partial year is drawn hollow.",
		// market entry
		"entry": "Companies entering foreign markets", "market": "Market", "new": "New", "cumulative": "Cumulative",
		"entry_desc": "Cumulative number of companies that made their first export to each market, by year.", "entry_note": "The first year counts every company already exporting then.",
		// exports
		"exports": "ICT services exports by region", "filings_v": "Filings", "bop_v": "Balance of payments", "coverage": "Coverage",
		"region": "Region", "exports_desc": "ICT services exports in the latest year by region: as the filings report them and as the balance of payments publishes them.",
		// registrations
		"registrations": "Registrations and active companies by zone", "zone": "Zone", "registered": "Registrations", "deregistered": "Deregistrations", "active": "Active at year end",
		"reg_desc": "Companies active at the end of each year, by virtual zone.",
		// survey
		"survey": "Survey headline estimates", "question": "Question", "answer": "Answer", "estimate": "Estimate", "ci": "95% interval", "n": "Responses",
		"survey_desc": "Weighted estimates for all strata together with 95% confidence intervals.", "share_of_companies": "share of companies, %",
		"suppressed": "suppressed",
		// freshness
		"freshness": "Data freshness and releases", "last_success": "Last successful pull", "rows": "Rows", "quarantined": "Quarantined", "state": "Freshness",
		"st_ok": "up to date", "st_due": "due", "st_stale": "stale", "st_never": "never pulled", "st_unscheduled": "not scheduled",
		"latest_release": "Latest release", "next_release": "Next release", "no_release": "No release published yet.", "no_calendar": "No release on the calendar.",
		"release_files": "Release files", "api": "API", "all_analytics": "All analytics",
		// codes in the data
		"code:filings": "Filings", "code:registrations": "Registry", "code:survey": "Survey", "code:exports": "Balance of payments", "code:national_accounts": "National accounts", "code:fx": "Exchange rates",
		"code:all": "All", "code:KZ": "Kazakhstan", "code:UZ": "Uzbekistan", "code:Southeast Asia": "Southeast Asia", "code:Americas": "Americas", "code:Europe": "Europe",
		"code:Central Asia": "Central Asia", "code:East Asia": "East Asia", "code:South Asia": "South Asia", "code:Middle East": "Middle East", "code:Oceania": "Oceania", "code:Africa": "Africa",
		"code:unknown": "Unknown", "code:W1": "World", "code:all foreign markets": "All foreign markets",
		"code:26": "26 Computer and electronic products", "code:46": "46 ICT wholesale", "code:58": "58 Publishing", "code:59": "59 Film and sound", "code:60": "60 Broadcasting",
		"code:61": "61 Telecommunications", "code:62": "62 Computer programming", "code:63": "63 Information services", "code:95": "95 Repair of computers",
		"code:yes": "yes", "code:no": "no", "code:finance": "access to finance", "code:talent": "skilled staff", "code:market_access": "market access",
		"code:regulation": "regulation", "code:infrastructure": "infrastructure",
		"bop_status": "balance-of-payments status: A normal, P provisional, E estimated, M missing", "partial": "p: partial year",
		"last_years": "The chart and table show the last 10 years; the data links hold every year.",
	}
}

func wordsMN() map[string]string {
	return map[string]string{
		"title": "Монгол Улсын МХХТ салбар товчоор", "lead": "Виртуал бүсийн тайлан, үндэсний тооцоо, төлбөрийн тэнцэл болон аж ахуйн нэгжийн судалгаанд тулгуурласан албан ёсны статистик ба үнэлгээ.",
		"skip": "Самбар руу шилжих", "snapshot": "Өгөгдлийн хувилбар", "switch": "English", "switch_lang": "en",
		"contents": "Агуулга", "public_note": "Нийтэд нээлттэй харагдац: 3-аас цөөн компанид тулгуурласан үзүүлэлтийг нууцалсан (x).",
		"bn": "тэрбум", "mn": "сая", "thousand": "мянга",
		"period": "Хугацаа", "unit": "Нэгж", "source": "Эх сурвалж", "status": "Төлөв", "data": "Өгөгдөл", "table": "Хүснэгт",
		"download": "Өгөгдөл татах", "csv": "CSV", "xlsx": "Excel (XLSX)", "no_data": "Энэ хувилбарт өгөгдөл алга.",
		"x_note": "x: нууц, 3-аас цөөн компани", "flags_note": "p: урьдчилсан, n: шуурхай үнэлгээ, x: нууц",
		"src_na": "Үндэсний статистикийн хороо (үндэсний тооцоо)", "src_filings": "Виртуал бүсийн компаниудын тайлан", "src_bop": "Монголбанк (төлбөрийн тэнцэл)",
		"src_reg": "Виртуал бүсийн компанийн бүртгэл", "src_survey": "Аж ахуйн нэгжийн судалгаа", "src_runs": "ictstat ажлын бүртгэл",
		"target": "МХХТ-ийн ДНБ-д эзлэх хувь ба 2030 оны зорилт", "share_official": "Албан ёсны", "share_nowcast": "Шуурхай үнэлгээ", "share_path": "Зорилтот зам",
		"latest_official": "Сүүлийн албан ёсны хувь", "latest_nowcast": "Шуурхай үнэлгээний хувь", "target_for": "Зорилтот замын утга", "gap": "Замаас зөрүү",
		"required": "Жилд шаардагдах өсөлт", "pp": "нэгж хувь", "pct": "%", "pct_year": "% жилд", "year": "Он", "kind": "Төрөл",
		"kind_official": "албан ёсны", "kind_nowcast": "шуурхай үнэлгээ", "kind_no_data": "өгөгдөлгүй",
		"target_desc":   "МХХТ-ийн нэмэгдсэн өртгийн ДНБ-д эзлэх хувь, оноор: ҮСХ-ны албан ёсны тоо, хараахан нийтлэгдээгүй оны тайланд суурилсан шуурхай үнэлгээ (хөндий цэг), 2024 оны 1.7%-иас 2030 оны 5% хүрэх зам (тасархай).",
		"interval_note": "Шуурхай үнэлгээ нь цэгэн үнэлгээ; gdp_share шинжилгээ одоогоор итгэх завсар өгөхгүй байна.",
		"share_unit":    "ДНБ-ий хувь",
		"kpis":          "Гүйцэтгэлийн гол үзүүлэлт", "kpi": "Үзүүлэлт", "baseline": "Суурь", "target_v": "Зорилт", "progress": "Биелэлт", "value": "Утга",
		"kpi_share": "МХХТ-ийн ДНБ-д эзлэх хувь", "kpi_entrants": "Гадаад зах зээлд гарсан компани (өссөн дүнгээр)", "kpi_exports": "МХХТ үйлчилгээний экспорт (төлбөрийн тэнцэл)",
		"kpi_active": "Виртуал бүсийн идэвхтэй компани", "not_set": "тогтоогоогүй", "kpi_note": "Шинжилгээнээс гаргасан үзүүлэлт; тохируулсан ГГҮ (ictstat query kpis) бэлэн болмогц орлоно.",
		"sector": "Салбарын хэмжээ, ISIC хэсгээр", "measure": "Үзүүлэлт", "division": "Хэсэг", "all_divisions": "МХХТ-ийн бүх хэсэг",
		"m_gva": "Нэмэгдсэн өртөг", "m_revenue": "Орлого", "m_employees": "Ажиллагчид", "m_companies": "Идэвхтэй компани",
		"u_mnt": "₮", "u_usd": "ам.доллар", "u_persons": "хүн", "u_companies": "компани",
		"sector_desc": "Сонгосон үзүүлэлт ISIC хэсэг ба оноор, зөвхөн МХХТ салбарын ангиуд; бүтэн бус жилийг хөндий цэгээр тэмдэглэв.",
		"entry":       "Гадаад зах зээлд гарсан компаниуд", "market": "Зах зээл", "new": "Шинэ", "cumulative": "Өссөн дүн",
		"entry_desc": "Зах зээл бүрт анх экспорт хийсэн компанийн өссөн тоо, оноор.", "entry_note": "Эхний онд тухайн үед экспорт хийж байсан бүх компанийг тооцсон.",
		"exports": "МХХТ үйлчилгээний экспорт, бүсээр", "filings_v": "Тайлан", "bop_v": "Төлбөрийн тэнцэл", "coverage": "Хамралт",
		"region": "Бүс", "exports_desc": "Сүүлийн оны МХХТ үйлчилгээний экспорт бүсээр: тайлангаар болон төлбөрийн тэнцлээр.",
		"registrations": "Бүртгэл ба идэвхтэй компани, бүсээр", "zone": "Бүс", "registered": "Бүртгэсэн", "deregistered": "Хассан", "active": "Оны эцэст идэвхтэй",
		"reg_desc": "Он бүрийн эцэст идэвхтэй компани, виртуал бүсээр.",
		"survey":   "Судалгааны гол үнэлгээ", "question": "Асуулт", "answer": "Хариулт", "estimate": "Үнэлгээ", "ci": "95% завсар", "n": "Хариулт",
		"survey_desc": "Бүх давхаргын жигнэсэн үнэлгээ, 95% итгэх завсартай.", "share_of_companies": "компанийн хувь, %",
		"suppressed": "нууцалсан",
		"freshness":  "Өгөгдлийн шинэчлэл ба тархаалт", "last_success": "Сүүлд амжилттай татсан", "rows": "Мөр", "quarantined": "Хорио цээрт", "state": "Шинэчлэл",
		"st_ok": "шинэ", "st_due": "хугацаа болсон", "st_stale": "хуучирсан", "st_never": "татаагүй", "st_unscheduled": "хуваарьгүй",
		"latest_release": "Сүүлийн тархаалт", "next_release": "Дараагийн тархаалт", "no_release": "Тархаалт хараахан гараагүй.", "no_calendar": "Хуанлид тархаалт алга.",
		"release_files": "Тархаалтын файл", "api": "API", "all_analytics": "Бүх шинжилгээ",
		"code:filings": "Тайлан", "code:registrations": "Бүртгэл", "code:survey": "Судалгаа", "code:exports": "Төлбөрийн тэнцэл", "code:national_accounts": "Үндэсний тооцоо", "code:fx": "Ханш",
		"code:all": "Бүгд", "code:KZ": "Казахстан", "code:UZ": "Узбекистан", "code:Southeast Asia": "Зүүн өмнөд Ази", "code:Americas": "Америк тив", "code:Europe": "Европ",
		"code:Central Asia": "Төв Ази", "code:East Asia": "Зүүн Ази", "code:South Asia": "Өмнөд Ази", "code:Middle East": "Ойрх Дорнод", "code:Oceania": "Далайн орнууд", "code:Africa": "Африк",
		"code:unknown": "Тодорхойгүй", "code:W1": "Дэлхий", "code:all foreign markets": "Бүх гадаад зах зээл",
		"code:26": "26 Электрон бараа", "code:46": "46 МХХТ бөөний худалдаа", "code:58": "58 Хэвлэл", "code:59": "59 Кино, дуу бичлэг", "code:60": "60 Өргөн нэвтрүүлэг",
		"code:61": "61 Харилцаа холбоо", "code:62": "62 Програмчлал", "code:63": "63 Мэдээллийн үйлчилгээ", "code:95": "95 Компьютер засвар",
		"code:yes": "тийм", "code:no": "үгүй", "code:finance": "санхүүжилт", "code:talent": "хүний нөөц", "code:market_access": "зах зээлд нэвтрэх",
		"code:regulation": "хууль, зохицуулалт", "code:infrastructure": "дэд бүтэц",
		"bop_status": "төлбөрийн тэнцлийн төлөв: A хэвийн, P урьдчилсан, E үнэлсэн, M дутуу", "partial": "p: бүтэн бус жил",
		"last_years": "График ба хүснэгтэд сүүлийн 10 жилийг харуулав; өгөгдлийн холбоосод бүх жил бий.",
	}
}

// Labels returns the page's words in language code (mn or en) by message
// key, for translators and for the test that no English is left on the
// Mongolian page; nil for another code.
func Labels(code string) map[string]string {
	switch code {
	case "mn":
		return wordsMN()
	case "en":
		return wordsEN()
	}
	return nil
}
