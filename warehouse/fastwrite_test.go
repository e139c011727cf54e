package warehouse

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/npit-mn/ictstat"
)

// filingSet describes random filings for the comparison of the two writers.
type filingSet struct {
	rows        int
	wideSources bool // a source for each row: a dictionary of more than 65,536 values
	longLists   bool // now and then a row with hundreds of programs
}

var (
	companyNames = []string{"Test LLC", "Мэдээллийн Технологи ХХК", "Гэрэгэ Софт ХХК", "Nomad Cloud LLC", "Өндөр Хурд ХХК", "", "Tömör Data"}
	isicClasses  = []string{"6201", "6202", "6209", "6311", "6312", "5820", "2610", "4651", "7310"}
	zones        = []string{"UB-01", "UB-02", "UB-03", "UB-04", "UB-05", "UB-06", "ALT-01", "ZMU-01"}
	currencies   = []string{"MNT", "MNT", "MNT", "USD", "USD", "CNY", "EUR"}
	fxRates      = map[string]float64{"MNT": 1, "USD": 3412.5, "CNY": 472.31, "EUR": 3705.02}
	programs     = []string{"startup-visa", "tax-holiday", "ict-grant", "incubator", "Дижитал Монгол"}
	countries    = []string{"KZ", "JP", "US", "CN", "DE", "KR", "RU"}
	ebops        = []string{"SI1", "SI2", "SI3", "SI4", "SJ1", "SH"}
	sources      = []string{"/data/filings-2024-01.ndjson", "/data/filings-2024-02.ndjson", "https://feed.example.mn/filings?page=3"}
)

// randomFilings returns filings like those of a bulk pull, each with its
// exports, and the exports of them all; (filing_id, revision) is unique.
func randomFilings(rng *rand.Rand, set filingSet) ([]ictstat.Filing, []ictstat.Export) {
	fs := make([]ictstat.Filing, set.rows)
	var exports []ictstat.Export
	// amount returns v, or nil with probability p.
	amount := func(p float64, v float64) *float64 {
		if rng.Float64() < p {
			return nil
		}
		return &v
	}
	times := func(p *float64, x float64) *float64 { v := *p * x; return &v }
	for i := range fs {
		reg := fmt.Sprintf("%07d", 1000000+rng.IntN(9000000))
		year, month := 2023+rng.IntN(3), 1+rng.IntN(12)
		isic := isicClasses[rng.IntN(len(isicClasses))]
		cur := currencies[rng.IntN(len(currencies))]
		fx := fxRates[cur]
		revenue := 1000 * float64(rng.IntN(900000))
		ic := revenue * rng.Float64()
		f := ictstat.Filing{
			FilingID: fmt.Sprintf("VZ-%04d%02d-%s", year, month, reg), Revision: int32(1 + i%3), RegistryNo: reg,
			CompanyName: companyNames[rng.IntN(len(companyNames))], ISIC4: isic, ISICDivision: isic[:2],
			ICTSector: strings.HasPrefix(isic, "62") || strings.HasPrefix(isic, "63"), Zone: zones[rng.IntN(len(zones))],
			Period:      ictstat.MonthDate(year, month),
			SubmittedAt: time.Date(year, time.Month(month)+1, 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), 0, rng.IntN(1e9), time.UTC).UnixMicro(),
			Currency:    cur, Revenue: revenue, IntermediateConsumption: ic, Employees: int32(rng.IntN(300)), FXRate: fx,
			RevenueMNT: revenue * fx, IntermediateMNT: ic * fx, GVAMNT: (revenue - ic) * fx,
			AI: rng.IntN(5) == 0, Startup: rng.IntN(3) == 0,
			Source: sources[rng.IntN(len(sources))], SourceLine: int64(i + 1),
		}
		f.Flags = fmt.Sprintf(`{"ai":%v,"startup":%v}`, f.AI, f.Startup)
		if w := amount(0.2, 1000*float64(rng.IntN(5000))); w != nil {
			f.Wages, f.WagesMNT = w, times(w, fx)
		}
		if r := amount(0.7, 100*float64(rng.IntN(10000))); r != nil {
			f.RnDExpense, f.RnDExpenseMNT = r, times(r, fx)
		}
		for range rng.IntN(4) {
			f.Programs = append(f.Programs, programs[rng.IntN(len(programs))])
		}
		if set.wideSources {
			f.Source = fmt.Sprintf("https://feed.example.mn/filings?page=%d&row=%d", i/100, i)
		}
		if set.longLists && i%997 == 0 {
			for j := range 300 + rng.IntN(300) {
				f.Programs = append(f.Programs, fmt.Sprintf("program-%03d", j))
			}
		}
		for range rng.IntN(4) {
			amount := 100 * float64(rng.IntN(100000))
			code := ebops[rng.IntN(len(ebops))]
			e := ictstat.Export{FilingID: f.FilingID, Revision: f.Revision, RegistryNo: reg, Period: f.Period,
				Country: countries[rng.IntN(len(countries))], EBOPS: code, ICTService: strings.HasPrefix(code, "SI"),
				Amount: amount, Currency: cur, AmountMNT: amount * fx}
			f.ExportsMNT += e.AmountMNT
			f.ExportLines++
			exports = append(exports, e)
		}
		fs[i] = f
	}
	return fs, exports
}

