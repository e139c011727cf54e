package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/npit-mn/ictstat"
)

// fakeClock is a Clock whose time moves only when the test advances it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	armed   chan struct{} // closed and replaced when a timer is added
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	if c.armed != nil {
		close(c.armed)
		c.armed = nil
	}
	return ch
}

// Advance moves time forward and fires the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// waitWaiters blocks until n timers are pending: the scheduler's loops
// are then waiting on the clock, and whatever they did before is done.
func (c *fakeClock) waitWaiters(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		if len(c.waiters) >= n {
			c.mu.Unlock()
			return
		}
		if c.armed == nil {
			c.armed = make(chan struct{})
		}
		armed := c.armed
		c.mu.Unlock()
		select {
		case <-armed:
		case <-timeout:
			t.Fatalf("timeout waiting for %d timers", n)
		}
	}
}

// memHistory is an in-memory History.
type memHistory struct {
	mu   sync.Mutex
	runs []ictstat.JobRun
	rec  chan ictstat.JobRun
}

func newMemHistory(past ...ictstat.JobRun) *memHistory {
	return &memHistory{runs: past, rec: make(chan ictstat.JobRun, 100)}
}

func (h *memHistory) LastRun(job string) (ictstat.JobRun, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.runs) - 1; i >= 0; i-- {
		if h.runs[i].Job == job {
			return h.runs[i], true, nil
		}
	}
	return ictstat.JobRun{}, false, nil
}

func (h *memHistory) Record(_ context.Context, r ictstat.JobRun) error {
	h.mu.Lock()
	h.runs = append(h.runs, r)
	h.mu.Unlock()
	h.rec <- r
	return nil
}

// next waits for the next recorded run.
func (h *memHistory) next(t *testing.T) ictstat.JobRun {
	t.Helper()
	select {
	case r := <-h.rec:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("timeout waiting for a job run")
		return ictstat.JobRun{}
	}
}

