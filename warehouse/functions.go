package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"

	"github.com/duckdb/duckdb-go/v2"
	"gonum.org/v1/gonum/stat/distuv"
)

// quantileFunc is a SQL scalar function over DOUBLE arguments that returns
// a DOUBLE, NULL where the distribution is not defined.
type quantileFunc struct {
	args int
	f    func(x []float64) (float64, bool)
}

// quantileFuncs are the distribution quantiles the analytics need and
// DuckDB lacks: beta_quantile(p, a, b), for the Clopper-Pearson and
// Korn-Graubard intervals of survey shares, and t_quantile(p, df).
func quantileFuncs() map[string]quantileFunc {
	return map[string]quantileFunc{
		"beta_quantile": {3, func(x []float64) (float64, bool) {
			if !(x[0] >= 0 && x[0] <= 1 && x[1] > 0 && x[2] > 0) {
				return 0, false
			}
			return distuv.Beta{Alpha: x[1], Beta: x[2]}.Quantile(x[0]), true
		}},
		"t_quantile": {2, func(x []float64) (float64, bool) {
			if !(x[0] > 0 && x[0] < 1 && x[1] > 0) {
				return 0, false
			}
			return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: x[1]}.Quantile(x[0]), true
		}},
	}
}

func (q quantileFunc) Config() duckdb.ScalarFuncConfig {
	d, _ := duckdb.NewTypeInfo(duckdb.TYPE_DOUBLE)
	in := make([]duckdb.TypeInfo, q.args)
	for i := range in {
		in[i] = d
	}
	return duckdb.ScalarFuncConfig{InputTypeInfos: in, ResultTypeInfo: d}
}

func (q quantileFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		x := make([]float64, len(values))
		for i, v := range values {
			f, ok := v.(float64)
			if !ok || math.IsNaN(f) {
				return nil, nil
			}
			x[i] = f
		}
		if r, ok := q.f(x); ok && !math.IsNaN(r) {
			return r, nil
		}
		return nil, nil
	}}
}

// registerFunctions adds quantileFuncs to the database of db.
func registerFunctions(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for name, f := range quantileFuncs() {
		if err := duckdb.RegisterScalarUDF(conn, name, f); err != nil {
			return fmt.Errorf("register SQL function %s: %w", name, err)
		}
	}
	return nil
}
