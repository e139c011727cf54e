package warehouse

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/npit-mn/ictstat"
)

// maxSQLBytes bounds the text of one ad-hoc statement.
const maxSQLBytes = 1 << 20

// parseSelect parses query without binding or running it (DuckDB's
// json_serialize_sql) and returns its syntax tree; anything but exactly one
// SELECT is refused. PRAGMA, CALL, SET, COPY, EXPORT, ATTACH and DDL never
// reach the binder, so none of them can act.
func parseSelect(dc driver.Conn, query string) (map[string]any, error) {
	if len(query) > maxSQLBytes {
		return nil, fmt.Errorf("%w: the statement is %d bytes; the limit is %d", ictstat.ErrUsage, len(query), maxSQLBytes)
	}
	rows, err := dc.(driver.QueryerContext).QueryContext(context.Background(), "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", []driver.NamedValue{{Ordinal: 1, Value: query}})
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	vals := make([]driver.Value, 1)
	if err := rows.Next(vals); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	text, _ := vals[0].(string)
	var tree struct {
		Error      bool             `json:"error"`
		ErrorType  string           `json:"error_type"`
		Message    string           `json:"error_message"`
		Statements []map[string]any `json:"statements"`
	}
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		return nil, fmt.Errorf("parse sql: %w", err)
	}
	switch {
	case tree.Error && tree.ErrorType == "not implemented":
		return nil, fmt.Errorf("%w: only SELECT queries are allowed (no PRAGMA, CALL, SET, COPY, EXPORT, ATTACH, DDL or writes)", ictstat.ErrUsage)
	case tree.Error:
		return nil, fmt.Errorf("%w: %s", ictstat.ErrUsage, tree.Message)
	case len(tree.Statements) != 1:
		return nil, fmt.Errorf("%w: send exactly one SELECT statement (got %d)", ictstat.ErrUsage, len(tree.Statements))
	}
	return tree.Statements[0], nil
}

// tableFuncs are the table functions sandboxed SQL may call: they generate
// rows and read nothing.
var tableFuncs = map[string]bool{"range": true, "generate_series": true, "unnest": true}

// deniedFuncs are scalar functions that reveal the process, its settings or
// the catalog (the PostgreSQL catalog macros among them: pg_get_viewdef
// shows the views' definitions), or would reverse pseudonyms;
// deniedPrefixes name families.
var (
	deniedFuncs = map[string]bool{
		"getenv": true, "current_setting": true, "current_schema": true, "current_schemas": true,
		"current_database": true, "current_catalog": true, "current_query": true, "getvariable": true,
		"query": true, "query_table": true, "which_secret": true, "checkpoint": true, "force_checkpoint": true,
		"nextval": true, "currval": true, "json_serialize_sql": true, "json_deserialize_sql": true,
		"json_serialize_plan": true, "enable_logging": true, "disable_logging": true, "truncate_duckdb_logs": true,
		"obj_description": true, "col_description": true, "shobj_description": true, "format_type": true, "txid_current": true,
		pseudonymFunc: true,
	}
	deniedPrefixes = []string{"read_", "duckdb_", "pragma_", "parquet_", "glob", "sniff_", "json_execute", "ictstat_",
		"iceberg", "delta_", "sqlite_", "postgres_", "mysql_", "http", "s3", "load_", "install_", "enable_", "disable_",
		"pg_", "has_"}
)

// checkSandboxed refuses a query that is not one SELECT, names a table
// outside allowed or with a schema or catalog, or calls a function that
// reads files, settings or the catalog.
func checkSandboxed(dc driver.Conn, query string, allowed map[string]bool) error {
	tree, err := parseSelect(dc, query)
	if err != nil {
		return err
	}
	return checkNode(tree, nil, allowed)
}

// checkNode walks a json_serialize_sql tree; ctes are the common table
// expressions in scope.
func checkNode(v any, ctes map[string]bool, allowed map[string]bool) error {
	switch n := v.(type) {
	case []any:
		for _, c := range n {
			if err := checkNode(c, ctes, allowed); err != nil {
				return err
			}
		}
	case map[string]any:
		if cm, ok := n["cte_map"].(map[string]any); ok {
			// A common table expression is seen by those after it (and,
			// recursive, by itself) and by the statement's body; a name
			// it does not cover is the catalog's.
			m, _ := cm["map"].([]any)
			for _, e := range m {
				kv, _ := e.(map[string]any)
				k, _ := kv["key"].(string)
				ctes = with(ctes, strings.ToLower(k))
				if err := checkNode(kv["value"], ctes, allowed); err != nil {
					return err
				}
			}
		}
		if err := checkOne(n, ctes, allowed); err != nil {
			return err
		}
		for k, c := range n {
			if k == "cte_map" {
				continue
			}
			if err := checkNode(c, ctes, allowed); err != nil {
				return err
			}
		}
	}
	return nil
}

// with returns set and name, leaving set as it is.
func with(set map[string]bool, name string) map[string]bool {
	out := make(map[string]bool, len(set)+1)
	for k := range set {
		out[k] = true
	}
	out[name] = true
	return out
}

func checkOne(n map[string]any, ctes, allowed map[string]bool) error {
	str := func(k string) string { s, _ := n[k].(string); return s }
	switch str("type") {
	case "BASE_TABLE":
		name := strings.ToLower(str("table_name"))
		if str("schema_name") != "" || str("catalog_name") != "" {
			return fmt.Errorf("%w: name tables without a schema or catalog (%s.%s): the sandbox shows only %s", ictstat.ErrUsage, str("schema_name"), name, names(allowed))
		}
		if !allowed[name] && !ctes[name] {
			return fmt.Errorf("%w: no table %q here: the sandbox shows only %s (no files or other tables)", ictstat.ErrUsage, name, names(allowed))
		}
	case "TABLE_FUNCTION":
		fn, _ := n["function"].(map[string]any)
		name, _ := fn["function_name"].(string)
		if !tableFuncs[strings.ToLower(name)] {
			return fmt.Errorf("%w: table function %s is not allowed (only range, generate_series and unnest)", ictstat.ErrUsage, name)
		}
	case "SHOW_REF":
		if n["query"] == nil {
			name := strings.ToLower(strings.Trim(str("table_name"), `"`))
			if !allowed[name] || (str("show_type") != "DESCRIBE" && str("show_type") != "SUMMARY") {
				return fmt.Errorf("%w: SHOW and DESCRIBE work only on %s", ictstat.ErrUsage, names(allowed))
			}
		}
	}
	if str("class") == "FUNCTION" {
		name := strings.ToLower(str("function_name"))
		if (str("schema") != "" && str("schema") != "main") || (str("catalog") != "" && str("catalog") != "system") {
			return fmt.Errorf("%w: call functions without a schema (%s.%s)", ictstat.ErrUsage, str("schema"), name)
		}
		if deniedFuncs[name] {
			return fmt.Errorf("%w: function %s is not allowed in the sandbox", ictstat.ErrUsage, name)
		}
		for _, p := range deniedPrefixes {
			if strings.HasPrefix(name, p) {
				return fmt.Errorf("%w: function %s is not allowed in the sandbox", ictstat.ErrUsage, name)
			}
		}
	}
	return nil
}

func names(set map[string]bool) string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
