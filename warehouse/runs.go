package warehouse

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/npit-mn/ictstat"
)

// The run log is not versioned data: it records what the pipeline did,
// including runs that committed nothing, so it lives beside the snapshots as
// one append-only JSON-lines file (runs/job_runs.jsonl), read by SQL as the
// job_runs table. Each run is one write of one line with O_APPEND, which
// concurrent processes cannot interleave.
const runsDir = "runs"

func (w *Warehouse) runsPath() string { return filepath.Join(w.root, runsDir, "job_runs.jsonl") }

// RecordRun appends a job run to the run log and fsyncs it.
func (w *Warehouse) RecordRun(ctx context.Context, run ictstat.JobRun) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.errReadOnly(); err != nil {
		return err
	}
	line, err := json.Marshal(run)
	if err != nil {
		return err
	}
	w.runsMu.Lock()
	defer w.runsMu.Unlock()
	if err := os.MkdirAll(filepath.Join(w.root, runsDir), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(w.runsPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("record job run: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Runs returns the logged runs, oldest first; job "" means every job. A
// torn last line (a crash mid-write) is skipped.
func (w *Warehouse) Runs(job string) ([]ictstat.JobRun, error) {
	f, err := os.Open(w.runsPath())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []ictstat.JobRun
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r ictstat.JobRun
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		if job == "" || r.Job == job {
			out = append(out, r)
		}
	}
	return out, sc.Err()
}

// LastRun returns the newest logged run of job.
func (w *Warehouse) LastRun(job string) (ictstat.JobRun, bool, error) {
	runs, err := w.Runs(job)
	if err != nil || len(runs) == 0 {
		return ictstat.JobRun{}, false, err
	}
	return runs[len(runs)-1], true, nil
}

// jobRunsColumns is the job_runs schema for DuckDB's JSON reader.
const jobRunsColumns = `{job: 'VARCHAR', source: 'VARCHAR', trigger: 'VARCHAR', started_at: 'TIMESTAMPTZ',
	ended_at: 'TIMESTAMPTZ', status: 'VARCHAR', attempts: 'INTEGER', rows_read: 'BIGINT', rows_committed: 'BIGINT',
	rows_quarantined: 'BIGINT', snapshot: 'BIGINT', error: 'VARCHAR', schedule: 'VARCHAR', next_due: 'TIMESTAMPTZ',
	interval_s: 'BIGINT'}`

// jobRunsSQL is the SELECT behind the job_runs view: the log as it is when
// queried, whatever the snapshot.
func jobRunsSQL(path string) string {
	return fmt.Sprintf("SELECT * FROM read_json(%s, format='newline_delimited', ignore_errors=true, columns=%s)", sqlString(path), jobRunsColumns)
}

// ensureRunLog creates an empty run log, so that the view has a file to read.
func ensureRunLog(root string) error {
	if err := os.MkdirAll(filepath.Join(root, runsDir), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(root, runsDir, "job_runs.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
