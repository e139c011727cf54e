package ingest

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// cellsText renders every cell Cells yields as "code,code=value[status]",
// value "null" when missing.
func cellsText(d *JSONStat) []string {
	var out []string
	for c := range d.Cells() {
		v := "null"
		if c.Value != nil {
			v = fmt.Sprint(*c.Value)
		}
		s := strings.Join(c.Codes, ",") + "=" + v
		if c.Status != "" {
			s += "[" + c.Status + "]"
		}
		out = append(out, s)
	}
	return out
}

func TestJSONStatQuirks(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       []string
		labels     map[string][]string // dimension → labels as published
	}{
		{
			name: "index as array, value array, last dimension fastest",
			json: `{"version":"2.0","class":"dataset","id":["a","b"],"size":[2,3],
				"dimension":{"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":["1","2","3"]}}},
				"value":[1,2,3,4,5,6]}`,
			want: []string{"x,1=1", "x,2=2", "x,3=3", "y,1=4", "y,2=5", "y,3=6"},
		},
		{
			name: "index as object out of order, Cyrillic codes, labels with leading spaces",
			json: `{"id":["Он","Эдийн засгийн салбар"],"size":[2,2],
				"dimension":{"Эдийн засгийн салбар":{"category":{"index":{"10":1,"0":0},"label":{"0":"Total","10":"   Information and communication"}}},
				"Он":{"category":{"index":{"1":1,"0":0},"label":{"0":"2024","1":"2023"}}}},
				"value":[80663051,1371272,70441516,1169329]}`,
			want:   []string{"0,0=8.0663051e+07", "0,10=1.371272e+06", "1,0=7.0441516e+07", "1,10=1.169329e+06"},
			labels: map[string][]string{"Эдийн засгийн салбар": {"Total", "   Information and communication"}, "Он": {"2024", "2023"}},
		},
		{
			name: "null values, status as a string",
			json: `{"id":["t"],"size":[3],"dimension":{"t":{"category":{"index":["2024","2023","2022"]}}},
				"value":[1.5,null,-2],"status":"p"}`,
			want: []string{"2024=1.5[p]", "2023=null[p]", "2022=-2[p]"},
		},
		{
			name: "status as an array with nulls",
			json: `{"id":["t"],"size":[3],"dimension":{"t":{"category":{"index":["a","b","c"]}}},
				"value":[1,2,3],"status":["e",null,"m"]}`,
			want: []string{"a=1[e]", "b=2", "c=3[m]"},
		},
		{
			name: "status as an object, value as a sparse object",
			json: `{"id":["r","c"],"size":[2,2],"dimension":{"r":{"category":{"index":["r1","r2"]}},"c":{"category":{"index":["c1","c2"]}}},
				"value":{"3":40,"0":10,"2":null},"status":{"2":"..","0":"a"}}`,
			want: []string{"r1,c1=10[a]", "r2,c1=null[..]", "r2,c2=40"},
		},
		{
			name: "index left out for one category, label gives it",
			json: `{"id":["u","t"],"size":[1,2],"dimension":{"u":{"category":{"label":{"MNT":"million MNT"}}},"t":{"category":{"index":["2024","2023"]}}},
				"value":[1,2]}`,
			want: []string{"MNT,2024=1", "MNT,2023=2"},
		},
		{
			name: "numbers in strings, other text as no value, exponents",
			json: `{"id":["t"],"size":[4],"dimension":{"t":{"category":{"index":["a","b","c","d"]}}},"value":["12.5","..",1e3, -0.25]}`,
			want: []string{"a=12.5", "b=null", "c=1000", "d=-0.25"},
		},
		{
			name: "three dimensions row-major",
			json: `{"id":["a","b","c"],"size":[2,2,2],"dimension":{"a":{"category":{"index":["a0","a1"]}},"b":{"category":{"index":["b0","b1"]}},"c":{"category":{"index":["c0","c1"]}}},
				"value":[0,1,2,3,4,5,6,7]}`,
			want: []string{"a0,b0,c0=0", "a0,b0,c1=1", "a0,b1,c0=2", "a0,b1,c1=3", "a1,b0,c0=4", "a1,b0,c1=5", "a1,b1,c0=6", "a1,b1,c1=7"},
		},
		{
			name: "a collection holding the dataset",
			json: `{"version":"2.0","class":"collection","link":{"item":[{"class":"dataset","id":["t"],"size":[1],"dimension":{"t":{"category":{"index":["2024"]}}},"value":[7]}]}}`,
			want: []string{"2024=7"},
		},
		{
			name: "a JSON-stat 1.0 bundle",
			json: `{"dataset":{"dimension":{"id":["t"],"size":[2],"t":{"category":{"index":{"2024":0,"2023":1}}}},"value":[7,8]}}`,
			want: []string{"2024=7", "2023=8"},
		},
		{
			name: "an empty dimension",
			json: `{"id":["t"],"size":[0],"dimension":{"t":{"category":{"index":[]}}},"value":[]}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ReadJSONStat([]byte(tc.json), "f.json")
			if err != nil {
				t.Fatal(err)
			}
			got := cellsText(d)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got cells %q, want %q", got, tc.want)
			}
			for id, want := range tc.labels {
				found := false
				for _, dim := range d.Dimensions {
					if dim.ID == id {
						found = true
						if strings.Join(dim.Labels, "|") != strings.Join(want, "|") {
							t.Errorf("dimension %s: got labels %q, want %q", id, dim.Labels, want)
						}
					}
				}
				if !found {
					t.Errorf("no dimension %s", id)
				}
			}
		})
	}
}

func TestJSONStatErrorsNameTheField(t *testing.T) {
	dim := `"dimension":{"Он":{"category":{"index":["2024","2023"]}}}`
	for _, tc := range []struct{ name, json, field string }{
		{"not JSON", `{"id": [`, ""},
		{"not a dataset", `{"hello":"world"}`, "dimension"},
		{"class", `{"class":"dimension","id":["Он"],"size":[2],` + dim + `,"value":[1,2]}`, "class"},
		{"no id", `{"size":[2],` + dim + `,"value":[1,2]}`, "id"},
		{"size count", `{"id":["Он"],"size":[2,3],` + dim + `,"value":[1,2]}`, "size"},
		{"size vs categories", `{"id":["Он"],"size":[3],` + dim + `,"value":[1,2,3]}`, "size"},
		{"missing dimension", `{"id":["Он","x"],"size":[2,1],` + dim + `,"value":[1,2]}`, "dimension.x"},
		{"index position twice", `{"id":["Он"],"size":[2],"dimension":{"Он":{"category":{"index":{"2024":0,"2023":0}}}},"value":[1,2]}`, "dimension.Он.category.index"},
		{"index position out of range", `{"id":["Он"],"size":[2],"dimension":{"Он":{"category":{"index":{"2024":0,"2023":5}}}},"value":[1,2]}`, "dimension.Он.category.index"},
		{"index of numbers", `{"id":["Он"],"size":[2],"dimension":{"Он":{"category":{"index":[2024,2023]}}},"value":[1,2]}`, "dimension.Он.category.index"},
		{"code twice", `{"id":["Он"],"size":[2],"dimension":{"Он":{"category":{"index":["2024","2024"]}}},"value":[1,2]}`, "dimension.Он.category.index"},
		{"label of an unknown code", `{"id":["Он"],"size":[2],"dimension":{"Он":{"category":{"index":["2024","2023"],"label":{"1999":"x"}}}},"value":[1,2]}`, "dimension.Он.category.label"},
		{"no category", `{"id":["Он"],"size":[2],"dimension":{"Он":{"label":"Year"}},"value":[1,2]}`, "dimension.Он.category"},
		{"too few values", `{"id":["Он"],"size":[2],` + dim + `,"value":[1]}`, "value"},
		{"a value that is a bool", `{"id":["Он"],"size":[2],` + dim + `,"value":[1,true]}`, "value"},
		{"a value out of range", `{"id":["Он"],"size":[2],` + dim + `,"value":[1,1e999]}`, "value"},
		{"sparse key out of range", `{"id":["Он"],"size":[2],` + dim + `,"value":{"2":1}}`, "value.2"},
		{"sparse key not a number", `{"id":["Он"],"size":[2],` + dim + `,"value":{"01":1}}`, "value.01"},
		{"no value", `{"id":["Он"],"size":[2],` + dim + `}`, "value"},
		{"status length", `{"id":["Он"],"size":[2],` + dim + `,"value":[1,2],"status":["a","b","c"]}`, "status"},
		{"status key", `{"id":["Он"],"size":[2],` + dim + `,"value":[1,2],"status":{"9":"a"}}`, "status.9"},
		{"updated", `{"id":["Он"],"size":[2],` + dim + `,"value":[1,2],"updated":"yesterday"}`, "updated"},
		{"too many cells", bigCube(5, 1000), "size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadJSONStat([]byte(tc.json), "f.json")
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got %v, want an InputError", err)
			}
			if ie.Field != tc.field || ie.File != "f.json" {
				t.Errorf("got field %q of %q (%v), want %q", ie.Field, ie.File, err, tc.field)
			}
		})
	}
}

// bigCube returns a dataset of dims dimensions of n categories each and no
// values.
func bigCube(dims, n int) string {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("%q", fmt.Sprint(i))
	}
	var ids, sizes, ds []string
	for d := range dims {
		ids = append(ids, fmt.Sprintf(`"d%d"`, d))
		sizes = append(sizes, fmt.Sprint(n))
		ds = append(ds, fmt.Sprintf(`"d%d":{"category":{"index":[%s]}}`, d, strings.Join(codes, ",")))
	}
	return fmt.Sprintf(`{"id":[%s],"size":[%s],"dimension":{%s},"value":{}}`, strings.Join(ids, ","), strings.Join(sizes, ","), strings.Join(ds, ","))
}

func TestJSONStatUpdatedAndTableID(t *testing.T) {
	data, err := os.ReadFile("../testdata/national_accounts/DT_NSO_0500_001V1.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadJSONStat(data, "x")
	if err != nil {
		t.Fatal(err)
	}
	u, ok := d.UpdatedTime()
	if !ok || u.Format("2006-01-02T15:04:05Z07:00") != "2025-03-14T09:00:00Z" {
		t.Errorf("got updated %v %v, want 2025-03-14T09:00:00Z", u, ok)
	}
	if id := d.PXTableID(); id != "DT_NSO_0500_001V1" {
		t.Errorf("got table id %q, want DT_NSO_0500_001V1", id)
	}
	if d.Len() != 2*22*7 || !strings.Contains(d.Label, "SYNTHETIC") {
		t.Errorf("got %d cells, label %q; want 308 and a label saying SYNTHETIC", d.Len(), d.Label)
	}
	for _, tc := range []struct{ in, want string }{
		{"2024-03-15T09:00:00Z", "2024-03-15T09:00:00Z"},
		{"2024-03-15T09:00:00+08:00", "2024-03-15T01:00:00Z"},
		{"2024-03-15T09:00:00", "2024-03-15T09:00:00Z"},
		{"2024-03-15 09:00:00", "2024-03-15T09:00:00Z"},
		{"2024-03-15T09:00", "2024-03-15T09:00:00Z"},
		{"2024-03-15", "2024-03-15T00:00:00Z"},
	} {
		got, err := ParseJSONStatTime(tc.in)
		if err != nil || got.Format("2006-01-02T15:04:05Z07:00") != tc.want {
			t.Errorf("ParseJSONStatTime(%q): got %v, %v, want %s", tc.in, got, err, tc.want)
		}
	}
}

// FuzzJSONStat checks that no input crashes the reader, that errors are
// InputErrors, and that an accepted dataset yields cells consistent with
// its sizes.
func FuzzJSONStat(f *testing.F) {
	for _, s := range []string{
		`{"id":["a","b"],"size":[2,2],"dimension":{"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":{"1":0,"2":1}}}},"value":[1,null,3,"4"],"status":["a",null,"b","c"]}`,
		`{"id":["t"],"size":[3],"dimension":{"t":{"category":{"label":{"2024":"2024"}}}},"value":{"0":1,"2":null},"status":{"1":"x"}}`,
		`{"class":"collection","link":{"item":[{"class":"dataset","id":["t"],"size":[1],"dimension":{"t":{"category":{"index":["2024"]}}},"value":[7]}]}}`,
		`{"dataset":{"dimension":{"id":["t"],"size":[1],"t":{"category":{"index":["2024"]}}},"value":[7]}}`,
		`{"id":["t"],"size":[0],"dimension":{"t":{"category":{"index":[]}}},"value":[]}`,
		`[1,2]`, `null`, `{"value":[1 , 2 ,"x\"y"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadJSONStat(data, "fuzz")
		if err != nil {
			if !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got %v, want an InputError", err)
			}
			return
		}
		n, last := int64(0), int64(-1)
		for c := range d.Cells() {
			if c.Index <= last || c.Index >= d.Len() {
				t.Fatalf("cell %d after %d of %d", c.Index, last, d.Len())
			}
			last = c.Index
			p := int64(0)
			for j, dim := range d.Dimensions {
				if c.Codes[j] != dim.Codes[c.Pos[j]] {
					t.Fatalf("cell %d: code %q at position %d of %s", c.Index, c.Codes[j], c.Pos[j], dim.ID)
				}
				p = p*int64(len(dim.Codes)) + int64(c.Pos[j])
			}
			if p != c.Index {
				t.Fatalf("cell %d: positions %v make %d", c.Index, c.Pos, p)
			}
			if c.Value != nil && (math.IsNaN(*c.Value) || math.IsInf(*c.Value, 0)) {
				t.Fatalf("cell %d: value %v", c.Index, *c.Value)
			}
			if n++; n > 1<<16 {
				break
			}
		}
		if !d.Sparse() && n != min(d.Len(), 1<<16+1) && n <= 1<<16 {
			t.Fatalf("dense dataset yielded %d cells of %d", n, d.Len())
		}
	})
}
