package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/cputime"
	"github.com/kakunin-dev/kakunin/internal/engine"
	"github.com/kakunin-dev/kakunin/internal/face"
)

const benchEngineUsage = `Usage: kakunin bench engine [--n 100000] [--dim 128] [--queries 1000] [--seed 1]
                           [--codes 128,128r,256r] [--shortlist 1000,3000,10000] [--k 10]
                           [--metric euclidean|cosine] [--json FILE] [--file DIR]
                           [--faces DIR [--models DIR]]

Measures the 1:N index (internal/engine) on a synthetic gallery of --n
templates: --queries mated and --queries non-mated probes, each searched
with the index (for every code length in --codes, "r" = randomly rotated,
and every --shortlist) and exhaustively. Prints per setting: wall ms per
query (p50/p95), CPU ms per query and per 1M templates, heap bytes per
template, and the index loss at FPIR = 0.003 (threshold set on exhaustive
search). Synthetic embeddings say nothing about a real model's FNIR; the
ratio to exhaustive search is the point.

--faces DIR also embeds the photos of DIR/<identity>/ with the face models,
enrols the first photo of every other identity among --n distractors drawn
from a Gaussian fitted to those descriptors, and reports how the index
treats the real mated and non-mated probes.
`

type benchEngineRow struct {
	Codes         string      `json:"codes"`
	Shortlist     int         `json:"shortlist"`
	WallP50ms     float64     `json:"wall_ms_p50"`
	WallP95ms     float64     `json:"wall_ms_p95"`
	CPUms         float64     `json:"cpu_ms_per_query"`
	CoreMsPer1M   float64     `json:"core_ms_per_1m"`
	BytesPerTempl float64     `json:"heap_bytes_per_template"`
	BuildCPUs     float64     `json:"build_cpu_s"`
	Loss          engine.Loss `json:"loss"`
}

