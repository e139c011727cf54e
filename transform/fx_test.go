package transform_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/transform"
)

func day(y, m, d int) ictstat.Date {
	return ictstat.DateOf(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC))
}

func TestMonthlyFX(t *testing.T) {
	rates := []ictstat.FXRate{
		{Date: day(2026, 10, 1), Currency: "USD", MNTPerUnit: 3400},
		{Date: day(2026, 10, 2), Currency: "USD", MNTPerUnit: 3401},
		{Date: day(2026, 10, 31), Currency: "USD", MNTPerUnit: 3420},
		{Date: day(2026, 11, 1), Currency: "USD", MNTPerUnit: 3500},
		{Date: day(2025, 10, 15), Currency: "USD", MNTPerUnit: 3300}, // same month, other year
		{Date: day(2026, 10, 15), Currency: "EUR", MNTPerUnit: 3900},
		{Date: day(2026, 10, 16), Currency: "EUR", MNTPerUnit: 3950},
	}
	tests := []struct {
		name        string
		table       *transform.FXTable
		currency    string
		year, month int
		want        float64
		ok          bool
	}{
		{"average of the month's days", transform.MonthlyFX(rates), "USD", 2026, 10, (3400.0 + 3401 + 3420) / 3, true},
		{"single day", transform.MonthlyFX(rates), "USD", 2026, 11, 3500, true},
		{"other year kept apart", transform.MonthlyFX(rates), "USD", 2025, 10, 3300, true},
		{"other currency kept apart", transform.MonthlyFX(rates), "EUR", 2026, 10, 3925, true},
		{"month without rates", transform.MonthlyFX(rates), "USD", 2026, 9, 0, false},
		{"currency without rates", transform.MonthlyFX(rates), "CNY", 2026, 10, 0, false},
		{"currency code is case-sensitive", transform.MonthlyFX(rates), "usd", 2026, 10, 0, false},
		{"empty table", transform.MonthlyFX(nil), "USD", 2026, 10, 0, false},
		{"nil table", nil, "USD", 2026, 10, 0, false},
		{"MNT is 1", transform.MonthlyFX(rates), "MNT", 2026, 10, 1, true},
		{"MNT is 1 without a table", nil, "MNT", 1990, 1, 1, true},
		{"MNT rows are ignored", transform.MonthlyFX([]ictstat.FXRate{{Date: day(2026, 10, 1), Currency: "MNT", MNTPerUnit: 2}}), "MNT", 2026, 10, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.table.Rate(tt.currency, tt.year, tt.month)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Rate(%s, %d, %d) = %g, %v, want %g, %v", tt.currency, tt.year, tt.month, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMonthlyFXOrderIndependent(t *testing.T) {
	var rates []ictstat.FXRate
	for d := 1; d <= 31; d++ {
		rates = append(rates, ictstat.FXRate{Date: day(2026, 10, d), Currency: "USD", MNTPerUnit: 3400 + float64(d)})
	}
	reversed := make([]ictstat.FXRate, len(rates))
	for i, r := range rates {
		reversed[len(rates)-1-i] = r
	}
	a, _ := transform.MonthlyFX(rates).Rate("USD", 2026, 10)
	b, _ := transform.MonthlyFX(reversed).Rate("USD", 2026, 10)
	if a != 3416 || b != 3416 { // 3400 + (1+...+31)/31
		t.Errorf("got %g and %g, want 3416 for both orders", a, b)
	}
}

func ExampleMonthlyFX() {
	fx := transform.MonthlyFX([]ictstat.FXRate{
		{Date: ictstat.MonthDate(2026, 10), Currency: "USD", MNTPerUnit: 3400},
		{Date: ictstat.MonthDate(2026, 10) + 1, Currency: "USD", MNTPerUnit: 3420},
	})
	rate, ok := fx.Rate("USD", 2026, 10)
	fmt.Println(rate, ok)
	_, ok = fx.Rate("USD", 2026, 11)
	fmt.Println(ok)
	// Output:
	// 3410 true
	// false
}