// none checks that no run was recorded once the scheduler's loop waits on
// the clock again (a run it made would be recorded before that).
func (h *memHistory) none(t *testing.T, c *fakeClock) {
	t.Helper()
	c.waitWaiters(t, 1)
	select {
	case r := <-h.rec:
		t.Fatalf("got an unexpected run %+v", r)
	default:
	}
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func hourly(t *testing.T) cron.Schedule {
	s, err := cron.ParseStandard("@every 1h")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func start(t *testing.T, jobs []Job, h History, c Clock) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { NewScheduler(jobs, h, SchedulerOptions{Clock: c}).Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestCatchUpRunsOnceAfterDowntime(t *testing.T) {
	t.Parallel()
	c := &fakeClock{now: t0}
	var mu sync.Mutex
	calls := 0
	task := func(ctx context.Context, r *ictstat.JobRun) error { mu.Lock(); calls++; mu.Unlock(); return nil }
	h := newMemHistory(ictstat.JobRun{Job: "filings", StartedAt: t0.Add(-5 * time.Hour), Status: StatusOK})
	start(t, []Job{{Name: "filings", Schedule: hourly(t), Task: task}}, h, c)
	if r := h.next(t); r.Trigger != TriggerCatchUp || !r.StartedAt.Equal(t0) {
		t.Fatalf("got run %+v, want one catch-up run at start", r)
	}
	c.waitWaiters(t, 1)
	h.none(t, c) // five missed ticks make one run, not five
	c.Advance(59 * time.Minute)
	h.none(t, c)
	c.Advance(time.Minute)
	if r := h.next(t); r.Trigger != TriggerSchedule || !r.StartedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("got run %+v, want the scheduled run an hour later", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("got %d task calls, want 2", calls)
	}
}

func TestNotDueWaitsForSchedule(t *testing.T) {
	t.Parallel()
	c := &fakeClock{now: t0}
	h := newMemHistory(ictstat.JobRun{Job: "filings", StartedAt: t0.Add(-10 * time.Minute)})
	start(t, []Job{{Name: "filings", Schedule: hourly(t), Task: func(context.Context, *ictstat.JobRun) error { return nil }}}, h, c)
	c.waitWaiters(t, 1)
	h.none(t, c)
	c.Advance(50 * time.Minute)
	if r := h.next(t); r.Trigger != TriggerSchedule {
		t.Fatalf("got trigger %q, want schedule", r.Trigger)
	}
}

func TestNoOverlap(t *testing.T) {
	t.Parallel()
	c := &fakeClock{now: t0}
	h := newMemHistory()
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	task := func(ctx context.Context, r *ictstat.JobRun) error {
		started <- struct{}{}
		<-release
		return nil
	}
	s := NewScheduler([]Job{{Name: "filings", Schedule: hourly(t), Task: task}}, h, SchedulerOptions{Clock: c})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	<-started // the catch-up run of a job that never ran
	if _, err := s.Trigger(ctx, "filings"); !errors.Is(err, ErrRunning) {
		t.Fatalf("got %v, want ErrRunning while a run is in flight", err)
	}
	c.Advance(3 * time.Hour) // ticks during the run are not queued
	close(release)
	if r := h.next(t); r.Status != StatusOK {
		t.Fatalf("got %+v", r)
	}
	h.none(t, c)
	select {
	case <-started:
		t.Fatal("got a second run started by ticks missed during the first")
	default:
	}
	if _, err := s.Trigger(ctx, "nosuch"); !errors.Is(err, ictstat.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		failures     int
		retries      int
		err          error
		wantAttempts int
		wantStatus   string
	}{
		{"succeeds after two failures", 2, 3, errors.New("503"), 3, StatusOK},
		{"gives up", 5, 2, errors.New("503"), 3, StatusFailed},
		{"permanent not retried", 5, 3, fmt.Errorf("401: %w", ErrPermanent), 1, StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeClock{now: t0}
			h := newMemHistory()
			n := 0
			task := func(ctx context.Context, r *ictstat.JobRun) error {
				n++
				if n <= tc.failures {
					return tc.err
				}
				r.RowsCommitted = 7
				return nil
			}
			start(t, []Job{{Name: "j", Schedule: hourly(t), Task: task, Retries: tc.retries, Backoff: time.Second}}, h, c)
			wait := time.Second
			for i := 1; i < tc.wantAttempts; i++ {
				c.waitWaiters(t, 1)
				c.Advance(wait - time.Nanosecond)
				c.Advance(time.Nanosecond)
				wait *= 2
			}
			r := h.next(t)
			if r.Attempts != tc.wantAttempts || r.Status != tc.wantStatus {
				t.Fatalf("got %d attempts, status %s; want %d, %s", r.Attempts, r.Status, tc.wantAttempts, tc.wantStatus)
			}
			if tc.wantStatus == StatusOK && r.RowsCommitted != 7 {
				t.Errorf("got rows %d, want 7", r.RowsCommitted)
			}
			if tc.wantStatus == StatusFailed && r.Error == "" {
				t.Error("got no error text on a failed run")
			}
			if want := t0.Add(time.Duration(1<<(tc.wantAttempts-1)-1) * time.Second); tc.wantStatus == StatusOK && !r.EndedAt.Equal(want) {
				t.Errorf("got end %v, want %v (doubling waits)", r.EndedAt, want)
			}
		})
	}
}

// TestRunRecordsSchedule checks that each run records the schedule and
// when the job is due next, which data_quality judges freshness by.
func TestRunRecordsSchedule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec     string
		next     time.Time
		interval int64
	}{
		{"@every 1h", t0.Add(time.Hour), 3600},
		{"CRON_TZ=UTC 0 6 * * *", time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC), 86400},
		{"*/15 * * * *", t0.Add(15 * time.Minute), 900},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			sched, err := cron.ParseStandard(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			s := NewScheduler([]Job{{Name: "fx", Schedule: sched, Spec: tc.spec, Task: func(context.Context, *ictstat.JobRun) error { return nil }}},
				newMemHistory(), SchedulerOptions{Clock: &fakeClock{now: t0}})
			r, err := s.Trigger(context.Background(), "fx")
			if err != nil {
				t.Fatal(err)
			}
			if r.Schedule != tc.spec || !r.NextDue.Equal(tc.next) || r.IntervalS != tc.interval {
				t.Errorf("got schedule %q, next due %v, interval %d s; want %q, %v, %d", r.Schedule, r.NextDue, r.IntervalS, tc.spec, tc.next, tc.interval)
			}
		})
	}
}
