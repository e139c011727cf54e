package simulate

// group is a family of ISIC classes that share economic behaviour.
type group uint8

const (
	groupSoftware group = iota // publishing and programming: 5820, 6201, 6202, 6209
	groupData                  // data processing, hosting, portals: 6311, 6312
	groupTelecom               // 61xx
	groupHardware              // manufacturing of electronics: 26xx
	groupTrade                 // wholesale of ICT goods: 4651, 4652
	groupRepair                // repair of computers and phones: 951x
)

// class is one ISIC Rev.4 class of the OECD ICT sector with its share of
// the virtual-zone population and its size profile.
type class struct {
	code   string
	weight float64 // share of companies, percent
	group  group
	mu     float64 // log offset of monthly revenue from the sector median
	sigma  float64 // spread of log monthly revenue between companies
	ebops  []string
	ebopsW []float64
}

// profile holds the behaviour of a group: ranges are drawn per company.
type profile struct {
	icLo, icHi     float64 // intermediate consumption, share of revenue
	wageLo, wageHi float64 // wages, share of revenue at the reference size
	wageRate       float64 // median monthly wage per employee, MNT, January 2024
	exportP        float64 // probability that the company exports services
	aiP            float64 // probability of the AI flag
	rndP           float64 // probability of doing R&D
	rndLo, rndHi   float64 // R&D, share of revenue
	startupP       float64 // probability of the startup flag for a young company
	latinSecond    []string
	cyrSecond      []string
}

// program is a support programme and the first month it shows in filings.
type program struct {
	name  string
	start int32 // absolute month, see monthOf
}

// tables holds the read-only vocabulary of the world. It is built per World
// rather than kept in package variables so that nothing global can change.
type tables struct {
	classes   []class
	classW    []float64
	profiles  [6]profile
	zones     []string
	zoneW     []float64
	countries []string
	countryW  []float64
	programs  []program // in order of start
	season    [12]float64

	latinFirst []string
	latinExtra []string
	latinForms []string
	latinFormW []float64
	cyrFirst   []string
	cyrForms   []string
	cyrFormW   []float64
}

