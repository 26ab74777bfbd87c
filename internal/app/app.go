// Package app is kakunin's composition root: it builds every component once
// from the configuration and hands them to the commands in cmd/kakunin.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/kakunin-dev/kakunin/internal/api"
	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/blob"
	"github.com/kakunin-dev/kakunin/internal/capture"
	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/decision"
	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/imagequality"
	"github.com/kakunin-dev/kakunin/internal/jobs"
	"github.com/kakunin-dev/kakunin/internal/liveness"
	"github.com/kakunin-dev/kakunin/internal/store"
	"github.com/kakunin-dev/kakunin/internal/synth"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/upload"
	"github.com/kakunin-dev/kakunin/internal/vault"
	"github.com/kakunin-dev/kakunin/internal/verification"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

// App holds the built components.
type App struct {
	Cfg           config.Config
	Log           *slog.Logger
	Store         *store.Store
	Keys          vault.KeyManager
	Vault         *vault.Vault
	Blobs         blob.Store
	Tenants       *tenant.Service
	Audit         *audit.Log
	Webhooks      *webhook.Dispatcher
	Verifications *verification.Service
	Queue         *jobs.Queue
	Metrics       *api.Metrics
	API           *api.Server
	// Faces is the face engine; nil when the models are not installed.
	Faces *face.Engine

	frames *framePrep // background analysis of uploaded liveness frames
	// TestPKI is the synthetic JPKI test PKI test mode trusts (nil if off).
	TestPKI *synth.JPKI
}

// Options say what a command needs.
type Options struct {
	// Migrate applies pending migrations before anything else.
	Migrate bool
	// Workers runs this many jobs at once in-process (0: insert-only).
	Workers int
	// CreateMasterKey creates the default master key file if it is missing
	// and the database holds no data keys yet (the embedded first start).
	CreateMasterKey bool
}

