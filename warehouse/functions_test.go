package warehouse_test

import (
	"math"
	"testing"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestQuantileFunctions checks beta_quantile and t_quantile against closed
// forms: Beta(1, b) has quantile 1 - (1 - p)^(1/b), Beta(a, 1) p^(1/a),
// and Student's t with 1 degree of freedom (Cauchy) tan(pi (p - 1/2)),
// with 2 (2p - 1) / sqrt(2 p (1 - p)).
// Each query takes a new connection of the pool, so the functions are seen
// by every connection.
func TestQuantileFunctions(t *testing.T) {
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for _, tc := range []struct {
		sql  string
		want float64
	}{
		{"SELECT beta_quantile(0.975, 1, 10)", 1 - math.Pow(0.025, 0.1)},
		{"SELECT beta_quantile(0.025, 10, 1)", math.Pow(0.025, 0.1)},
		{"SELECT beta_quantile(0.3, 2.5, 1)", math.Pow(0.3, 1/2.5)},
		{"SELECT t_quantile(0.975, 1)", math.Tan(math.Pi * 0.475)},
		{"SELECT t_quantile(0.975, 2)", 0.95 / math.Sqrt(2*0.975*0.025)},
	} {
		rows := testutil.Rows(t, wh, testutil.Current, tc.sql)
		got, ok := rows[0][0].(float64)
		if !ok || math.Abs(got-tc.want) > 1e-9*math.Max(1, math.Abs(tc.want)) {
			t.Errorf("%s: got %v, want %v", tc.sql, rows[0][0], tc.want)
		}
	}
	for _, sql := range []string{"SELECT beta_quantile(0.5, 0, 1)", "SELECT beta_quantile(2, 1, 1)", "SELECT t_quantile(0.5, -1)", "SELECT beta_quantile(NULL, 1, 1)"} {
		if rows := testutil.Rows(t, wh, testutil.Current, sql); rows[0][0] != nil {
			t.Errorf("%s: got %v, want NULL", sql, rows[0][0])
		}
	}
}
