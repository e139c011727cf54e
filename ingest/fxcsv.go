package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// fxHeader is the header of the exchange-rates CSV (Bank of Mongolia
// official daily rates).
var fxHeader = []string{"date", "currency", "mnt_per_unit"}

// ReadFXRates reads an exchange-rates CSV: a header `date,currency,mnt_per_unit`
// then one official daily rate a line. A row that breaks a rule comes back
// in bad with its line and reason; a file without the header, or that is not
// CSV at all, is refused with an *ictstat.InputError.
func ReadFXRates(r io.Reader, name string) (rates []ictstat.FXRate, bad []ictstat.Quarantined, err error) {
	cr := csv.NewReader(capLines(r, name, MaxCSVLineBytes))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if ie, ok := asInputError(err); ok {
		return nil, nil, ie
	}
	if err != nil {
		return nil, nil, &ictstat.InputError{File: name, Line: 1, Reason: "no CSV header: " + err.Error()}
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	if len(head) != len(fxHeader) {
		return nil, nil, &ictstat.InputError{File: name, Line: 1, Reason: fmt.Sprintf("header %q: want %s", clipText(strings.Join(head, ",")), strings.Join(fxHeader, ","))}
	}
	for i, h := range fxHeader {
		if strings.TrimSpace(strings.ToLower(head[i])) != h {
			return nil, nil, &ictstat.InputError{File: name, Line: 1, Field: clipText(head[i]), Reason: fmt.Sprintf("column %d is %q: want %s", i+1, clipText(head[i]), h)}
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rates, bad, nil
		}
		if ie, ok := asInputError(err); ok {
			return nil, nil, ie
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, &ictstat.InputError{File: name, Line: int64(pe.Line), Reason: "not CSV: " + pe.Err.Error()}
			}
			return nil, nil, &ictstat.InputError{File: name, Reason: err.Error()}
		}
		line, _ := cr.FieldPos(0)
		rate, reason := parseFXRow(rec)
		if reason != "" {
			bad = append(bad, ictstat.Quarantined{Origin: name, Line: int64(line), Reason: reason, Raw: strings.Join(rec, ",")})
			continue
		}
		rates = append(rates, rate)
	}
}

// parseFXRow checks one row; the reason names the column that is wrong.
func parseFXRow(rec []string) (ictstat.FXRate, string) {
	if len(rec) != len(fxHeader) {
		return ictstat.FXRate{}, fmt.Sprintf("%d columns: want 3 (date,currency,mnt_per_unit)", len(rec))
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(rec[0]))
	if err != nil || d.Year() < 1990 || d.Year() > 2100 {
		return ictstat.FXRate{}, fmt.Sprintf("date: %q is not a YYYY-MM-DD day between 1990 and 2100", clipText(rec[0]))
	}
	cur := strings.TrimSpace(rec[1])
	if len(cur) != 3 || strings.ToUpper(cur) != cur || strings.IndexFunc(cur, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return ictstat.FXRate{}, fmt.Sprintf("currency: %q is not an ISO 4217 code (USD)", clipText(rec[1]))
	}
	if cur == "MNT" {
		return ictstat.FXRate{}, "currency: MNT is the base currency; its rate is 1 by definition"
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || v <= 0 {
		return ictstat.FXRate{}, fmt.Sprintf("mnt_per_unit: %q is not a positive number of MNT", clipText(rec[2]))
	}
	return ictstat.FXRate{Date: ictstat.DateOf(d), Currency: cur, MNTPerUnit: v}, ""
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