// Open builds the App. On error everything opened so far is closed.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (_ *App, err error) {
	a := &App{Cfg: cfg, Log: log}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.Store, err = store.Open(ctx, cfg.DatabaseURL()); err != nil {
		return nil, err
	}
	if o.Migrate {
		if _, err = a.Store.Migrate(ctx); err != nil {
			return nil, err
		}
		if err = jobs.Migrate(ctx, a.Store); err != nil {
			return nil, err
		}
	}
	if a.Keys, err = a.loadMasterKeys(ctx, o.CreateMasterKey); err != nil {
		return nil, err
	}
	a.Vault = vault.New(a.Keys, a.Store)
	if a.Blobs, err = blob.Open(ctx, cfg.EvidenceURL()); err != nil {
		return nil, err
	}
	a.Audit = audit.New(a.Store, nil)
	a.Tenants = tenant.NewService(a.Store, nil)
	a.Metrics = api.NewMetrics()

	workers := river.NewWorkers()
	periodic := verification.PeriodicJobs()
	if a.Queue, err = jobs.New(a.Store, workers, jobs.Options{
		Workers: o.Workers, RescueAfter: cfg.Jobs.RescueAfter.Std(), PollInterval: cfg.Jobs.PollInterval.Std(),
		Periodic: periodic, Logger: log.With("component", "jobs"),
	}); err != nil {
		return nil, err
	}
	policy := webhook.URLPolicy{AllowPrivate: cfg.Webhooks.AllowPrivate, AllowHTTP: cfg.Webhooks.AllowHTTP}
	a.Webhooks = &webhook.Dispatcher{Store: a.Store, Sealer: a.Vault, Jobs: a.Queue, Policy: policy,
		Client: webhook.NewClient(policy, cfg.Webhooks.Timeout.Std())}
	jd, testPKI, err := jpkiDeps(cfg, a.Store)
	if err != nil {
		return nil, err
	}
	a.TestPKI = testPKI
	cd, err := chipDeps(cfg, a.Store)
	if err != nil {
		return nil, err
	}
	checks := []verification.Check{verification.JPKISignatureCheck{}, verification.JPKIFaceBindingCheck{}, verification.ChipAuthenticityCheck{}}
	eng := face.New(cfg.ModelsDir)
	if ferr := eng.Open(ctx); ferr != nil {
		log.Warn("face engine unavailable: face checks will be recorded as unavailable", "error", ferr.Error())
	} else {
		a.Faces = eng
		checks = append(checks, verification.FaceMatchCheck{Matcher: faceMatcher{eng}})
		an := liveness.NewAnalyzer(eng, cfg.ModelsDir)
		cal, cerr := liveness.DefaultPADCalibration()
		if lerr := errors.Join(an.Open(ctx), cerr); lerr != nil {
			log.Warn("liveness analyzer unavailable: liveness will be recorded as unavailable", "error", lerr.Error())
		} else {
			an.Cache = liveness.NewObservationCache(4096)
			a.frames = newFramePrep(an)
			checks = append(checks, verification.LivenessCheck{Analyzer: an, Calibration: cal, Seen: a.Store})
		}
	}
	if dr, derr := openDocumentReader(ctx, log); derr != nil {
		log.Warn("document reader unavailable (install tesseract-ocr tesseract-ocr-jpn): document_read will be recorded as unavailable", "error", derr.Error())
	} else {
		checks = append(checks, verification.DocumentReadCheck{Reader: dr})
		checks = append(checks, verification.DocumentAuthenticityCheck{Detector: tamperDetector{dr}})
	}
	checks = append(checks, verification.DocumentRecaptureCheck{Detector: recaptureDetector{}}, verification.DocumentThicknessCheck{Judge: thicknessJudge{}})
	limits := upload.Limits{MaxBytes: cfg.Uploads.MaxBytes, MaxPixels: cfg.Uploads.MaxPixels, MaxSide: upload.DefaultLimits().MaxSide}
	a.Verifications = verification.NewService(verification.Deps{
		Store: a.Store, Sealer: a.Vault, Blobs: a.Blobs, Audit: a.Audit, Events: a.Webhooks,
		Jobs: verification.JobEnqueuer{Q: a.Queue}, Judge: decision.Judge, MethodAllowed: decision.MethodAllowed,
		Records: a.Store, Reviews: a.Store, Policies: a.Store,
		Checks: append(checks,
			verification.ImageQualityCheck{Thresholds: imagequality.DefaultThresholds(), Limits: limits, MaxFrames: 10}),
		JPKI: jd, Chip: cd,
		ObserveCheck: func(name string, st verification.CheckStatus, d time.Duration) {
			a.Metrics.Checks.WithLabelValues(name, string(st)).Observe(d.Seconds())
		},
		PublicURL: cfg.PublicURL(), TTL: cfg.Verification.TTL.Std(), ChallengeTTL: cfg.Verification.ChallengeTTL.Std(), Limits: limits,
		FrameStored: a.frameStored, Masker: documentMasker{document.NewMasker()},
	})
	observe := func(kind string, d time.Duration, err error) {
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		a.Metrics.Jobs.WithLabelValues(kind, outcome).Observe(d.Seconds())
	}
	river.AddWorker(workers, &verification.ProcessWorker{Service: a.Verifications, Observe: observe})
	river.AddWorker(workers, &verification.ExpireWorker{Service: a.Verifications})
	river.AddWorker(workers, &verification.RecheckWorker{Service: a.Verifications})
	river.AddWorker(workers, &verification.PurgeWorker{Service: a.Verifications})
	river.AddWorker(workers, &webhook.DeliverWorker{D: a.Webhooks})

	a.API = api.New(api.Deps{
		Auth: a.Tenants, Verifications: a.Verifications, Webhooks: a.Webhooks, WebhookStore: a.Store,
		Idempotency: a.Store, Sealer: a.Vault, Limits: limits, Ready: a.Store.Ping, Log: log, Metrics: a.Metrics,
		RateLimit: cfg.API.RateLimit, RateBurst: cfg.API.RateBurst, PublicURL: cfg.BaseURL,
	})
	return a, nil
}