// writeBoth writes rows into dir twice: with writeFast (pqwrite) and with
// parquet-go's generic writer, and returns the two paths.
func writeBoth[T any](t *testing.T, dir, name string, rows []T) (fast, generic string) {
	t.Helper()
	fast, generic = filepath.Join(dir, name+"-fast.parquet"), filepath.Join(dir, name+"-generic.parquet")
	var buf bytes.Buffer
	if ok, err := writeFast(&buf, rows); err != nil || !ok {
		t.Fatalf("writeFast %s: %v, %v", name, ok, err)
	}
	if err := os.WriteFile(fast, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	w := parquet.NewGenericWriter[T](&buf, writerOptions()...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(generic, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return fast, generic
}

// normalise makes the rows of a filing set comparable after a round trip:
// an empty programs list reads back as nil, and exports are not stored
// with their filing.
func normalise(fs []ictstat.Filing) []ictstat.Filing {
	out := make([]ictstat.Filing, len(fs))
	for i, f := range fs {
		if len(f.Programs) == 0 {
			f.Programs = nil
		}
		f.Exports = nil
		out[i] = f
	}
	return out
}

// requireRows requires files read with readParquet to hold want.
func requireRows[T any](t *testing.T, want []T, norm func([]T) []T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		got, err := readParquet[T]("", []File{{Path: p}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, want %d", filepath.Base(p), len(got), len(want))
		}
		got, want := norm(got), norm(want)
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%s: row %d:\n got %+v\nwant %+v", filepath.Base(p), i, got[i], want[i])
			}
		}
	}
}

// query returns every row of a query's result, each value as the driver
// gives it.
func query(t *testing.T, db *sql.DB, q string) [][]any {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// requireSameDuckDB requires DuckDB to read the same columns, of the same
// types, and the same rows from both files.
func requireSameDuckDB(t *testing.T, db *sql.DB, fast, generic string) {
	t.Helper()
	for _, q := range []string{"DESCRIBE SELECT * FROM read_parquet(%s)", "SELECT * FROM read_parquet(%s) ORDER BY ALL"} {
		a, b := query(t, db, fmt.Sprintf(q, sqlString(fast))), query(t, db, fmt.Sprintf(q, sqlString(generic)))
		if len(a) != len(b) {
			t.Fatalf("%s: %d rows from pqwrite's file, %d from parquet-go's", q, len(a), len(b))
		}
		for i := range a {
			if !reflect.DeepEqual(a[i], b[i]) {
				t.Fatalf("%s: row %d:\npqwrite    %v\nparquet-go %v", q, i, a[i], b[i])
			}
		}
	}
}

// requireDuckDBStatistics requires the statistics DuckDB reads from each
// column chunk of path (parquet_metadata) to be the min, max and null
// count of the chunk's rows, computed by SQL over the data. A list's
// bounds are those of its elements and its nulls its empty lists.
func requireDuckDBStatistics(t *testing.T, db *sql.DB, path string) {
	t.Helper()
	file := sqlString(path)
	desc := query(t, db, fmt.Sprintf("DESCRIBE SELECT * FROM read_parquet(%s)", file))
	groups := query(t, db, fmt.Sprintf("SELECT count(DISTINCT row_group_id) FROM parquet_metadata(%s)", file))[0][0].(int64)
	if want := int64(len(query(t, db, fmt.Sprintf("SELECT DISTINCT file_row_number // %d FROM read_parquet(%s, file_row_number = true)", rowGroupRows, file)))); groups != want {
		t.Fatalf("%s: %d row groups, want %d", filepath.Base(path), groups, want)
	}
	checked := 0
	for _, d := range desc {
		col, typ := d[0].(string), d[1].(string)
		lo, hi, nulls := fmt.Sprintf("min(%q)", col), fmt.Sprintf("max(%q)", col), fmt.Sprintf("count(*) FILTER (WHERE %q IS NULL)", col)
		if elem, ok := strings.CutSuffix(typ, "[]"); ok {
			typ = elem
			lo, hi, nulls = fmt.Sprintf("min(list_min(%q))", col), fmt.Sprintf("max(list_max(%q))", col), fmt.Sprintf("count(*) FILTER (WHERE len(%q) = 0)", col)
		}
		q := fmt.Sprintf(`WITH
		  m AS (SELECT row_group_id AS rg, stats_min_value AS lo, stats_max_value AS hi, stats_null_count AS nulls
		        FROM parquet_metadata(%[1]s) WHERE split_part(path_in_schema, ', ', 1) = %[2]s),
		  d AS (SELECT file_row_number // %[3]d AS rg, %[4]s AS lo, %[5]s AS hi, %[6]s AS nulls
		        FROM read_parquet(%[1]s, file_row_number = true) GROUP BY rg)
		SELECT rg, m.lo, m.hi, m.nulls, d.lo::VARCHAR, d.hi::VARCHAR, d.nulls,
		       m.lo::%[7]s IS NOT DISTINCT FROM d.lo AND m.hi::%[7]s IS NOT DISTINCT FROM d.hi AND m.nulls = d.nulls
		FROM m FULL JOIN d USING (rg) ORDER BY rg`, file, sqlString(col), rowGroupRows, lo, hi, nulls, typ)
		res := query(t, db, q)
		if int64(len(res)) != groups {
			t.Fatalf("%s column %s: statistics of %d row groups, want %d", filepath.Base(path), col, len(res), groups)
		}
		for _, r := range res {
			if ok, _ := r[7].(bool); !ok {
				t.Errorf("%s column %s row group %v: statistics min %v max %v nulls %v, the data has min %v max %v nulls %v",
					filepath.Base(path), col, r[0], r[1], r[2], r[3], r[4], r[5], r[6])
			}
			checked++
		}
	}
	if want := query(t, db, fmt.Sprintf("SELECT count(*) FROM parquet_metadata(%s)", file))[0][0].(int64); int64(checked) != want {
		t.Errorf("%s: checked %d column chunks of %d", filepath.Base(path), checked, want)
	}
}

// TestWriteFastMatchesGeneric writes the same filings and exports with
// pqwrite and with parquet-go's generic writer, and requires parquet-go
// and DuckDB to read the same rows and types from both, and DuckDB to read
// from pqwrite's file the statistics of the data. The filings held as a
// partition's input, through its scratch form, must write pqwrite's file.
func TestWriteFastMatchesGeneric(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, set := range []filingSet{
		{rows: 1},
		{rows: 40000}, // two row groups
		// Dictionary indexes of 17 bits, lists longer than a tile.
		{rows: 70000, wideSources: true, longLists: true},
	} {
		t.Run(fmt.Sprintf("%d filings", set.rows), func(t *testing.T) {
			filings, exports := randomFilings(rand.New(rand.NewPCG(uint64(i), 42)), set)
			dir := t.TempDir()
			ff, fg := writeBoth(t, dir, "filings", filings)
			ef, eg := writeBoth(t, dir, "exports", exports)

			// Held as a bulk pull holds them, a partition's input through
			// a scratch file, the filings write writeFast's file.
			in := newPartInput()
			if _, err := in.readBinary(inputOf(filings).appendBinary(nil), len(filings)); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := filingsTable.Write(&buf, in.filings, rowGroupRows); err != nil {
				t.Fatal(err)
			}
			if fast, err := os.ReadFile(ff); err != nil || !bytes.Equal(buf.Bytes(), fast) {
				t.Fatalf("the filings of a partition's input write another file than writeFast's (%v)", err)
			}

			requireRows(t, filings, normalise, ff, fg)
			requireRows(t, exports, func(es []ictstat.Export) []ictstat.Export { return es }, ef, eg)

			requireSameDuckDB(t, db, ff, fg)
			requireSameDuckDB(t, db, ef, eg)
			requireDuckDBStatistics(t, db, ff)
			requireDuckDBStatistics(t, db, ef)
		})
	}
}
