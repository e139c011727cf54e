package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the terminal side of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return pts
}

// TestBinaryFormatsRefuseTerminal checks that parquet, arrow and xlsx are
// never written to a terminal, and are to a file.
func TestBinaryFormatsRefuseTerminal(t *testing.T) {
	pts := openPTY(t)
	wh := emptyWarehouse(t)
	for _, format := range []string{"parquet", "arrow", "xlsx"} {
		var errOut bytes.Buffer
		code := execute(context.Background(), []string{"sql", "SELECT 1 AS one", "--format", format, "--warehouse", wh}, pts, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), "--format "+format+" is binary") {
			t.Errorf("%s to a terminal: got exit %d, %q; want exit 2 saying it is binary", format, code, errOut.String())
		}
		out := filepath.Join(t.TempDir(), "r."+format)
		if code := execute(context.Background(), []string{"sql", "SELECT 1 AS one", "--format", format, "--warehouse", wh, "-o", out}, pts, &errOut); code != 0 {
			t.Errorf("%s to a file: got exit %d, %q", format, code, errOut.String())
		}
	}
}
