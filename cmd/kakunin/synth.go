package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

const synthUsage = `Usage: kakunin synth documents --out DIR [--n 200] [--seed S] [--faces DIR] [--types a,b] [--levels a,b] [--date YYYY-MM-DD] [--attacks]

Writes synthetic specimen documents (見本): for each type, --n documents,
each side photographed flat and each card also at an angle (thickness view),
as JPEG with a ground-truth JSON of the same name. The same seed writes the
same bytes. Types: drivers_license, my_number_card, residence_card, passport,
health_insurance_card (default: all).

--levels clean,medium makes the documents cycle through those augmentation
levels only (default: clean, medium, hard).

--attacks also writes attack samples for each document, named
TYPE_INDEX_attack_KIND.jpg: the front recaptured from a screen, a colour
print and a photocopy; angled photos with no edge, a paper edge or another
card (their ground truth names the front they go with); a pasted portrait;
and, for passports, an altered MRZ. 'kakunin eval documents' measures the
recapture, thickness and tampering checks on them (APCER and BPCER).

--faces DIR prints the faces found in DIR's JPEG/PNG photos (found with the
face detector in --models, default from config); without it the portraits
are grey silhouettes. Needs a Japanese font: Debian package fonts-noto-cjk.
`

// synthExit turns runSynth's exit code into run's error: nil for success;
// runSynth has already printed what went wrong.
func synthExit(code int) error {
	if code == 0 {
		return nil
	}
	return exitError{code, errors.New("synth failed")}
}

// runSynth runs `kakunin synth ...` and returns the process exit code: 0,
// 1 for a failure, 2 for bad usage or input.
func runSynth(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := synthCommand(ctx, args, stdout, stderr)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) && ee.code == 0 {
		return 0 // --help
	}
	fmt.Fprintln(stderr, "kakunin synth:", err)
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errkind.ErrInvalid), errors.Is(err, errkind.ErrNotFound):
		return 2
	}
	return 1
}

func synthCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, synthUsage)
		return nil
	}
	if args[0] != "documents" {
		return usageErr("unknown synth command %q\n\n%s", args[0], synthUsage)
	}
	fs, c := newFlags("synth documents", stderr)
	n := fs.Int("n", 200, "documents per type")
	seed := fs.Uint64("seed", 1, "random seed; the same seed writes the same files")
	out := fs.String("out", "", "output directory (required)")
	facesDir := fs.String("faces", "", "directory of face photos to print on the documents")
	types := fs.String("types", "", "comma-separated document types (default: all renderable)")
	date := fs.String("date", "", "documents are valid on this day, YYYY-MM-DD (default 2026-06-01)")
	models := fs.String("models", "", "model directory for finding faces (default from config: ./models)")
	levelList := fs.String("levels", "", "comma-separated augmentation levels the documents cycle through (default clean,medium,hard)")
	attacks := fs.Bool("attacks", false, "also write attack samples (recaptures, thickness attacks, tampered fronts)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("synth documents takes no arguments, got %q", fs.Args())
	}
	if *out == "" {
		return usageErr("--out is required")
	}
	if *n <= 0 {
		return usageErr("--n must be positive, got %d", *n)
	}
	var list []string
	if *types != "" {
		list = strings.Split(*types, ",")
	}
	ts, err := synth.ParseTypes(list)
	if err != nil {
		return exitError{2, err}
	}
	var levels []synth.Level
	if *levelList != "" {
		for _, l := range strings.Split(*levelList, ",") {
			if !slices.Contains(synth.Levels, synth.Level(l)) {
				return usageErr("--levels: unknown level %q (have clean, medium, hard)", l)
			}
			levels = append(levels, synth.Level(l))
		}
	}
	var now time.Time
	if *date != "" {
		if now, err = time.Parse(time.DateOnly, *date); err != nil {
			return usageErr("--date: want YYYY-MM-DD, got %q", *date)
		}
	}
	if *facesDir != "" {
		if st, err := os.Stat(*facesDir); err != nil || !st.IsDir() {
			return usageErr("--faces: %s is not a readable directory", *facesDir)
		}
	}
	fonts, err := synth.LoadFonts()
	if err != nil {
		return err
	}
	var portraits []synth.Portrait
	if *facesDir != "" {
		if *models == "" {
			cfg, err := c.load()
			if err != nil {
				return err
			}
			*models = cfg.ModelsDir
		}
		if portraits, err = loadPortraits(ctx, *facesDir, *models); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "synth: %d faces from %s\n", len(portraits), *facesDir)
	}

	start := time.Now()
	lastDecile := 0
	sum, err := synth.GenerateDocuments(ctx, fonts, *out, synth.GenerateOptions{
		N: *n, Seed: *seed, Types: ts, Portraits: portraits, Now: now, Levels: levels, Attacks: *attacks,
		Progress: func(done, total int) {
			if d := done * 10 / total; d > lastDecile {
				lastDecile = d
				fmt.Fprintf(stdout, "synth: %3d%% (%d/%d documents, %s)\n", done*100/total, done, total, time.Since(start).Round(time.Second))
			}
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synth: wrote %d documents, %d images with ground truth to %s in %s\n",
		sum.Documents, sum.Images, *out, time.Since(start).Round(time.Second))
	fmt.Fprintf(stdout, "  by type:  %s\n", countList(sum.ByType))
	fmt.Fprintf(stdout, "  by level: %s\n", countList(sum.ByLevel))
	fmt.Fprintf(stdout, "  by view:  %s\n", countList(sum.ByView))
	if len(sum.ByAttack) > 0 {
		fmt.Fprintf(stdout, "  attacks:  %s\n", countList(sum.ByAttack))
	}
	return nil
}

// countList prints a count map as "a 3, b 5" in key order.
func countList[K ~string](m map[K]int) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// loadPortraits finds the faces in every JPEG and PNG in dir (sorted by
// name, so the result does not depend on the file system) and crops an ID
// photo around each face large enough to print.
func loadPortraits(ctx context.Context, dir, models string) ([]synth.Portrait, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, usageErr("--faces: %v", err)
	}
	eng, err := openEngine(ctx, models)
	if err != nil {
		return nil, fmt.Errorf("--faces needs the face models (make models): %w", err)
	}
	defer eng.Close()
	var out []synth.Portrait
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".jpg" && ext != ".jpeg" && ext != ".png") {
			continue
		}
		img, err := loadImage(filepath.Join(dir, e.Name())) // EXIF orientation applied
		if err != nil {
			return nil, err
		}
		ps, err := synth.PortraitsFromPhoto(ctx, eng, e.Name(), img, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		out = append(out, ps...)
	}
	if len(out) == 0 {
		return nil, usageErr("--faces: no face of at least 64 pixels found in %s", dir)
	}
	return out, nil
}
