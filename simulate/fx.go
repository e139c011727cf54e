package simulate

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// WriteFXRatesCSV writes synthetic official daily MNT/USD rates for every
// working day of the world's periods, in the exchange-rates CSV format
// (date,currency,mnt_per_unit). The daily rate wobbles around the same
// smooth monthly curve the world converts its USD filings with, so that the
// monthly averages agree with the world. The figures are synthetic.
func (w *World) WriteFXRatesCSV(out io.Writer) error {
	buf := []byte("date,currency,mnt_per_unit\n")
	for _, p := range w.periods {
		m, err := parsePeriod(p)
		if err != nil {
			return err
		}
		y, mon := int(m)/12, time.Month(int(m)%12+1)
		base := mntPerUSD(m)
		for d := time.Date(y, mon, 1, 0, 0, 0, 0, time.UTC); d.Month() == mon; d = d.AddDate(0, 0, 1) {
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				continue
			}
			rate := base * (1 + 0.004*math.Sin(float64(d.Day())))
			buf = append(buf, d.Format(time.DateOnly)...)
			buf = append(buf, ",USD,"...)
			buf = strconv.AppendFloat(buf, math.Round(rate*100)/100, 'f', 2, 64)
			buf = append(buf, '\n')
		}
	}
	if _, err := out.Write(buf); err != nil {
		return fmt.Errorf("simulate: write fx rates: %w", err)
	}
	return nil
}