func runBenchEngine(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c := newFlags("bench engine", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchEngineUsage) }
	n := fs.Int("n", 100000, "gallery size (synthetic templates)")
	dim := fs.Int("dim", face.EmbeddingSize, "embedding dimension")
	queries := fs.Int("queries", 1000, "mated probes, and as many non-mated")
	seed := fs.Uint64("seed", 1, "generator seed")
	codes := fs.String("codes", "128,128r,256r", "code settings: bits, r = rotated")
	shortlists := fs.String("shortlist", "1000,3000,10000", "code-scan shortlist sizes (0 = default)")
	k := fs.Int("k", 10, "candidates per search")
	metricName := fs.String("metric", "euclidean", "euclidean or cosine")
	jsonOut := fs.String("json", "", "also write the results as JSON to FILE")
	faces := fs.String("faces", "", "directory of DIR/<identity>/ photos: check real descriptors")
	models := fs.String("models", "", "model directory (default from config: ./models)")
	fileDir := fs.String("file", "", "also time Save and Load of each index through a file in this directory")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *n < 1 || *dim < 1 || *queries < 1 || *k < 1 {
		return usageErr("bench engine takes no arguments; --n, --dim, --queries and --k must be positive")
	}
	metric := engine.Euclidean
	switch *metricName {
	case "euclidean":
	case "cosine":
		metric = engine.Cosine
	default:
		return usageErr("--metric is euclidean or cosine")
	}
	settings, err := parseCodeSettings(*codes, *dim)
	if err != nil {
		return err
	}
	var lists []int
	for _, s := range strings.Split(*shortlists, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < 0 {
			return usageErr("--shortlist: %q is not a size", s)
		}
		lists = append(lists, v)
	}
	if *faces != "" {
		cfg, err := c.load()
		if err != nil {
			return err
		}
		if *models == "" {
			*models = cfg.ModelsDir
		}
		return benchEngineFaces(ctx, *faces, *models, *n, *seed, metric, settings, *k, stdout, stderr)
	}

	gen := &engine.Synthetic{Dim: *dim, Seed: *seed}
	fmt.Fprintf(stderr, "bench engine: generating %d templates (seed %d) ...\n", *n, *seed)
	gallery := parallelVectors(*n, func(i int) []float32 { return gen.Template(uint64(i)) })
	ids := make([]string, *n)
	for i := range ids {
		ids[i] = "t" + strconv.Itoa(i)
	}
	probes := make([]engine.Probe, 0, 2**queries)
	for i := range *queries {
		id := i * *n / *queries
		probes = append(probes, engine.Probe{Vec: gen.Probe(uint64(id), 1), Mate: ids[id]})
	}
	for i := range *queries {
		probes = append(probes, engine.Probe{Vec: gen.Probe(uint64(*n+i), 1)})
	}
	mean := engine.MeanOf(gallery[:min(len(gallery), 10000)])

	var ref *engine.Reference
	var rows []benchEngineRow
	for _, st := range settings {
		st.opt.Metric, st.opt.Mean = metric, mean
		ix, bytesPer, buildCPU, err := buildIndex(st.opt, ids, gallery)
		if err != nil {
			return err
		}
		if *fileDir != "" {
			if err := timeSaveLoad(ix, *fileDir, st.name, stdout); err != nil {
				return err
			}
		}
		if ref == nil {
			fmt.Fprintf(stderr, "bench engine: exhaustive reference for %d probes ...\n", len(probes))
			t0 := cputime.Used()
			if ref, err = engine.NewReference(ix, probes, *k); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "bench engine: exhaustive search %.1f CPU ms per query\n", msf(cputime.Used()-t0)/float64(len(probes)))
		}
		for _, sl := range lists {
			row, err := timeSearches(ctx, ix, ref, sl, *k)
			if err != nil {
				return err
			}
			row.Codes, row.BytesPerTempl, row.BuildCPUs = st.name, bytesPer, buildCPU
			row.CoreMsPer1M = row.CPUms * 1e6 / float64(*n)
			rows = append(rows, row)
			fmt.Fprintf(stderr, "bench engine: %s shortlist %d done\n", st.name, sl)
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(stdout, "N=%d dim=%d metric=%s seed=%d probes=%d mated + %d non-mated, k=%d, GOMAXPROCS=%d, loadavg %s\n",
		*n, *dim, metric, *seed, *queries, *queries, *k, runtime.GOMAXPROCS(0), strings.TrimSpace(string(load)))
	fmt.Fprintf(stdout, "%-6s %9s %8s %8s %9s %11s %7s %9s %9s %9s %7s %7s %7s\n", "codes", "shortlist", "p50 ms", "p95 ms", "CPU ms/q",
		"core-ms/1M", "B/tmpl", "FNIR idx", "FNIR exh", "ratio", "FPIRidx", "FPIRexh", "rank-1")
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-6s %9d %8.2f %8.2f %9.2f %11.1f %7.0f %9.4f %9.4f %9.3f %7.4f %7.4f %7.4f\n", r.Codes, r.Shortlist, r.WallP50ms, r.WallP95ms,
			r.CPUms, r.CoreMsPer1M, r.BytesPerTempl, r.Loss.FNIRIndexed, r.Loss.FNIRExhaustive, r.Loss.FNIRRatio,
			r.Loss.FPIRIndexed, r.Loss.FPIRExhaustive, r.Loss.Rank1Agreement)
	}
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			return err
		}
		defer f.Close()
		return printJSON(f, map[string]any{"n": *n, "dim": *dim, "seed": *seed, "queries": *queries, "k": *k,
			"metric": metric.String(), "gomaxprocs": runtime.GOMAXPROCS(0), "loadavg": strings.TrimSpace(string(load)), "rows": rows})
	}
	return nil
}

type codeSetting struct {
	name string
	opt  engine.Options
}

func parseCodeSettings(s string, dim int) ([]codeSetting, error) {
	var out []codeSetting
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		rot := strings.HasSuffix(f, "r")
		b, err := strconv.Atoi(strings.TrimSuffix(f, "r"))
		if err != nil {
			return nil, usageErr("--codes: %q is not BITS or BITSr", f)
		}
		out = append(out, codeSetting{f, engine.Options{Dim: dim, CodeBits: b, Rotate: rot, Seed: 7}})
	}
	return out, nil
}

// parallelVectors builds n vectors with f on every CPU.
func parallelVectors(n int, f func(int) []float32) [][]float32 {
	out := make([][]float32, n)
	p := runtime.GOMAXPROCS(0)
	done := make(chan struct{})
	for w := range p {
		go func() {
			for i := w; i < n; i += p {
				out[i] = f(i)
			}
			done <- struct{}{}
		}()
	}
	for range p {
		<-done
	}
	return out
}

