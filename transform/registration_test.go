package transform

import (
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
)

func ev(no, event, zone, isic string, day ictstat.Date) ictstat.Registration {
	return ictstat.Registration{RegistryNo: no, CompanyName: "Co " + no, ISIC4: isic, ICTSector: ictstat.ICTSector(isic),
		Zone: zone, Event: event, Date: day}
}

// spellAt returns the spell of c that covers day d, if any.
func spellAt(c ictstat.Company, d ictstat.Date) (ictstat.CompanySpell, bool) {
	for _, s := range c.History {
		if s.ValidFrom <= d && (s.ValidTo == nil || d < *s.ValidTo) {
			return s, true
		}
	}
	return ictstat.CompanySpell{}, false
}

func TestCompaniesHistory(t *testing.T) {
	d := func(s string) ictstat.Date { return ictstat.DateOf(mustDay(t, s)) }
	events := []ictstat.Registration{
		ev("1000001", "registered", "UB-01", "6201", d("2024-01-10")),
		ev("1000001", "registered", "UB-02", "6202", d("2024-06-01")), // moved zone and class
		ev("1000001", "deregistered", "UB-02", "6202", d("2025-03-31")),
		ev("1000001", "registered", "DA-01", "6311", d("2025-09-01")), // back again
	}
	cs := Companies(events)
	if len(cs) != 1 {
		t.Fatalf("got %d companies, want 1", len(cs))
	}
	c := cs[0]
	if len(c.History) != 4 {
		t.Fatalf("got %d spells, want 4: %+v", len(c.History), c.History)
	}
	cases := []struct {
		day        string
		registered bool
		zone, isic string
	}{
		{"2024-01-10", true, "UB-01", "6201"},
		{"2024-05-31", true, "UB-01", "6201"},
		{"2024-06-01", true, "UB-02", "6202"},
		{"2025-03-30", true, "UB-02", "6202"},
		{"2025-03-31", false, "UB-02", "6202"},
		{"2025-08-31", false, "UB-02", "6202"},
		{"2025-09-01", true, "DA-01", "6311"},
		{"2030-01-01", true, "DA-01", "6311"},
	}
	for _, tc := range cases {
		s, ok := spellAt(c, d(tc.day))
		if !ok || s.Registered != tc.registered || s.Zone != tc.zone || s.ISIC4 != tc.isic {
			t.Errorf("%s: got %+v (found %v), want registered %v zone %s class %s", tc.day, s, ok, tc.registered, tc.zone, tc.isic)
		}
	}
	if _, ok := spellAt(c, d("2024-01-09")); ok {
		t.Errorf("2024-01-09: a spell before the first registration")
	}
	if c.RegisteredOn != d("2024-01-10") || c.DeregisteredOn != nil || !c.Active || c.Zone != "DA-01" {
		t.Errorf("got registered_on %v deregistered_on %v active %v zone %s, want 2024-01-10, nil, true, DA-01",
			c.RegisteredOn, c.DeregisteredOn, c.Active, c.Zone)
	}
}

// TestCompaniesHistoryReplay checks the spells against a replay of the
// events up to each day, on random event histories.
func TestCompaniesHistoryReplay(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	zones := []string{"UB-01", "UB-02", "DA-01"}
	for trial := range 200 {
		var events []ictstat.Registration
		for range 1 + rng.IntN(6) {
			kind := "registered"
			if rng.IntN(3) == 0 {
				kind = "deregistered"
			}
			events = append(events, ev("2000002", kind, zones[rng.IntN(3)], "6201", ictstat.Date(20000+rng.IntN(40))))
		}
		cs := Companies(events)
		sorted := append([]ictstat.Registration(nil), events...)
		sortEvents(sorted)
		for day := ictstat.Date(19995); day < 20045; day++ {
			var want *ictstat.Registration
			for i := range sorted {
				if sorted[i].Date <= day {
					want = &sorted[i]
				}
			}
			s, ok := spellAt(cs[0], day)
			switch {
			case want == nil && ok:
				t.Fatalf("trial %d day %d: spell %+v before any event", trial, day, s)
			case want != nil && !ok:
				t.Fatalf("trial %d day %d: no spell, want the state of %+v", trial, day, *want)
			case want != nil && (s.Registered != (want.Event == "registered") || s.Zone != want.Zone):
				t.Fatalf("trial %d day %d: got %+v, want the state of %+v (events %+v)", trial, day, s, *want, sorted)
			}
		}
	}
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestActiveOn checks the one definition of active on a company that left
// and came back under another class: not active in its gap, and counted
// under the class it had on the day (the companies table's first
// registration and latest class would count it in the gap, under 63).
func TestActiveOn(t *testing.T) {
	evt := func(event string, y, m int, isic string) ictstat.Registration {
		return ictstat.Registration{RegistryNo: "1000001", ISIC4: isic, Zone: "UB-01", Event: event, Date: ictstat.MonthDate(y, m)}
	}
	cs := Companies([]ictstat.Registration{
		evt("registered", 2024, 1, "6201"), evt("deregistered", 2024, 6, "6201"), evt("registered", 2025, 1, "6311"),
		{RegistryNo: "1000002", ISIC4: "6201", Event: "registered", Date: ictstat.MonthDate(2024, 3)},
	})
	for _, tc := range []struct {
		day  ictstat.Date
		want map[string]int64
	}{
		{ictstat.MonthDate(2023, 12), map[string]int64{}},
		{ictstat.MonthDate(2024, 1), map[string]int64{"62": 1}},
		{ictstat.MonthDate(2024, 3), map[string]int64{"62": 2}},
		{ictstat.MonthDate(2024, 6) - 1, map[string]int64{"62": 2}},
		{ictstat.MonthDate(2024, 6), map[string]int64{"62": 1}},
		{ictstat.MonthDate(2024, 9), map[string]int64{"62": 1}},
		{ictstat.MonthDate(2025, 3), map[string]int64{"62": 1, "63": 1}},
	} {
		if got := ActiveByDivision(cs, tc.day); !maps.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.day, got, tc.want)
		}
	}
}
