package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestREADMECommandsInOrder runs the README's tour of the command line, in
// the order written, in an empty folder beside the repository's testdata:
// every command must succeed (exit 0). Only the size of the simulated
// filings file is cut, and the simulators listen on free ports rather than
// 9090 and 9091.
func TestREADMECommandsInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole tour")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "From the command line")
	if ok {
		_, block, ok = strings.Cut(block, "```sh\n")
	}
	if ok {
		block, _, ok = strings.Cut(block, "```")
	}
	if !ok {
		t.Fatal("README has no command-line tour (From the command line ... ```sh ... ```)")
	}
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(testdata, filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv("ICTSTAT_WAREHOUSE", "")
	os.Unsetenv("ICTSTAT_WAREHOUSE")

	ctx, cancel := context.WithCancel(context.Background())
	var servers sync.WaitGroup
	defer servers.Wait()
	defer cancel()
	addrs := map[string]string{} // as the README writes it -> where it listens
	addrRe := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	ran := 0
	for _, line := range strings.Split(block, "\n") {
		if i := strings.Index(line, "  #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(strings.Replace(line, "--rows 100000", "--rows 5000", 1))
		for written, real := range addrs {
			line = strings.ReplaceAll(line, written, real)
		}
		background := strings.HasSuffix(line, "&")
		line = strings.TrimSpace(strings.TrimSuffix(line, "&"))
		if line == "" {
			continue
		}
		for _, part := range strings.Split(line, " && ") {
			args := shellWords(t, part)
			if len(args) == 0 || args[0] != "ictstat" {
				t.Fatalf("README command %q does not start with ictstat", part)
			}
			args, redirect := cutRedirect(args[1:])
			args = append(args, "--log-level", "error")
			if background {
				written := ""
				for i, a := range args {
					if a == "--addr" && i+1 < len(args) {
						written, args[i+1] = args[i+1], "127.0.0.1:0"
					}
				}
				pr, pw := io.Pipe()
				servers.Add(1)
				go func() {
					defer servers.Done()
					execute(ctx, args, pw, io.Discard)
					pw.Close()
				}()
				first, err := bufio.NewReader(pr).ReadString('\n')
				addrs[written] = addrRe.FindString(first)
				if err != nil || addrs[written] == "" {
					t.Fatalf("%s: printed %q (%v), want its address", part, first, err)
				}
				go io.Copy(io.Discard, pr)
				continue
			}
			code, out, stderr := run(t, args...)
			ran++
			if code != 0 {
				t.Errorf("%s: exit %d: %s", part, code, stderr)
			}
			if redirect != "" {
				if err := os.WriteFile(redirect, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if ran < 20 {
		t.Errorf("ran %d commands, want the README's tour", ran)
	}
	// The time-travel example reads the filings of snapshot 1.
	if b, err := os.ReadFile("size.csv"); err != nil || strings.Count(string(b), "\n") < 2 {
		t.Errorf("got size.csv %.200q (%v), want rows of snapshot 1, not only a header", b, err)
	}
}

// shellWords splits a command line as the README's shell would: words
// apart by spaces, double-quoted words kept whole.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quotes in %q", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// cutRedirect removes "> FILE" from args and returns FILE.
func cutRedirect(args []string) ([]string, string) {
	for i, a := range args {
		if a == ">" && i+1 < len(args) {
			return append(args[:i:i], args[i+2:]...), args[i+1]
		}
	}
	return args, ""
}