func buildIndex(opt engine.Options, ids []string, vecs [][]float32) (*engine.Index, float64, float64, error) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	t0 := cputime.Used()
	ix, err := engine.New(opt)
	if err != nil {
		return nil, 0, 0, err
	}
	const batch = 10000
	for i := 0; i < len(ids); i += batch {
		j := min(len(ids), i+batch)
		if err := ix.AddBatch(ids[i:j], vecs[i:j]); err != nil {
			return nil, 0, 0, err
		}
	}
	ix.Compact() // gives back the append headroom
	buildCPU := (cputime.Used() - t0).Seconds()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ix, float64(ms.HeapAlloc-before) / float64(len(ids)), buildCPU, nil
}

// timeSaveLoad saves ix to a file in dir, loads it back and prints the CPU
// seconds of both and the file size.
func timeSaveLoad(ix *engine.Index, dir, name string, stdout io.Writer) error {
	path := filepath.Join(dir, "bench-"+name+".kkn")
	defer os.Remove(path)
	t0 := cputime.Used()
	if err := ix.Save(path); err != nil {
		return err
	}
	t1 := cputime.Used()
	back, err := engine.Load(path)
	if err != nil {
		return err
	}
	t2 := cputime.Used()
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "file %s: %d templates, %.1f bytes per template; save %.2f CPU s, load %.2f CPU s\n",
		name, back.Len(), float64(st.Size())/float64(back.Len()), (t1 - t0).Seconds(), (t2 - t1).Seconds())
	return nil
}

func timeSearches(ctx context.Context, ix *engine.Index, ref *engine.Reference, shortlist, k int) (benchEngineRow, error) {
	res := make([][]engine.Candidate, len(ref.Probes))
	walls := make([]float64, len(ref.Probes))
	t0 := cputime.Used()
	for i, p := range ref.Probes {
		if err := ctx.Err(); err != nil {
			return benchEngineRow{}, err
		}
		w := time.Now()
		c, err := ix.SearchWith(p.Vec, engine.Params{K: k, Threshold: math.Inf(1), Shortlist: shortlist})
		walls[i] = msf(time.Since(w))
		if err != nil {
			return benchEngineRow{}, err
		}
		res[i] = c
	}
	cpu := msf(cputime.Used()-t0) / float64(len(ref.Probes))
	slices.Sort(walls)
	if shortlist == 0 {
		shortlist = engine.DefaultShortlist(ix.Len())
	}
	return benchEngineRow{Shortlist: shortlist, WallP50ms: walls[len(walls)/2], WallP95ms: walls[len(walls)*95/100],
		CPUms: cpu, Loss: ref.Measure(res, 0.003)}, nil
}

