package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/npit-mn/ictstat"
)

// QuarantineKey identifies a distinct bad record of a source, so that
// pulling the same bad record again does not quarantine it twice.
func QuarantineKey(source, raw string) string {
	h := sha256.Sum256([]byte(source + "\x00" + raw))
	return hex.EncodeToString(h[:16])
}

// AppendQuarantine stages the rejected records of one source that the
// quarantine does not already hold, and returns how many it added.
func (tx *Tx) AppendQuarantine(source string, rows []ictstat.Quarantined) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	p := "source=" + source
	existing, err := readParquet[ictstat.Quarantined](tx.w.root, tx.readable(tx.Files(TableQuarantine, p)))
	if err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(existing)+len(rows))
	for _, q := range existing {
		seen[q.Key] = true
	}
	var add []ictstat.Quarantined
	now := tx.w.opts.Now().UnixMicro()
	for _, q := range rows {
		q.Source = source
		if q.ReceivedAt == 0 {
			q.ReceivedAt = now
		}
		if q.Key == "" {
			q.Key = QuarantineKey(source, q.Raw)
		}
		if seen[q.Key] {
			continue
		}
		seen[q.Key] = true
		add = append(add, q)
	}
	if len(add) == 0 {
		return 0, nil
	}
	_, err = stageRows(tx, TableQuarantine, p, add)
	return len(add), err
}

// FXRates returns the rates table of snapshot m.
func (w *Warehouse) FXRates(ctx context.Context, m *Manifest) ([]ictstat.FXRate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return readParquet[ictstat.FXRate](w.root, m.Tables[TableFXRates])
}

// Quarantined returns the records source has in quarantine, as the
// transaction stands.
func (tx *Tx) Quarantined(source string) ([]ictstat.Quarantined, error) {
	rows, err := readParquet[ictstat.Quarantined](tx.w.root, tx.readable(tx.Files(TableQuarantine, "source="+source)))
	for i := range rows {
		rows[i].Source = source // a hive partition column, not stored in the file
	}
	return rows, err
}

// ReplaceQuarantine makes keep the whole quarantine of source.
func (tx *Tx) ReplaceQuarantine(source string, keep []ictstat.Quarantined) error {
	p := "source=" + source
	tx.DropPartition(TableQuarantine, p)
	if len(keep) == 0 {
		return nil
	}
	_, err := stageRows(tx, TableQuarantine, p, keep)
	return err
}

// FXRates returns the rates table as the transaction stands.
func (tx *Tx) FXRates(ctx context.Context) ([]ictstat.FXRate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return readParquet[ictstat.FXRate](tx.w.root, tx.readable(tx.Files(TableFXRates, "")))
}
