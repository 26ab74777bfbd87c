// Command kakunin is the self-hostable identity-verification server and its
// operator tools. It only parses flags and wires; the work is in internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kakunin-dev/kakunin/internal/app"
	"github.com/kakunin-dev/kakunin/internal/config"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/tenant"
	"github.com/kakunin-dev/kakunin/internal/vault"
	"github.com/kakunin-dev/kakunin/internal/webhook"
)

const usage = `kakunin — self-hostable identity verification (eKYC)

Usage: kakunin COMMAND [flags]

Commands:
  serve                          run the API server (and in-process job workers)
  worker                         run job workers only
  migrate                        apply database migrations
  config print                   print the effective configuration, secrets redacted
  tenant create NAME             create a tenant
  apikey create --tenant NAME --mode test|live
                                 create an API key; prints the secret alone on stdout
  apikey list --tenant NAME      list a tenant's keys (never their secrets)
  apikey revoke KEY_ID           revoke a key
  user create --email E --role R [--tenant NAME]...
                                 create a console user (admin, reviewer, supervisor, bpo_reviewer,
                                 auditor); prints the initial password alone on stdout
  keys rotate                    add a new master key and re-wrap every data key under it
  audit verify [--tenant NAME]   recompute the audit hash chains; exit 1 if one is broken
  jpki recheck                   re-check the certificates behind approved JPKI verifications (現況確認)
  card jpki-face --client-token ct_... [--server URL] [--selfie IMG] --virtual
                                 the applicant's card client: sign with the My Number card and submit
  card jpki-face --link 'kakunin-card://v1/handoff?...' --virtual
                                 the card client after the capture page's QR code: sign over what
                                 the page sent (the page then submits)
  card read --type T --virtual [--challenge B64] [--face IMG]
                                 read an ID chip (passport, residence_card, drivers_license,
                                 my_number_card) into a bundle and print it
  demo                           run one verification of each method end to end (in-process server)
  synth documents --out DIR [--n N] [--seed S] [--faces DIR] [--types a,b]
                                 render synthetic ID document specimens with ground truth JSON
  face compare A B               compare the faces in two images: {score, match, threshold, far_target}
  face inspect IMG               faces, boxes, quality, age and gender
  eval faces DIR --out OUT       score all pairs of DIR/<identity>/ images: report.json, det.png
  eval liveness DIR --out OUT    APCER per attack type and BPCER over DIR/{live,identities,attack/<type>,spoof}:
                                 report.json, liveness.png
  eval documents DIR --out OUT   read every specimen of a "synth documents" folder and score the fields
                                 against the ground truth: report.json, accuracy.png
  bench face IMG [--n N]         milliseconds per face stage
  bench documents DIR [--n N]    milliseconds per document (all zones, key fields) on "synth documents" photos
  bench engine [--n N] [--dim D] [--queries Q] [--seed S] [--faces DIR]
                                 1:N face index: ms per search, bytes per template, loss against exhaustive search
  evidence verify                decrypt every stored evidence object and check its hash; exit 1 on any failure
  webhook listen --addr ADDR --secret whsec_...
                                 a development receiver: verifies signatures, prints events

Every command takes --config FILE and --data-dir DIR (env KAKUNIN_DATA_DIR, default ./var).
`

// exitError carries an exit code: 2 for bad usage or input, 1 otherwise.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return exitError{2, fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakunin:", err)
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		if errors.Is(err, errkind.ErrInvalid) || errors.Is(err, errkind.ErrMalformed) || errors.Is(err, errkind.ErrNotFound) ||
			errors.Is(err, errkind.ErrUnsupported) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// common are the flags every command takes.
type common struct {
	configPath string
	dataDir    string
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &common{}
	fs.StringVar(&c.configPath, "config", "", "config file (TOML)")
	fs.StringVar(&c.dataDir, "data-dir", "", "data directory (default ./var; env KAKUNIN_DATA_DIR)")
	return fs, c
}

func (c *common) load() (config.Config, error) {
	cfg, err := config.Load(c.configPath, os.Environ())
	if err != nil {
		return cfg, exitError{2, err}
	}
	if c.dataDir != "" {
		cfg.DataDir = c.dataDir
	}
	return cfg, exitError{2, cfg.Validate()}.orNil()
}

func (e exitError) orNil() error {
	if e.err == nil {
		return nil
	}
	return e
}