func msf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// benchEngineFaces checks the index on real face-api descriptors.
func benchEngineFaces(ctx context.Context, dir, models string, n int, seed uint64, metric engine.Metric, settings []codeSetting, k int, stdout, stderr io.Writer) error {
	eng, err := openEngine(ctx, models)
	if err != nil {
		return err
	}
	defer eng.Close()
	people, err := os.ReadDir(dir)
	if err != nil {
		return usageErr("%v", err)
	}
	type person struct {
		name string
		embs [][]float32
	}
	var persons []person
	var all [][]float32
	failed := 0
	flat := !slices.ContainsFunc(people, func(e os.DirEntry) bool { return e.IsDir() })
	for _, p := range people {
		var files []string
		switch {
		case flat: // a folder of single photos: each its own identity
			files = []string{filepath.Join(dir, p.Name())}
		case p.IsDir():
			files, _ = filepath.Glob(filepath.Join(dir, p.Name(), "*"))
			slices.Sort(files)
		default:
			continue
		}
		pr := person{name: p.Name()}
		for _, f := range files {
			img, err := loadImage(f)
			if err != nil {
				failed++
				continue
			}
			fc, err := eng.EmbedSingle(ctx, img)
			if err != nil {
				failed++
				continue
			}
			pr.embs = append(pr.embs, fc.Embedding)
			all = append(all, fc.Embedding)
		}
		if len(pr.embs) > 0 {
			persons = append(persons, pr)
		}
	}
	if len(all) < 2 {
		return fmt.Errorf("bench engine: fewer than two faces embedded under %s (need DIR/<identity>/ photos)", dir)
	}
	// Statistics of the real descriptors, and a diagonal Gaussian fitted to
	// them for the distractors.
	mean := engine.MeanOf(all)
	sd := make([]float64, len(mean))
	var normSum float64
	for _, v := range all {
		var nn float64
		for i, x := range v {
			d := float64(x - mean[i])
			sd[i] += d * d
			nn += float64(x) * float64(x)
		}
		normSum += math.Sqrt(nn)
	}
	var meanNorm float64
	for i := range sd {
		sd[i] = math.Sqrt(sd[i] / float64(len(all)))
		meanNorm += float64(mean[i]) * float64(mean[i])
	}
	fmt.Fprintf(stdout, "faces: %d identities, %d descriptors (%d photos gave no single face); mean |x| = %.3f, |mean| = %.3f\n",
		len(persons), len(all), failed, normSum/float64(len(all)), math.Sqrt(meanNorm))
	distractors := parallelVectors(n, func(i int) []float32 {
		g := engine.NormalStream(seed, uint64(i))
		out := make([]float32, len(mean))
		for j := range out {
			out[j] = mean[j] + float32(sd[j]*g())
		}
		return out
	})
	var ids []string
	var vecs [][]float32
	var probes []engine.Probe
	enrolled := 0
	for i, p := range persons {
		if i%2 == 0 {
			ids = append(ids, "face:"+p.name)
			vecs = append(vecs, p.embs[0])
			enrolled++
			for _, e := range p.embs[1:] {
				probes = append(probes, engine.Probe{Vec: e, Mate: "face:" + p.name})
			}
		} else {
			for _, e := range p.embs {
				probes = append(probes, engine.Probe{Vec: e})
			}
		}
	}
	for i, v := range distractors {
		ids = append(ids, "d"+strconv.Itoa(i))
		vecs = append(vecs, v)
	}
	mated := 0
	for _, p := range probes {
		if p.Mate != "" {
			mated++
		}
	}
	if mated == 0 {
		fmt.Fprintln(stdout, "faces: no identity has two photos, so there are no mated probes; only non-mated ones are checked")
	}
	threshold := face.Calibrated().Threshold
	if metric != engine.Euclidean {
		return usageErr("--faces uses face-api's Euclidean distance; drop --metric")
	}
	fmt.Fprintf(stdout, "faces: gallery %d real + %d distractors (diagonal Gaussian fitted to the real descriptors, seed %d); %d mated and %d non-mated real probes; threshold %.2f (face.Calibrated)\n",
		enrolled, n, seed, mated, len(probes)-mated, threshold)
	for _, st := range settings {
		st.opt.Metric, st.opt.Mean = metric, mean
		ix, _, _, err := buildIndex(st.opt, ids, vecs)
		if err != nil {
			return err
		}
		var agree, missI, missE, fpI, fpE int
		for _, p := range probes {
			e, err := ix.SearchExhaustive(p.Vec, k, math.Inf(1))
			if err != nil {
				return err
			}
			x, err := ix.SearchWith(p.Vec, engine.Params{K: k, Threshold: math.Inf(1)})
			if err != nil {
				return err
			}
			if p.Mate == "" {
				if len(e) > 0 && e[0].Distance <= threshold {
					fpE++
				}
				if len(x) > 0 && x[0].Distance <= threshold {
					fpI++
				}
				continue
			}
			if e[0].ID == x[0].ID {
				agree++
			}
			if !hitMate(e, p.Mate, threshold) {
				missE++
			}
			if !hitMate(x, p.Mate, threshold) {
				missI++
			}
		}
		fmt.Fprintf(stdout, "faces %-5s: rank-1 agreement %d/%d; mates missed at %.2f: index %d, exhaustive %d; non-mated with a candidate: index %d, exhaustive %d of %d\n",
			st.name, agree, mated, threshold, missI, missE, fpI, fpE, len(probes)-mated)
	}
	return nil
}

func hitMate(c []engine.Candidate, mate string, threshold float64) bool {
	for _, x := range c {
		if x.ID == mate && x.Distance <= threshold {
			return true
		}
	}
	return false
}
