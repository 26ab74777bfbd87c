package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // the specimens are JPEG
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"time"

	"github.com/kakunin-dev/kakunin/internal/cputime"
	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/ocr"
)

const benchDocumentsUsage = `Usage: kakunin bench documents DIR [--n 3] [--limit 30]

Times the document pipeline (outline, type, OCR, validation) on the flat
photographs in DIR, written by 'kakunin synth documents': each image is read
--n times with all zones and --n times with the key fields only (name,
birth date, number). Up to --limit images are taken, spread evenly over
the types. Prints milliseconds per document: wall time, and CPU time of
kakunin and its tesseract processes together (the figure that does not
depend on what else runs on the machine). Needs tesseract: Debian
packages tesseract-ocr and tesseract-ocr-jpn.
`

// runBenchDocuments runs `kakunin bench documents` and returns the exit
// code: 0, 1 for a failure, 2 for bad usage.
func runBenchDocuments(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("bench documents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchDocumentsUsage) }
	runs := fs.Int("n", 3, "runs over the images, per mode")
	limit := fs.Int("limit", 30, "images to time (spread over the types)")
	dir, code, ok := parseDirFlags(fs, args, benchDocumentsUsage, stderr)
	if !ok {
		return code
	}
	if dir == "" || *runs <= 0 || *limit <= 0 {
		fmt.Fprint(stderr, "kakunin bench documents: DIR is required, --n and --limit must be positive\n\n"+benchDocumentsUsage)
		return 2
	}
	tess := ocr.New()
	if err := tess.Open(ctx, "jpn", "eng"); err != nil {
		fmt.Fprintln(stderr, "kakunin bench documents:", err)
		return 1
	}
	imgs, err := benchImages(dir, *limit)
	if err != nil {
		fmt.Fprintln(stderr, "kakunin bench documents:", err)
		return 1
	}
	res, err := benchDocuments(ctx, document.NewExtractor(tess), imgs, *runs, func(run, total int) {
		fmt.Fprintf(stderr, "bench documents: pass %d/%d (%d images)\n", run, total, len(imgs))
	})
	if err != nil {
		fmt.Fprintln(stderr, "kakunin bench documents:", err)
		return 1
	}
	res.Dir = dir
	if err := printJSON(stdout, res); err != nil {
		return 1
	}
	return 0
}

// benchImage is one photograph to time.
type benchImage struct {
	name string
	typ  string
	img  image.Image
}

// benchImages loads up to limit flat photographs of types with an OCR
// layout, taking the types in turn so that each gets its share.
func benchImages(dir string, limit int) ([]benchImage, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	byType := map[string][]string{}
	var types []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var t struct {
			File string `json:"file"`
			Type string `json:"type"`
			View string `json:"view"`
		}
		if json.Unmarshal(b, &t) != nil || t.File == "" || t.View != "flat" {
			continue
		}
		if spec, err := document.Lookup(t.Type); err != nil || !spec.OCR {
			continue
		}
		if byType[t.Type] == nil {
			types = append(types, t.Type)
		}
		byType[t.Type] = append(byType[t.Type], t.File)
	}
	slices.Sort(types)
	var out []benchImage
	for i := 0; len(out) < limit; i++ {
		added := false
		for _, t := range types {
			if i >= len(byType[t]) || len(out) == limit {
				continue
			}
			img, err := document.DecodeFile(filepath.Join(dir, byType[t][i]))
			if err != nil {
				return nil, err
			}
			out = append(out, benchImage{byType[t][i], t, img})
			added = true
		}
		if !added {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no flat specimens with ground truth in %s", dir)
	}
	return out, nil
}

// benchResult is what bench documents prints. The CPU figures add the
// time of kakunin's threads and of the tesseract processes it waited for.
type benchResult struct {
	Dir    string             `json:"dir"`
	Images int                `json:"images"`
	Runs   int                `json:"runs"`
	Full   benchStats         `json:"full"`
	Key    benchStats         `json:"key_fields"`
	ByType map[string]float64 `json:"key_fields_cpu_ms_by_type"`
}

type benchStats struct {
	WallMsMean   float64 `json:"wall_ms_per_document"`
	WallMsMedian float64 `json:"wall_ms_median"`
	CPUMsMean    float64 `json:"cpu_ms_per_document"`
}

func benchDocuments(ctx context.Context, ex *document.Extractor, imgs []benchImage, runs int, progress func(run, total int)) (benchResult, error) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	// One pass to warm the page cache with the models.
	if _, err := ex.Extract(ctx, imgs[0].img, document.Options{CurrentTime: now}); err != nil && !errors.Is(err, document.ErrUnreadable) {
		return benchResult{}, err
	}
	res := benchResult{Images: len(imgs), Runs: runs, ByType: map[string]float64{}}
	typeCPU, typeN := map[string]time.Duration{}, map[string]int{}
	for mi, key := range []bool{false, true} {
		var walls []time.Duration
		var cpu time.Duration
		for r := range runs {
			progress(mi*runs+r+1, 2*runs)
			for _, im := range imgs {
				if err := ctx.Err(); err != nil {
					return res, err
				}
				c0, t0 := cputime.Used(), time.Now()
				_, err := ex.Extract(ctx, im.img, document.Options{CurrentTime: now, KeyFieldsOnly: key})
				wall, c := time.Since(t0), cputime.Used()-c0
				if err != nil && !errors.Is(err, document.ErrUnreadable) {
					return res, fmt.Errorf("%s: %w", im.name, err)
				}
				walls = append(walls, wall)
				cpu += c
				if key {
					typeCPU[im.typ] += c
					typeN[im.typ]++
				}
			}
		}
		st := stats(walls, cpu)
		if key {
			res.Key = st
		} else {
			res.Full = st
		}
	}
	for t, c := range typeCPU {
		res.ByType[t] = round1(ms(c) / float64(typeN[t]))
	}
	return res, nil
}

func stats(walls []time.Duration, cpu time.Duration) benchStats {
	slices.Sort(walls)
	var sum time.Duration
	for _, w := range walls {
		sum += w
	}
	n := float64(len(walls))
	return benchStats{WallMsMean: round1(ms(sum) / n), WallMsMedian: round1(ms(walls[len(walls)/2])), CPUMsMean: round1(ms(cpu) / n)}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
