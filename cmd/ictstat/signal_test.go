package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/npit-mn/ictstat/internal/testutil"
)

// TestIngestStopsOnSignal feeds `ingest filings --file` an input that never
// ends (a FIFO the test keeps writing zero bytes into, as /dev/zero) and
// sends SIGINT or SIGTERM once the child is reading: it must stop, saying
// why, and commit nothing.
func TestIngestStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			fifo := filepath.Join(dir, "endless.ndjson")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("no FIFO: %v", err)
			}
			wh := filepath.Join(dir, "wh")
			cmd := exec.Command(os.Args[0], "ingest", "filings", "--file", fifo, "--warehouse", wh, "--log-level", "error")
			cmd.Env = append(os.Environ(), envTestMain+"=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				cmd.Process.Kill()
				t.Fatal(err)
			}
			// An endless stream of one valid filing sent again and again,
			// as a feed that never ends would: 4 MiB written means the
			// child is in its reading loop.
			line := `{"filing_id":"VZ-202607-1000001","revision":1,"registry_no":"1000001","company_name":"Khan Soft LLC","isic4":"6201","zone":"UB-01","period":"2026-07","submitted_at":"2026-08-05T09:00:00+08:00","currency":"MNT","revenue":100000000,"intermediate_consumption":40000000,"wages":20000000,"employees":10,"rnd_expense":0,"exports":[],"flags":{}}` + "\n"
			zeros := bytes.Repeat([]byte(line), (1<<20)/len(line))
			for range 4 {
				if _, err := w.Write(zeros); err != nil {
					cmd.Process.Kill()
					t.Fatalf("the child stopped reading: %v; %s", err, stderr.String())
				}
			}
			cmd.Process.Signal(sig)
			// Keep the input coming until the child
			// closes its end.
			go func() {
				defer w.Close()
				for {
					if _, err := w.Write(zeros); err != nil {
						return
					}
				}
			}()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 30s after %v", sig)
			}
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "stopped by SIGINT or SIGTERM") {
				t.Errorf("got %v, stderr %q; want exit 1 saying a signal stopped it", err, stderr.String())
			}
			if ids := testutil.ManifestIDs(t, wh); len(ids) != 0 {
				t.Errorf("got snapshots %v, want none", ids)
			}
		})
	}
}
