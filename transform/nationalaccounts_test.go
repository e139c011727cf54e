package transform

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
)

// cube is a dense Cube for tests: values in row-major order, nil missing.
type cube struct {
	ids           []string
	codes, labels [][]string
	values        []*float64
	status        map[int]string
}

func (c *cube) Dims() int { return len(c.ids) }
func (c *cube) Dimension(i int) (string, []string, []string) {
	return c.ids[i], c.codes[i], c.labels[i]
}
func (c *cube) EachCell(yield func([]int, *float64, string) bool) {
	pos := make([]int, len(c.ids))
	for i, v := range c.values {
		if !yield(pos, v, c.status[i]) {
			return
		}
		for j := len(pos) - 1; j >= 0; j-- {
			if pos[j]++; pos[j] < len(c.codes[j]) {
				break
			}
			pos[j] = 0
		}
	}
}

func num(v float64) *float64 { return &v }

// nsoCube is a small DT_NSO_0500_001V1: 2 indicators × 3 activities × 2
// years, newest first, labels indented.
func nsoCube() *cube {
	c := &cube{
		ids:    []string{"Үзүүлэлт", "Эдийн засгийн салбар", "Он"},
		codes:  [][]string{{"0", "1"}, {"0", "3", "10"}, {"0", "1"}},
		labels: [][]string{{" GDP, current prices", " GDP, constant prices"}, {"Total", "   Manufacturing", "   Information and communication "}, {"2024", "2023"}},
		status: map[int]string{3: "p"},
	}
	for i := range 12 {
		c.values = append(c.values, num(float64(100+i)))
	}
	c.values[11] = nil
	return c
}

func rowText(r ictstat.NationalAccount) string {
	v := "null"
	if r.Value != nil {
		v = strconv.FormatFloat(*r.Value, 'f', -1, 64)
	}
	cp := ""
	if r.CurrentPrices {
		cp = "cp "
	}
	return cp + r.Indicator + "/" + r.Activity + ":" + r.ActivityRole + "/" + r.Period + "(" + r.PeriodLabel + "," + r.PeriodStart.String() + ")=" + v + "[" + r.Status + "]"
}