// loadMasterKeys reads the master keys from config or file. The default
// file is created only on a genuinely first start: a missing key file beside
// a database that already holds wrapped data keys is an error, since a new
// key could never open that data.
func (a *App) loadMasterKeys(ctx context.Context, create bool) (vault.KeyManager, error) {
	if a.Cfg.Keys.MasterKeys != "" {
		return vault.ParseMasterKeys(a.Cfg.Keys.MasterKeys)
	}
	path := a.Cfg.MasterKeyPath()
	km, err := vault.LoadMasterKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !create {
		if err != nil {
			return nil, fmt.Errorf("master keys: %w", err)
		}
		return km, nil
	}
	existing, err := a.Store.AllDataKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, fmt.Errorf("master key file %s is missing but the database holds %d wrapped data keys: restore the file", path, len(existing))
	}
	return vault.CreateMasterKeyFile(path)
}

// CreateTenant creates a tenant and its first data key. The key is made here,
// outside any request transaction, so no rolled-back transaction can take
// a key that the vault has already cached.
func (a *App) CreateTenant(ctx context.Context, name string) (tenant.Tenant, error) {
	t, err := a.Tenants.CreateTenant(ctx, name)
	if err != nil {
		return t, err
	}
	if _, err := a.Vault.Seal(ctx, t.ID, nil, []byte("provision")); err != nil {
		return t, fmt.Errorf("tenant %s created, but its data key was not: %w", name, err)
	}
	return t, nil
}

// EnsureDemoTenant creates the "demo" tenant and a test key on first start.
// It returns the key's secret, or "" when the tenant already existed.
func (a *App) EnsureDemoTenant(ctx context.Context) (string, error) {
	_, err := a.Tenants.TenantByName(ctx, "demo")
	if err == nil {
		return "", nil
	}
	if _, err := a.CreateTenant(ctx, "demo"); err != nil {
		return "", err
	}
	secret, _, err := a.Tenants.CreateAPIKey(ctx, "demo", tenant.ModeTest)
	return secret, err
}

// frameStored hands an uploaded liveness frame to the background analysis.
func (a *App) frameStored(b []byte) {
	if a.frames != nil {
		a.frames.add(b)
	}
}

// Handler is everything the server answers: the capture page under /c/ and
// the API (with health and metrics) everywhere else.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/c/", capture.Handler())
	mux.Handle("/console/", console.New(console.Deps{Store: a.Store, Audit: a.Audit, Vault: a.Vault, Cases: a.Verifications,
		Keys: a.Tenants, Webhooks: a.Webhooks, WebhookLog: a.Store,
		Log: a.Log, InsecureCookie: a.Cfg.Console.InsecureCookie, SignInPerMinute: a.Cfg.Console.SignInPerMinute,
		Passkeys: a.Store, PublicURL: a.Cfg.PublicURL()}))
	mux.Handle("/", a.API.Handler())
	return mux
}

// Serve runs the HTTP server and the in-process workers until ctx is done,
// then shuts down gracefully: in-flight requests finish, running jobs get
// until the deadline and are otherwise left to be retried.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if err := a.Queue.Start(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	err := errors.Join(srv.Shutdown(sctx), a.Queue.Stop(sctx))
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// Work runs only the job workers until ctx is done.
func (a *App) Work(ctx context.Context) error {
	if err := a.Queue.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	return a.Queue.Stop(sctx)
}

// Close releases the database.
func (a *App) Close() {
	if a.frames != nil {
		a.frames.close()
	}
	if a.Faces != nil {
		_ = a.Faces.Close()
	}
	if a.Store != nil {
		_ = a.Store.Close()
	}
}

// EvidenceReport is the outcome of an evidence integrity sweep.
type EvidenceReport struct {
	Checked int      `json:"checked"`
	Failed  []string `json:"failed"` // "evd_...: reason"
}

// VerifyEvidence reads every stored evidence object, decrypts it and checks
// it against its recorded SHA-256.
func (a *App) VerifyEvidence(ctx context.Context) (EvidenceReport, error) {
	rep := EvidenceReport{Failed: []string{}}
	after := ""
	for {
		page, err := a.Store.EvidenceAfter(ctx, after, 200)
		if err != nil {
			return rep, err
		}
		for _, e := range page {
			rep.Checked++
			if _, err := a.Verifications.LoadEvidence(ctx, e); err != nil {
				rep.Failed = append(rep.Failed, e.ID+": "+errkind.Reason(err)+" "+err.Error())
			}
			after = e.ID
		}
		if len(page) < 200 {
			return rep, nil
		}
	}
}

// NewLogger builds the configured slog logger.
func NewLogger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
