package transform

import (
	"sort"
	"time"

	"github.com/npit-mn/ictstat"
)

// ValidateRegistration checks a registry event against the contract
// (docs/sources.md, section 1).
func ValidateRegistration(rec *ictstat.RegistrationRecord) (ictstat.Registration, *ictstat.InputError) {
	var r ictstat.Registration
	if rec.RegistryNo == "" {
		return r, bad("registry_no", "missing")
	}
	if !ictstat.ValidRegistryNo(rec.RegistryNo) {
		return r, bad("registry_no", "%q is not a state registration number (7 digits)", clip(rec.RegistryNo))
	}
	if e := checkText("company_name", rec.CompanyName, maxNameLen, false); e != nil {
		return r, e
	}
	if !ictstat.ValidISIC4(rec.ISIC4) {
		return r, bad("isic4", "%q is not an ISIC Rev.4 class (4 digits of an existing division)", clip(rec.ISIC4))
	}
	if e := checkText("zone", rec.Zone, maxZoneLen, true); e != nil {
		return r, e
	}
	if rec.Event != "registered" && rec.Event != "deregistered" {
		return r, bad("event", "%q is not registered or deregistered", clip(rec.Event))
	}
	d, err := time.Parse(time.DateOnly, rec.Date)
	if err != nil || d.Year() < 1990 || d.Year() > 2100 {
		return r, bad("date", "%q is not a YYYY-MM-DD day between 1990 and 2100", clip(rec.Date))
	}
	return ictstat.Registration{RegistryNo: rec.RegistryNo, CompanyName: rec.CompanyName, ISIC4: rec.ISIC4,
		ICTSector: ictstat.ICTSector(rec.ISIC4), Zone: rec.Zone, Event: rec.Event, Date: ictstat.DateOf(d)}, nil
}

// Companies derives the register from every event: one company per registry
// number, with its first registration, its latest deregistration if it is
// not registered again after it, and the name, class and zone of its latest
// event. Events are applied in date order; on the same day a deregistration
// comes after a registration.
func Companies(events []ictstat.Registration) []ictstat.Company {
	sorted := append([]ictstat.Registration(nil), events...)
	sortEvents(sorted)
	byNo := map[string]*ictstat.Company{}
	var order []string
	for _, e := range sorted {
		c := byNo[e.RegistryNo]
		if c == nil {
			c = &ictstat.Company{RegistryNo: e.RegistryNo, RegisteredOn: e.Date}
			byNo[e.RegistryNo] = c
			order = append(order, e.RegistryNo)
		}
		c.CompanyName, c.ISIC4, c.ICTSector, c.Zone = e.CompanyName, e.ISIC4, e.ICTSector, e.Zone
		c.Events++
		c.History = addSpell(c.History, e)
		if e.Event == "deregistered" {
			d := e.Date
			c.DeregisteredOn, c.Active = &d, false
		} else {
			c.DeregisteredOn, c.Active = nil, true
		}
	}
	out := make([]ictstat.Company, 0, len(order))
	for _, no := range order {
		out = append(out, *byNo[no])
	}
	return out
}

// addSpell closes the open spell of history at event e and opens the one e
// starts. A spell that would end the day it began (two events on one day)
// is replaced, so that spells never overlap and each lasts a day or more.
func addSpell(history []ictstat.CompanySpell, e ictstat.Registration) []ictstat.CompanySpell {
	if n := len(history); n > 0 {
		if history[n-1].ValidFrom == e.Date {
			history = history[:n-1]
		} else {
			end := e.Date
			history[n-1].ValidTo = &end
		}
	}
	return append(history, ictstat.CompanySpell{ValidFrom: e.Date, Registered: e.Event != "deregistered",
		Zone: e.Zone, ISIC4: e.ISIC4, ICTSector: e.ICTSector, CompanyName: e.CompanyName})
}

// sortEvents orders registry events by date, registrations before
// deregistrations of the same day, then by registry number.
func sortEvents(ev []ictstat.Registration) {
	sort.SliceStable(ev, func(i, j int) bool {
		a, b := ev[i], ev[j]
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		if a.Event != b.Event {
			return a.Event == "registered"
		}
		return a.RegistryNo < b.RegistryNo
	})
}

// ActiveOn is the project's one definition of an active company: c is
// active on day when the spell of its history that covers day (ValidFrom <=
// day < ValidTo) is a registration. It returns that spell, whose zone and
// class the company counts under that day. A company that left and came
// back is not active in between, and counts under the class and zone it
// had on day, not its latest. The survey's population (ActiveByDivision)
// and the registrations analytic (spells of table companies, see
// queries/registrations.sql) both use it.
func ActiveOn(c *ictstat.Company, day ictstat.Date) (ictstat.CompanySpell, bool) {
	for _, s := range c.History {
		if s.ValidFrom <= day && (s.ValidTo == nil || day < *s.ValidTo) {
			return s, s.Registered
		}
	}
	return ictstat.CompanySpell{}, false
}

// ActiveByDivision counts the companies active on day (ActiveOn) by the
// ISIC division (the first two digits of the class) they had that day.
func ActiveByDivision(cs []ictstat.Company, day ictstat.Date) map[string]int64 {
	out := map[string]int64{}
	for i := range cs {
		if s, ok := ActiveOn(&cs[i], day); ok && len(s.ISIC4) >= 2 {
			out[s.ISIC4[:2]]++
		}
	}
	return out
}
