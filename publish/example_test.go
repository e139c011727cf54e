package publish_test

import (
	"fmt"

	"github.com/npit-mn/ictstat/publish"
)

// The default publication time of a quarterly release: 30 working days
// after the quarter, at 09:30 in Ulaanbaatar.
func ExampleCalendarRule_PublishAt() {
	p, err := publish.ParsePeriod("2026Q3")
	if err != nil {
		panic(err)
	}
	at := publish.CalendarRule{}.PublishAt(p)
	fmt.Println(p.Grain, p.Start.Format("2006-01-02"), p.LastDay())
	fmt.Println(at.Format("Mon 2006-01-02 15:04 MST"), at.UTC().Format("15:04 MST"))
	// Output:
	// quarter 2026-07-01 2026-09-30
	// Wed 2026-11-11 09:30 Asia/Ulaanbaatar 01:30 UTC
}
