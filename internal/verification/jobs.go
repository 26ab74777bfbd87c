package verification

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// ProcessArgs is the durable job that runs a submitted verification's pipeline.
type ProcessArgs struct {
	TenantID       string `json:"tenant_id"`
	VerificationID string `json:"verification_id"`
}

// Kind implements river.JobArgs.
func (ProcessArgs) Kind() string { return "verification.process" }

// Inserter enqueues jobs (inside the transaction carried by ctx).
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// JobEnqueuer implements Enqueuer on the job queue.
type JobEnqueuer struct{ Q Inserter }

// EnqueueProcessing implements Enqueuer.
func (e JobEnqueuer) EnqueueProcessing(ctx context.Context, tenantID, verificationID string) error {
	return e.Q.Insert(ctx, ProcessArgs{TenantID: tenantID, VerificationID: verificationID}, &river.InsertOpts{MaxAttempts: 20})
}

// ProcessWorker runs ProcessArgs jobs. Observe, if set, sees every job's
// duration and outcome (for metrics).
type ProcessWorker struct {
	river.WorkerDefaults[ProcessArgs]
	Service *Service
	Observe func(kind string, d time.Duration, err error)
}

// Work implements river.Worker.
func (w *ProcessWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	start := time.Now()
	_, err := w.Service.Process(ctx, job.Args.TenantID, job.Args.VerificationID)
	if w.Observe != nil {
		w.Observe(job.Kind, time.Since(start), err)
	}
	return err
}

// ExpireArgs is the periodic job that expires verifications past their deadline.
type ExpireArgs struct{}

// Kind implements river.JobArgs.
func (ExpireArgs) Kind() string { return "verification.expire" }

// ExpireWorker runs ExpireArgs jobs.
type ExpireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	Service *Service
}

// Work implements river.Worker.
func (w *ExpireWorker) Work(ctx context.Context, _ *river.Job[ExpireArgs]) error {
	_, err := w.Service.ExpireDue(ctx)
	return err
}

// RecheckArgs is the daily job that re-checks JPKI certificates (現況確認).
type RecheckArgs struct{}

// Kind implements river.JobArgs.
func (RecheckArgs) Kind() string { return "jpki.recheck" }

// RecheckWorker runs RecheckArgs jobs.
type RecheckWorker struct {
	river.WorkerDefaults[RecheckArgs]
	Service *Service
}

// Work implements river.Worker.
func (w *RecheckWorker) Work(ctx context.Context, _ *river.Job[RecheckArgs]) error {
	_, err := w.Service.RecheckJPKI(ctx)
	return err
}

// PurgeArgs is the daily job that purges identity records whose retention ended.
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "records.purge" }

// PurgeWorker runs PurgeArgs jobs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Service *Service
}

// Work implements river.Worker.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.Service.PurgeDue(ctx, time.Now())
	return err
}

// PeriodicJobs are the verification package's scheduled jobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return RecheckArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
