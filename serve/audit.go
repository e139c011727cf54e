package serve

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// AuditEntry is one line of the audit log: who did what, how much came
// back and how long it took.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Token  string    `json:"token"` // the token's name
	Role   string    `json:"role"`
	Action string    `json:"action"` // sql, query, download, flight_sql
	What   string    `json:"what"`   // the statement, the analytic with its parameters, or the file
	Rows   int64     `json:"rows"`
	Status int       `json:"status"` // HTTP status (Flight SQL: 200 or 400/500)
	Millis int64     `json:"ms"`
}

// maxAuditWhat bounds the statement text kept per entry.
const maxAuditWhat = 4096

// Audit is an append-only JSON-lines file of the requests made with a
// token; `token list` reads each token's last use from it.
type Audit struct {
	mu   sync.Mutex
	path string
}

// OpenAudit returns the audit log at path (created on first write, 0600).
func OpenAudit(path string) *Audit { return &Audit{path: path} }

// Record appends e.
func (a *Audit) Record(e AuditEntry) error {
	if len(e.What) > maxAuditWhat {
		e.What = e.What[:maxAuditWhat] + "…"
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", a.path, err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Scan calls fn for each entry, oldest first, reading one line at a time;
// lines it cannot read are skipped.
func (a *Audit) Scan(fn func(AuditEntry)) error {
	f, err := os.Open(a.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		var e AuditEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			fn(e)
		}
	}
	return sc.Err()
}

// Tail returns the newest n entries, newest first, holding at most n.
func (a *Audit) Tail(n int) ([]AuditEntry, error) {
	ring := make([]AuditEntry, 0, n)
	next := 0
	err := a.Scan(func(e AuditEntry) {
		if len(ring) < n {
			ring = append(ring, e)
			return
		}
		ring[next] = e
		next = (next + 1) % n
	})
	out := make([]AuditEntry, 0, len(ring))
	for i := len(ring) - 1; i >= 0; i-- {
		out = append(out, ring[(next+i)%len(ring)])
	}
	return out, err
}

// LastUsed returns each token name's newest entry time.
func (a *Audit) LastUsed() (map[string]time.Time, error) {
	last := map[string]time.Time{}
	err := a.Scan(func(e AuditEntry) {
		if e.Time.After(last[e.Token]) {
			last[e.Token] = e.Time
		}
	})
	return last, err
}