func TestNationalAccountsDefaults(t *testing.T) {
	vintage := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	pulled := time.Date(2026, 11, 27, 1, 2, 3, 0, time.UTC)
	rows, bad, err := NationalAccounts(nsoCube(), NationalAccountsOptions{TableID: "DT"}, NationalAccountsVintage{Origin: "f.json", Vintage: vintage, PulledAt: pulled})
	if err != nil || len(bad) != 0 {
		t.Fatalf("got %v, %v", err, bad)
	}
	var got []string
	for _, r := range rows {
		got = append(got, rowText(r))
	}
	want := []string{
		"cp 0/0:total/2024(2024,2024-01-01)=100[]", "cp 0/0:total/2023(2023,2023-01-01)=101[]",
		"cp 0/3:other/2024(2024,2024-01-01)=102[]", "cp 0/3:other/2023(2023,2023-01-01)=103[p]",
		"cp 0/10:ict/2024(2024,2024-01-01)=104[]", "cp 0/10:ict/2023(2023,2023-01-01)=105[]",
		"1/0:total/2024(2024,2024-01-01)=106[]", "1/0:total/2023(2023,2023-01-01)=107[]",
		"1/3:other/2024(2024,2024-01-01)=108[]", "1/3:other/2023(2023,2023-01-01)=109[]",
		"1/10:ict/2024(2024,2024-01-01)=110[]", "1/10:ict/2023(2023,2023-01-01)=null[]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r := rows[4]
	if r.ActivityLabel != "Information and communication" || r.IndicatorLabel != "GDP, current prices" || r.TableID != "DT" ||
		r.Vintage != vintage.UnixMicro() || r.PulledAt != pulled.UnixMicro() || r.Freq != "A" || r.Year != 2024 || r.Source != "f.json" || r.YTD {
		t.Errorf("got %+v, want trimmed labels, the vintage, pull time and source", r)
	}
}

func TestNationalAccountsMapping(t *testing.T) {
	t.Run("ICT found by label under another code", func(t *testing.T) {
		c := nsoCube()
		c.codes[1] = []string{"0", "3", "J"}
		rows, _, err := NationalAccounts(c, NationalAccountsOptions{}, NationalAccountsVintage{})
		if err != nil || rows[4].Activity != "J" || rows[4].ActivityRole != ictstat.ActivityICT {
			t.Errorf("got %+v, %v; want J as ict", rows[4], err)
		}
	})
	t.Run("ICT by configured code, total by configured code", func(t *testing.T) {
		rows, _, err := NationalAccounts(nsoCube(), NationalAccountsOptions{ICTCode: "3", TotalCode: "10", CurrentPrices: "1", YTD: true}, NationalAccountsVintage{})
		if err != nil {
			t.Fatal(err)
		}
		if rows[2].ActivityRole != "ict" || rows[4].ActivityRole != "total" || rows[0].ActivityRole != "other" || rows[0].CurrentPrices || !rows[6].CurrentPrices || !rows[0].YTD {
			t.Errorf("got roles %s %s %s, current prices %v %v, ytd %v", rows[2].ActivityRole, rows[4].ActivityRole, rows[0].ActivityRole, rows[0].CurrentPrices, rows[6].CurrentPrices, rows[0].YTD)
		}
	})
	t.Run("time found by its labels, indicator as the one other dimension", func(t *testing.T) {
		c := nsoCube()
		c.ids = []string{"Indicator", "Эдийн засгийн салбар", "Улирал"}
		c.labels[2] = []string{"2024-II", "2016M3"}
		rows, _, err := NationalAccounts(c, NationalAccountsOptions{}, NationalAccountsVintage{})
		if err != nil {
			t.Fatal(err)
		}
		if rows[0].Period != "2024-Q2" || rows[0].Freq != "Q" || rows[1].Period != "2016-03" || rows[1].Freq != "M" || rows[1].PeriodLabel != "2016M3" || rows[6].Indicator != "1" {
			t.Errorf("got %s %s %s, want 2024-Q2 (Q), 2016-03 (M) and indicator 1", rowText(rows[0]), rowText(rows[1]), rowText(rows[6]))
		}
	})
	t.Run("a period that reads as none is quarantined", func(t *testing.T) {
		c := nsoCube()
		c.labels[2] = []string{"2024", "Total"}
		c.codes[2] = []string{"0", "T"}
		rows, bad, err := NationalAccounts(c, NationalAccountsOptions{}, NationalAccountsVintage{Origin: "f"})
		if err != nil || len(rows) != 6 || len(bad) != 6 {
			t.Fatalf("got %d rows, %d bad, %v; want 6 and 6", len(rows), len(bad), err)
		}
		if !strings.Contains(bad[0].Reason, "dimension.Он.category.label.T") || !strings.Contains(bad[0].Raw, "value=101") || bad[0].Origin != "f" {
			t.Errorf("got %+v, want the field and the cell", bad[0])
		}
	})
	for _, tc := range []struct {
		name  string
		edit  func(*cube)
		o     NationalAccountsOptions
		field string
	}{
		{"no activity dimension", func(c *cube) { c.ids[1] = "Sector" }, NationalAccountsOptions{}, "dimension.Эдийн засгийн салбар"},
		{"configured time missing", nil, NationalAccountsOptions{TimeDim: "Year"}, "dimension.Year"},
		{"configured indicator missing", nil, NationalAccountsOptions{IndicatorDim: "Ind"}, "dimension.Ind"},
		{"an extra dimension", func(c *cube) {
			c.ids = append(c.ids, "Region")
			c.codes = append(c.codes, []string{"a", "b"})
			c.labels = append(c.labels, []string{"a", "b"})
		}, NationalAccountsOptions{}, "dimension.Region"},
		{"no time at all", func(c *cube) { c.ids[2] = "X"; c.labels[2] = []string{"x", "y"}; c.codes[2] = []string{"x", "y"} }, NationalAccountsOptions{}, "dimension.Он"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := nsoCube()
			if tc.edit != nil {
				tc.edit(c)
			}
			_, _, err := NationalAccounts(c, tc.o, NationalAccountsVintage{Origin: "f.json"})
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || ie.Field != tc.field || ie.File != "f.json" {
				t.Errorf("got %v, want an InputError of field %s", err, tc.field)
			}
		})
	}
}