// parse accepts flags before, between and after positional arguments
// (`kakunin eval faces DIR --out OUT`).
func parse(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitError{0, err}.orNil()
			}
			return exitError{2, err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional, args = append(positional, args[0]), args[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "config" || cmd == "tenant" || cmd == "apikey" || cmd == "keys" || cmd == "audit" || cmd == "webhook" || cmd == "evidence" || cmd == "card" || cmd == "jpki" || cmd == "face" || cmd == "eval" || cmd == "bench" || cmd == "user") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	fs, c := newFlags(cmd, stderr)
	switch cmd {
	case "serve":
		addr := fs.String("addr", "", "listen address (default 127.0.0.1:8080; env KAKUNIN_ADDR)")
		workers := fs.Int("workers", -1, "in-process job workers (default from config; 0 = none)")
		if err := parse(fs, rest); err != nil {
			return err
		}
		cfg, err := c.load()
		if err != nil {
			return err
		}
		if *addr != "" {
			cfg.Addr = *addr
		}
		if *workers >= 0 {
			cfg.Jobs.Workers = *workers
		}
		return serve(ctx, cfg, stdout)
	case "worker":
		workers := fs.Int("workers", -1, "jobs run at once (default from config)")
		if err := parse(fs, rest); err != nil {
			return err
		}
		cfg, err := c.load()
		if err != nil {
			return err
		}
		if *workers >= 0 {
			cfg.Jobs.Workers = *workers
		}
		if cfg.Jobs.Workers == 0 {
			return usageErr("worker needs at least one worker")
		}
		a, err := app.Open(ctx, cfg, app.NewLogger(cfg), app.Options{Migrate: true, Workers: cfg.Jobs.Workers})
		if err != nil {
			return err
		}
		defer a.Close()
		a.Log.Info("worker started", "workers", cfg.Jobs.Workers)
		return a.Work(ctx)
	case "migrate":
		return withApp(ctx, fs, c, rest, app.Options{Migrate: true, CreateMasterKey: true}, func(a *app.App) error {
			fmt.Fprintln(stdout, "migrations applied")
			return nil
		})
	case "config print":
		if err := parse(fs, rest); err != nil {
			return err
		}
		cfg, err := c.load()
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, cfg.Redacted())
		return nil
	case "tenant create":
		return withApp(ctx, fs, c, rest, app.Options{Migrate: true, CreateMasterKey: true}, func(a *app.App) error {
			if fs.NArg() != 1 {
				return usageErr("usage: kakunin tenant create NAME")
			}
			t, err := a.CreateTenant(ctx, fs.Arg(0))
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, t.ID)
			return nil
		})
	case "apikey create":
		name := fs.String("tenant", "", "tenant name")
		mode := fs.String("mode", "test", "test or live")
		if err := parse(fs, rest); err != nil {
			return err
		}
		// Check the input before touching any data.
		if *name == "" {
			return usageErr("--tenant is required")
		}
		if m := tenant.Mode(*mode); m != tenant.ModeTest && m != tenant.ModeLive {
			return exitError{2, errkind.New(errkind.ErrInvalid, "mode_invalid", "mode must be test or live")}
		}
		return withApp(ctx, fs, c, nil, app.Options{Migrate: true}, func(a *app.App) error {
			secret, k, err := a.Tenants.CreateAPIKey(ctx, *name, tenant.Mode(*mode))
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "created API key %s (%s mode) for tenant %s; the secret is shown once:\n", k.ID, k.Mode, *name)
			fmt.Fprintln(stdout, secret)
			return nil
		})
	case "apikey list":
		name := fs.String("tenant", "", "tenant name")
		return withApp(ctx, fs, c, rest, app.Options{Migrate: true}, func(a *app.App) error {
			keys, err := a.Tenants.ListAPIKeys(ctx, *name)
			if err != nil {
				return err
			}
			for _, k := range keys {
				state := "active"
				if k.RevokedAt != nil {
					state = "revoked " + k.RevokedAt.Format("2006-01-02T15:04:05Z")
				}
				fmt.Fprintf(stdout, "%s\t%s\t…%s\t%s\n", k.ID, k.Mode, k.Hint, state)
			}
			return nil
		})
	case "apikey revoke":
		if err := parse(fs, rest); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageErr("usage: kakunin apikey revoke KEY_ID")
		}
		if !ids.Valid("key", fs.Arg(0)) {
			return exitError{2, errkind.New(errkind.ErrInvalid, "key_id_invalid", "an API key ID looks like key_01...")}
		}
		return withApp(ctx, fs, c, nil, app.Options{Migrate: true}, func(a *app.App) error {
			if err := a.Tenants.RevokeAPIKey(ctx, fs.Arg(0)); err != nil {
				return err
			}
			fmt.Fprintln(stderr, "revoked", fs.Arg(0))
			return nil
		})
	case "keys rotate":
		if err := parse(fs, rest); err != nil {
			return err
		}
		cfg, err := c.load()
		if err != nil {
			return err
		}
		if cfg.Keys.MasterKeys != "" {
			return usageErr("master keys are given inline (keys.master_keys): add the new key there, then restart")
		}
		if _, err := vault.AddMasterKey(cfg.MasterKeyPath()); err != nil {
			return err
		}
		a, err := app.Open(ctx, cfg, app.NewLogger(cfg), app.Options{Migrate: true})
		if err != nil {
			return err
		}
		defer a.Close()
		n, err := a.Vault.RotateMasterKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added master key %s; re-wrapped %d data keys\n", a.Keys.CurrentKeyID(), n)
		return nil
	case "audit verify":
		name := fs.String("tenant", "", "only this tenant")
		return withApp(ctx, fs, c, rest, app.Options{Migrate: true}, func(a *app.App) error {
			var reports []any
			broken := false
			if *name != "" {
				t, err := a.Tenants.TenantByName(ctx, *name)
				if err != nil {
					return err
				}
				r, err := a.Audit.Verify(ctx, t.ID)
				if err != nil {
					return err
				}
				reports, broken = append(reports, r), !r.OK
			} else {
				rs, err := a.Audit.VerifyAll(ctx)
				if err != nil {
					return err
				}
				for _, r := range rs {
					reports = append(reports, r)
					broken = broken || !r.OK
				}
			}
			if err := printJSON(stdout, reports); err != nil {
				return err
			}
			if broken {
				return exitError{1, errors.New("an audit chain is broken (see broken_at)")}
			}
			return nil
		})
	case "jpki recheck":
		return withApp(ctx, fs, c, rest, app.Options{Migrate: true}, func(a *app.App) error {
			rep, err := a.Verifications.RecheckJPKI(ctx)
			if err != nil {
				return err
			}
			_ = printJSON(stdout, rep)
			if len(rep.Failed) > 0 {
				return exitError{1, fmt.Errorf("%d re-checks failed", len(rep.Failed))}
			}
			return nil
		})
	case "face compare", "face inspect", "eval faces", "bench face", "eval liveness":
		return faceCommand(ctx, cmd, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "synth":
		return synthExit(runSynth(rest, stdout, stderr))
	case "user create":
		return runUserCreate(ctx, rest, stdout, stderr)
	case "eval documents":
		if code := runEvalDocuments(rest, stdout, stderr); code != 0 {
			return exitError{code, errors.New("eval documents failed")}
		}
		return nil
	case "bench documents":
		if code := runBenchDocuments(rest, stdout, stderr); code != 0 {
			return exitError{code, errors.New("bench documents failed")}
		}
		return nil
	case "bench engine":
		return runBenchEngine(ctx, rest, stdout, stderr)
	case "card jpki-face":
		return cardJPKIFace(ctx, rest, stdout, stderr)
	case "card read":
		return cardRead(ctx, rest, stdout, stderr)
	case "evidence verify":
		return withApp(ctx, fs, c, rest, app.Options{Migrate: true}, func(a *app.App) error {
			rep, err := a.VerifyEvidence(ctx)
			if err != nil {
				return err
			}
			_ = printJSON(stdout, rep)
			if len(rep.Failed) > 0 {
				return exitError{1, fmt.Errorf("%d of %d evidence objects failed", len(rep.Failed), rep.Checked)}
			}
			return nil
		})
	case "webhook listen":
		addr := fs.String("addr", "127.0.0.1:9999", "listen address")
		secret := fs.String("secret", "", "the endpoint's signing secret (whsec_...)")
		if err := parse(fs, rest); err != nil {
			return err
		}
		if *secret == "" {
			return usageErr("--secret is required")
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "listening for webhooks on http://%s\n", ln.Addr())
		rc := &webhook.Receiver{Secret: *secret,
			OnEvent:  func(id string, body []byte) { fmt.Fprintf(stdout, "%s %s\n", id, body) },
			OnReject: func(err error) { fmt.Fprintln(stderr, "rejected:", err) }}
		srv := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	return usageErr("unknown command %q\n\n%s", cmd, usage)
}

// withApp parses args (nil: already parsed), opens the app and runs fn.
func withApp(ctx context.Context, fs *flag.FlagSet, c *common, args []string, o app.Options, fn func(a *app.App) error) error {
	if args != nil {
		if err := parse(fs, args); err != nil {
			return err
		}
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg), o)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

func serve(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	log := app.NewLogger(cfg)
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true, Workers: cfg.Jobs.Workers, CreateMasterKey: true})
	if err != nil {
		return err
	}
	defer a.Close()
	secret, err := a.EnsureDemoTenant(ctx)
	if err != nil {
		return err
	}
	if secret != "" {
		fmt.Fprintf(stdout, "Created tenant \"demo\". Its test API key, shown only this once:\n\n    %s\n\n", secret)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("kakunin listening", "addr", ln.Addr().String(), "database", redactedDB(cfg), "workers", cfg.Jobs.Workers)
	fmt.Fprintf(stdout, "kakunin is listening on http://%s\n", ln.Addr())
	return a.Serve(ctx, ln)
}

func redactedDB(cfg config.Config) string {
	if cfg.Storage.Database == "" {
		return cfg.DatabaseURL()
	}
	return "configured"
}