func newTables() *tables {
	swE, swW := []string{"SI21", "SI2", "SI22"}, []float64{60, 25, 15}
	itE, itW := []string{"SI22", "SI2", "SI21"}, []float64{60, 30, 10}
	daE, daW := []string{"SI32", "SI22", "SI3", "SI31"}, []float64{40, 30, 20, 10}
	teE, teW := []string{"SI1", "SI"}, []float64{80, 20}
	goE, goW := []string{"SI22", "SI2", "SI"}, []float64{50, 30, 20}
	t := &tables{
		classes: []class{
			{"6201", 24, groupSoftware, 0, 1.3, swE, swW},
			{"6202", 10, groupSoftware, 0.2, 1.3, itE, itW},
			{"6209", 9, groupSoftware, -0.2, 1.2, itE, itW},
			{"5820", 5, groupSoftware, -0.1, 1.3, swE, swW},
			{"6311", 8, groupData, 0.1, 1.3, daE, daW},
			{"6312", 4, groupData, -0.3, 1.2, daE, daW},
			{"6110", 3, groupTelecom, 3.2, 1.8, teE, teW},
			{"6120", 4, groupTelecom, 3.2, 1.8, teE, teW},
			{"6130", 1, groupTelecom, 1.5, 1.4, teE, teW},
			{"6190", 5, groupTelecom, 0.8, 1.3, teE, teW},
			{"2610", 1, groupHardware, 0.5, 1.2, goE, goW},
			{"2620", 2, groupHardware, 0.6, 1.2, goE, goW},
			{"2630", 1, groupHardware, 0.4, 1.2, goE, goW},
			{"2640", 1, groupHardware, 0.3, 1.2, goE, goW},
			{"2680", 1, groupHardware, 0.2, 1.1, goE, goW},
			{"4651", 8, groupTrade, 0.9, 1.2, goE, goW},
			{"4652", 4, groupTrade, 0.7, 1.2, goE, goW},
			{"9511", 6, groupRepair, -1.0, 0.9, goE, goW},
			{"9512", 3, groupRepair, -1.1, 0.9, goE, goW},
		},
		zones:     []string{"UB-01", "UB-02", "UB-03", "UB-04", "UB-05", "DA-01", "ER-01"},
		zoneW:     []float64{30, 20, 15, 10, 8, 9, 8},
		countries: []string{"KZ", "UZ", "JP", "KR", "SG", "VN", "US", "DE", "GB", "CN", "RU", "AU", "IN", "AE", "CA", "FR", "TH", "MY", "ID", "PH", "KG", "TR"},
		countryW:  []float64{10, 6, 12, 12, 6, 3, 10, 5, 4, 8, 6, 4, 2, 3, 3, 2, 2, 2, 1, 1, 3, 2},
		programs: []program{
			{"accelerator-2025", monthOf(2025, 3)},
			{"hackathon-2025", monthOf(2025, 6)},
			{"accelerator-2026", monthOf(2026, 2)},
			{"jica-trade-mission-2026", monthOf(2026, 4)},
		},
		// Lunar New Year (Tsagaan Sar) and Naadam slow the economy; contracts
		// are closed before the year end.
		season: [12]float64{0.86, 0.82, 0.95, 1.0, 1.0, 1.02, 0.9, 0.97, 1.03, 1.05, 1.08, 1.3},

		latinFirst: []string{"Khan", "Mongol", "Tenger", "Altai", "Nomad", "Steppe", "Gobi", "Orkhon", "Selenge", "Khangai",
			"Tuul", "Bogd", "Khuree", "Erdene", "Tsenkher", "Blue Sky", "Golden Gobi", "Munkh", "Ikh", "Shine", "Od", "Saran",
			"Naran", "Zaya", "Temuulel", "Bayan", "Jargal", "Dorno", "Ulaan", "Khuvsgul", "Sky", "Smart", "Next", "Infinity",
			"Aurora", "Falcon", "Eagle", "Snow Leopard", "Chinggis", "Kharkhorin", "Unur", "Itgel", "Sod", "Erin", "Tumen",
			"Arvis", "Nomin", "Ochir", "Sarnai", "Duuren"},
		latinExtra: []string{"Group", "Mongolia", "Asia", "International", "Partners"},
		latinForms: []string{"LLC", "Co., Ltd", "JSC"},
		latinFormW: []float64{80, 17, 3},
		cyrFirst: []string{"Хан", "Монгол", "Тэнгэр", "Алтай", "Нүүдэлчин", "Тал", "Говь", "Орхон", "Сэлэнгэ", "Хангай",
			"Туул", "Богд", "Хүрээ", "Эрдэнэ", "Цэнхэр", "Мөнх", "Ухаалаг", "Шинэ", "Од", "Саран", "Наран", "Заяа",
			"Тэмүүлэл", "Баян", "Жаргал", "Дорно", "Улаан", "Хөвсгөл", "Их", "Мэдээллийн", "Дижитал", "Цахим", "Оюу",
			"Сод", "Эрин", "Ирээдүй", "Нийслэл", "Түмэн", "Номин", "Очир"},
		cyrForms: []string{"ХХК", "ХК"},
		cyrFormW: []float64{95, 5},
	}
	t.profiles = [6]profile{
		groupSoftware: {0.30, 0.55, 0.20, 0.42, 3.0e6, 0.38, 0.18, 0.5, 0.02, 0.12, 0.6,
			[]string{"Soft", "Tech", "Systems", "Labs", "Digital", "Code", "Solutions", "Software", "Apps", "Technologies", "Logic", "Interactive"},
			[]string{"Софт", "Тех", "Систем", "Лаб", "Дижитал", "Технологи", "Програм", "Шийдэл", "Код", "Инноваци"}},
		groupData: {0.30, 0.55, 0.18, 0.38, 3.0e6, 0.30, 0.22, 0.45, 0.02, 0.10, 0.5,
			[]string{"Data", "Cloud", "Analytics", "Media", "Hub", "Info", "Digital", "AI"},
			[]string{"Дата", "Клауд", "Аналитик", "Медиа", "Мэдээлэл", "Дижитал", "Сервис"}},
		groupTelecom: {0.40, 0.65, 0.08, 0.18, 3.4e6, 0.15, 0.05, 0.3, 0.005, 0.03, 0.15,
			[]string{"Telecom", "Networks", "Net", "Link", "Mobile", "Connect", "Broadband"},
			[]string{"Холбоо", "Сүлжээ", "Нэт", "Телеком", "Мобайл", "Линк"}},
		groupHardware: {0.45, 0.70, 0.12, 0.25, 2.6e6, 0.10, 0.02, 0.3, 0.01, 0.05, 0.15,
			[]string{"Electronics", "Devices", "Components", "Tech", "Industries"},
			[]string{"Электроник", "Тоног", "Тех", "Үйлдвэр"}},
		groupTrade: {0.55, 0.70, 0.08, 0.15, 2.4e6, 0.05, 0.02, 0.05, 0.005, 0.02, 0.15,
			[]string{"Trade", "Computers", "Distribution", "Supply", "Tech"},
			[]string{"Трейд", "Компьютер", "Худалдаа", "Дистрибьюшн"}},
		groupRepair: {0.30, 0.55, 0.25, 0.45, 1.9e6, 0.03, 0.02, 0.05, 0.005, 0.02, 0.15,
			[]string{"Service", "Repair", "Care", "Tech"},
			[]string{"Сервис", "Засвар", "Тех", "Үйлчилгээ"}},
	}
	t.classW = make([]float64, len(t.classes))
	for i, c := range t.classes {
		t.classW[i] = c.weight
	}
	return t
}

// monthOf returns the absolute month number of a calendar month: months
// since January of year 0, so that consecutive months differ by one.
func monthOf(year, month int) int32 { return int32(year*12 + month - 1) }

// yearMonth is the inverse of monthOf.
func yearMonth(m int32) (year, month int) { return int(m / 12), int(m%12) + 1 }

// formatPeriod returns absolute month m as "YYYY-MM" (years 0-9999).
func formatPeriod(m int32) string {
	y, mo := yearMonth(m)
	var buf [7]byte
	b := append2(append2(buf[:0], y/100), y%100)
	return string(append2(append(b, '-'), mo))
}
