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
			fifo := filepath.Join(dir, "zero")
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
			// 4 MiB written means the child has read past the first line's
			// limit: it is in its reading loop.
			zeros := make([]byte, 1<<20)
			for range 4 {
				if _, err := w.Write(zeros); err != nil {
					cmd.Process.Kill()
					t.Fatalf("the child stopped reading: %v; %s", err, stderr.String())
				}
			}
			cmd.Process.Signal(sig)
			// Keep the input coming, as /dev/zero would, until the child
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
