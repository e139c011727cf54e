package dashboard

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestProtect(t *testing.T) {
	for _, tc := range []struct {
		name      string
		companies []float64
		hidden    []bool
		want      []bool
	}{
		{"one hidden: the smallest other goes too", []float64{2, 9, 4, 7}, []bool{true, false, false, false}, []bool{true, false, true, false}},
		{"two hidden: nothing more", []float64{1, 2, 4, 7}, []bool{true, true, false, false}, []bool{true, true, false, false}},
		{"none hidden", []float64{5, 9}, []bool{false, false}, []bool{false, false}},
		{"empty cells are not partners", []float64{2, 0, 6}, []bool{true, false, false}, []bool{true, false, true}},
		{"alone: nothing to hide with", []float64{2}, []bool{true}, []bool{true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hidden := append([]bool(nil), tc.hidden...)
			var g []cellRef
			for i, c := range tc.companies {
				g = append(g, cellRef{c, &hidden[i]})
			}
			protect(g)
			if !reflect.DeepEqual(hidden, tc.want) {
				t.Errorf("got hidden %v, want %v", hidden, tc.want)
			}
		})
	}
}

func TestEntrySeries(t *testing.T) {
	for _, tc := range []struct {
		name             string
		newC, cum        []float64
		wantNew, wantCum []bool
	}{
		{"every count 0 or 3+: all shown", []float64{3, 0, 5}, []float64{3, 3, 8}, []bool{true, true, true}, []bool{true, true, true}},
		// 4 then 1: the cumulative 4 and 5 would give the 1 away
		{"a small count: only the latest cumulative", []float64{4, 1, 3}, []float64{4, 5, 8}, []bool{false, false, false}, []bool{false, false, true}},
		{"small and small in total: nothing", []float64{1, 1}, []float64{1, 2}, []bool{false, false}, []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gotNew, gotCum := entrySeries(tc.newC, tc.cum)
			if !reflect.DeepEqual(gotNew, tc.wantNew) || !reflect.DeepEqual(gotCum, tc.wantCum) {
				t.Errorf("got new %v cum %v, want %v %v", gotNew, gotCum, tc.wantNew, tc.wantCum)
			}
		})
	}
}

func TestParseState(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  state
		bad   string // part of the error
	}{
		{"", state{"mn", "gva", -1}, ""},
		{"lang=en&measure=companies&snapshot=4", state{"en", "companies", 4}, ""},
		{"lang=fr", state{}, "lang"},
		{"measure=profit", state{}, "measure"},
		{"snapshot=-2", state{}, "snapshot"},
		{"lang=en&lang=mn", state{}, "lang given 2 times"},
		{"colour=red", state{}, `unknown parameter "colour"`},
	} {
		v, _ := url.ParseQuery(tc.query)
		got, err := parseState(v)
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q: got %v, want an error naming %q", tc.query, err, tc.bad)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %+v, %v, want %+v", tc.query, got, err, tc.want)
		}
		// The state's links give the same state back.
		back, err := url.ParseQuery(got.query(got.Lang, got.Measure)[1:])
		if again, err2 := parseState(back); err != nil || err2 != nil || again != got {
			t.Errorf("%q: its link gives %+v (%v %v)", tc.query, again, err, err2)
		}
	}
}

// FuzzParseState feeds the page's query string parser anything: it never
// panics, and what it accepts survives the round trip through its links.
func FuzzParseState(f *testing.F) {
	for _, s := range []string{"", "lang=en", "lang=mn&measure=revenue&snapshot=3", "snapshot=99999999999999999999", "lang=en&lang=en", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		st, err := parseState(v)
		if err != nil {
			return
		}
		back, err := url.ParseQuery(st.query(st.Lang, st.Measure)[1:])
		if err != nil {
			t.Fatal(err)
		}
		if again, err := parseState(back); err != nil || again != st {
			t.Fatalf("%q: state %+v, its link gives %+v (%v)", q, st, again, err)
		}
	})
}
