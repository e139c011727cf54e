package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat"
)

// Run statuses and triggers recorded in job_runs.
const (
	StatusOK        = "ok"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"

	TriggerSchedule = "schedule"
	TriggerCatchUp  = "catch-up"
	TriggerManual   = "manual"
)

// ErrRunning is returned by Trigger when the job is already running.
var ErrRunning = errors.New("job is already running")

// ErrPermanent marks a task failure that retrying cannot fix (a bad token,
// a rejected cursor); the scheduler records it without retrying.
var ErrPermanent = errors.New("permanent failure")

// Clock is the scheduler's time source; tests use a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Task is the work of one job run; it fills the run's row counts.
type Task func(ctx context.Context, run *ictstat.JobRun) error

// History is the run log the scheduler reads and appends to.
type History interface {
	LastRun(job string) (ictstat.JobRun, bool, error)
	// Record appends a run; ctx is not cancelled when the run was, so
	// that a cancelled run is recorded too.
	Record(ctx context.Context, run ictstat.JobRun) error
}

// Job is a scheduled task.
type Job struct {
	Name     string
	Source   string
	Schedule cron.Schedule // from cron.ParseStandard: "*/5 * * * *", "@every 10m", "@hourly"
	Spec     string        // Schedule as written, recorded with each run (job_runs.schedule)
	Task     Task
	Retries  int           // extra attempts after a failure; default 0
	Backoff  time.Duration // wait before the first retry, doubled each time; default 30s
}

// SchedulerOptions configure a Scheduler; the zero value is the default.
type SchedulerOptions struct {
	Clock  Clock          // default the real clock
	Logger zerolog.Logger // default none
}

// Scheduler runs jobs on their schedules: never two runs of the same job at
// once, a run that was due during downtime once at start (catch-up, not one
// per missed tick), retries with doubling waits, and every run recorded.
type Scheduler struct {
	jobs    []Job
	hist    History
	clock   Clock
	log     zerolog.Logger
	mu      sync.Mutex
	running map[string]bool
}

// NewScheduler returns a scheduler of jobs that records runs in hist.
func NewScheduler(jobs []Job, hist History, opts SchedulerOptions) *Scheduler {
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	return &Scheduler{jobs: jobs, hist: hist, clock: opts.Clock, log: opts.Logger, running: map[string]bool{}}
}

// Run schedules every job until ctx is done, then waits for the runs in
// flight to finish or abandon their work.
func (s *Scheduler) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, j := range s.jobs {
		wg.Add(1)
		go func(j Job) {
			defer wg.Done()
			s.loop(ctx, j)
		}(j)
	}
	<-ctx.Done() // with no jobs too: the scheduler lives as long as ctx
	wg.Wait()
	return nil
}

// loop runs one job on its schedule.
func (s *Scheduler) loop(ctx context.Context, j Job) {
	trigger := TriggerSchedule
	next := s.clock.Now()
	last, ok, err := s.hist.LastRun(j.Name)
	switch {
	case err != nil:
		s.log.Error().Err(err).Str(ictstat.LogJob, j.Name).Msg("reading run history; running now")
		trigger = TriggerCatchUp
	case !ok:
		trigger = TriggerCatchUp // never ran
	default:
		if due := j.Schedule.Next(last.StartedAt); due.After(next) {
			next = due
		} else {
			trigger = TriggerCatchUp
		}
	}
	for {
		if wait := next.Sub(s.clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-s.clock.After(wait):
			}
		}
		if ctx.Err() != nil {
			return
		}
		if _, err := s.run(ctx, j, trigger); err != nil && !errors.Is(err, ErrRunning) {
			s.log.Warn().Err(err).Str(ictstat.LogJob, j.Name).Msg("job run failed")
		}
		trigger = TriggerSchedule
		next = j.Schedule.Next(s.clock.Now())
	}
}

// Trigger runs the named job now, unless it is already running.
func (s *Scheduler) Trigger(ctx context.Context, name string) (ictstat.JobRun, error) {
	for _, j := range s.jobs {
		if j.Name == name {
			return s.run(ctx, j, TriggerManual)
		}
	}
	return ictstat.JobRun{}, fmt.Errorf("no job %q: %w", name, ictstat.ErrNotFound)
}

// run performs one run with its retries and records it.
func (s *Scheduler) run(ctx context.Context, j Job, trigger string) (ictstat.JobRun, error) {
	s.mu.Lock()
	if s.running[j.Name] {
		s.mu.Unlock()
		return ictstat.JobRun{}, fmt.Errorf("%s: %w", j.Name, ErrRunning)
	}
	s.running[j.Name] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, j.Name)
		s.mu.Unlock()
	}()

	log := s.log.With().Str(ictstat.LogJob, j.Name).Str(ictstat.LogSource, j.Source).Logger()
	run := ictstat.JobRun{Job: j.Name, Source: j.Source, Trigger: trigger, StartedAt: s.clock.Now().UTC()}
	backoff := j.Backoff
	if backoff <= 0 {
		backoff = 30 * time.Second
	}
	var err error
	for attempt := 0; ; attempt++ {
		run.Attempts = attempt + 1
		log.Info().Str("trigger", trigger).Int("attempt", run.Attempts).Msg("job run starting")
		if err = j.Task(ctx, &run); err == nil || ctx.Err() != nil || errors.Is(err, ErrPermanent) || attempt >= j.Retries {
			break
		}
		log.Warn().Err(err).Dur("retry_in", backoff).Msg("job run failed; retrying")
		select {
		case <-ctx.Done():
		case <-s.clock.After(backoff):
		}
		if ctx.Err() != nil {
			break
		}
		backoff *= 2
	}
	run.EndedAt = s.clock.Now().UTC()
	run.Schedule, run.NextDue = j.Spec, j.Schedule.Next(run.EndedAt).UTC()
	run.IntervalS = int64(j.Schedule.Next(run.NextDue).Sub(run.NextDue) / time.Second)
	switch {
	case err == nil:
		run.Status = StatusOK
	case ctx.Err() != nil:
		run.Status, run.Error = StatusCancelled, err.Error()
	default:
		run.Status, run.Error = StatusFailed, err.Error()
	}
	if rerr := s.hist.Record(context.WithoutCancel(ctx), run); rerr != nil {
		log.Error().Err(rerr).Msg("recording the run")
	}
	log.Info().Str("status", run.Status).Int64(ictstat.LogRows, run.RowsCommitted).Dur("took", run.EndedAt.Sub(run.StartedAt)).Msg("job run ended")
	return run, err
}
