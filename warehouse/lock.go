package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/npit-mn/ictstat"
)

// writerLock is the advisory lock that admits one writer at a time. Readers
// never take it.
type writerLock struct{ f *os.File }

// tryLock takes the writer lock without waiting; it returns ictstat.ErrLocked
// when another process or Warehouse holds it.
func tryLock(root string) (*writerLock, error) {
	f, err := os.OpenFile(filepath.Join(root, "LOCK"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ictstat.ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return &writerLock{f: f}, nil
}

// lock waits for the writer lock until ctx is done.
func lock(ctx context.Context, root string) (*writerLock, error) {
	delay := 5 * time.Millisecond
	for {
		l, err := tryLock(root)
		if !errors.Is(err, ictstat.ErrLocked) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the warehouse writer lock: %w (%w)", ctx.Err(), ictstat.ErrLocked)
		case <-time.After(delay):
		}
		delay = min(delay*2, 250*time.Millisecond)
	}
}

func (l *writerLock) unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}
