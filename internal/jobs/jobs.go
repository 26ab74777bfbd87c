// Package jobs is kakunin's durable job queue: River on the same database as
// the data (its SQLite driver for the embedded default, database/sql on
// PostgreSQL for scale-out), so a job is inserted in the same transaction as
// the change that causes it and survives any crash that the change survives.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/kakunin-dev/kakunin/internal/store"
)

// Options configures a Queue.
type Options struct {
	// Workers is how many jobs run at once in this process; 0 makes an
	// insert-only queue (the API server when separate workers run).
	Workers      int
	RescueAfter  time.Duration
	PollInterval time.Duration
	Periodic     []*river.PeriodicJob
	Logger       *slog.Logger
}

// Queue inserts and (with workers) runs jobs.
type Queue struct {
	client  *river.Client[*sql.Tx]
	running bool // has workers
}

func driver(st *store.Store) riverdriver.Driver[*sql.Tx] {
	if st.Dialect() == store.SQLite {
		return riversqlite.New(st.DB())
	}
	return riverdatabasesql.New(st.DB())
}

// Migrate brings River's own tables up to date.
func Migrate(ctx context.Context, st *store.Store) error {
	m, err := rivermigrate.New(driver(st), nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// New builds a Queue; workers registers the job kinds this process runs.
func New(st *store.Store, workers *river.Workers, o Options) (*Queue, error) {
	cfg := &river.Config{
		Logger:               o.Logger,
		RescueStuckJobsAfter: o.RescueAfter,
		JobTimeout:           o.RescueAfter / 2,
		FetchPollInterval:    o.PollInterval,
		FetchCooldown:        min(o.PollInterval, 100*time.Millisecond),
		// SQLite has no LISTEN/NOTIFY and database/sql cannot listen: poll.
		PollOnly:                    true,
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
		Workers:                     workers,
		PeriodicJobs:                o.Periodic,
	}
	if o.Workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}}
	} else {
		cfg.Workers, cfg.PeriodicJobs = nil, nil
	}
	c, err := river.NewClient(driver(st), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Queue{client: c, running: o.Workers > 0}, nil
}

// Insert enqueues a job, inside the transaction carried by ctx if there is one.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	var err error
	if tx, ok := store.Tx(ctx); ok {
		_, err = q.client.InsertTx(ctx, tx, args, opts)
	} else {
		_, err = q.client.Insert(ctx, args, opts)
	}
	if err != nil {
		return fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return nil
}

// Start runs the workers (no-op for an insert-only queue).
func (q *Queue) Start(ctx context.Context) error {
	if !q.running {
		return nil
	}
	return q.client.Start(ctx)
}

// Stop waits for running jobs to finish until ctx is done, then cancels them;
// a canceled job stays in the database and is retried later.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.running {
		return nil
	}
	err := q.client.Stop(ctx)
	if ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return q.client.StopAndCancel(cctx)
	}
	return err
}
