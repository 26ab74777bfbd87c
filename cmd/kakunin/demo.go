package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/kakunin-dev/kakunin/internal/app"
	"github.com/kakunin-dev/kakunin/internal/card"
	"github.com/kakunin-dev/kakunin/internal/demo"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c := newFlags("demo", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	if c.dataDir == "" && os.Getenv("KAKUNIN_DATA_DIR") == "" {
		dir, err := os.MkdirTemp("", "kakunin-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	cfg.Log.Level = "error"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg.Addr, cfg.BaseURL = ln.Addr().String(), "http://"+ln.Addr().String()
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg), app.Options{Migrate: true, Workers: 2, CreateMasterKey: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Faces == nil {
		return fmt.Errorf("the face engine did not open: run `make models`")
	}
	if _, err := a.CreateTenant(ctx, "demo-run"); err != nil {
		return err
	}
	key, _, err := a.Tenants.CreateAPIKey(ctx, "demo-run", tenant.ModeTest)
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	fmt.Fprintf(stdout, "kakunin demo: an in-process server on %s (data in %s), tenant demo-run, test mode.\n", cfg.BaseURL, cfg.DataDir)
	vc, err := virtualJPKICard(0)
	if err != nil {
		return err
	}
	outs, err := demo.Run(ctx, demo.Config{BaseURL: cfg.BaseURL, APIKey: key, ModelsDir: cfg.ModelsDir,
		Card: cardSigner{c: card.NewJPKI(vc), pin: VirtualCardPIN}, Faces: a.Faces, Out: stdout})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nSummary:")
	for _, o := range outs {
		fmt.Fprintf(stdout, "  %-16s %-8s %s\n", o.Method, o.Status, o.VerificationID)
	}
	fmt.Fprintln(stdout, "\nA decision of review lists its reasons. jpki+face replays the chip flow's synthetic clip of the same",
		"photo, and the replay check catches it; document photos wait on document checks that do not exist yet.",
		"kakunin never approves on checks that did not pass.")
	return nil
}
