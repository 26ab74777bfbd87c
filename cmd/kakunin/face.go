package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/kakunin-dev/kakunin/internal/evalreport"
	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/liveness"
)

func openEngine(ctx context.Context, dir string) (*face.Engine, error) {
	e := face.New(dir)
	if err := e.Open(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

func loadImage(path string) (*face.Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	img, err := face.DecodeImage(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func faceCommand(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs, c := newFlags(cmd, stderr)
	models := fs.String("models", "", "model directory (default from config: ./models)")
	out := fs.String("out", "", "output directory (eval faces)")
	runs := fs.Int("n", 20, "runs per stage (bench face)")
	synthetic := fs.Bool("synthetic", true, "eval liveness: add rendered screen, print and cut-out attacks of every live image")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	if *models == "" {
		*models = cfg.ModelsDir
	}
	need := map[string]int{"face compare": 2, "face inspect": 1, "eval faces": 1, "bench face": 1, "eval liveness": 1}[cmd]
	if fs.NArg() != need {
		return usageErr("%s takes %d argument(s)", cmd, need)
	}
	eng, err := openEngine(ctx, *models)
	if err != nil {
		return err
	}
	defer eng.Close()
	switch cmd {
	case "face compare":
		var embs [2]face.Embedding
		for i := range embs {
			img, err := loadImage(fs.Arg(i))
			if err != nil {
				return err
			}
			f, err := eng.EmbedSingle(ctx, img)
			if err != nil {
				return fmt.Errorf("%s: %w", fs.Arg(i), err)
			}
			embs[i] = f.Embedding
		}
		cal := face.Calibrated()
		cmp := face.Compare(embs[0], embs[1], face.Euclidean, cal.Threshold)
		return printJSON(stdout, map[string]any{
			"score": face.Similarity(cmp.Distance), "match": cmp.Match, "threshold": face.Similarity(cal.Threshold),
			"distance": cmp.Distance, "distance_threshold": cal.Threshold, "far_target": cal.FARTarget,
			"calibration": cal.Data,
		})
	case "face inspect":
		img, err := loadImage(fs.Arg(0))
		if err != nil {
			return err
		}
		faces, err := eng.Analyze(ctx, img)
		if err != nil {
			return err
		}
		type faceOut struct {
			Box       face.Box       `json:"box"`
			Score     float64        `json:"score"`
			Quality   face.Quality   `json:"quality"`
			AgeGender face.AgeGender `json:"age_gender"`
		}
		res := struct {
			Width  int       `json:"width"`
			Height int       `json:"height"`
			Faces  []faceOut `json:"faces"`
		}{Width: img.Width(), Height: img.Height(), Faces: []faceOut{}}
		for i := range faces {
			f := &faces[i]
			q, err := eng.Quality(img, f)
			if err != nil {
				return err
			}
			ag, err := eng.EstimateAgeGender(ctx, img, &f.Landmarks)
			if err != nil {
				return err
			}
			res.Faces = append(res.Faces, faceOut{Box: f.Detection.Box, Score: f.Detection.Score, Quality: q, AgeGender: ag})
		}
		return printJSON(stdout, res)
	case "eval faces":
		if *out == "" {
			return usageErr("--out DIR is required")
		}
		fmt.Fprintln(stderr, "embedding every image and scoring all pairs ...")
		rep, err := face.Evaluate(ctx, eng, fs.Arg(0), face.Euclidean)
		if err != nil {
			return err
		}
		if err := evalreport.WriteJSON(*out, "report.json", rep); err != nil {
			return err
		}
		cal := face.Calibrated()
		mark := evalreport.DETPoint{Threshold: cal.Threshold}
		for _, p := range evalreport.DETCurve(rep.GenuineDistances, rep.ImpostorDistances) {
			if p.Threshold <= cal.Threshold {
				mark.FAR, mark.FRR = p.FAR, p.FRR
			}
		}
		title := fmt.Sprintf("Face verification DET — %d identities, %d images, EER %.2f%%", rep.Identities, rep.Enrolled, 100*rep.EER)
		if err := evalreport.DETPlot(*out+"/det.png", title, rep.GenuineDistances, rep.ImpostorDistances, &mark); err != nil {
			return err
		}
		return printJSON(stdout, map[string]any{"identities": rep.Identities, "images": rep.Images, "enrolled": rep.Enrolled,
			"failed_to_enrol": rep.FailedToEnrol, "genuine_pairs": rep.GenuinePairs, "impostor_pairs": rep.ImpostorPairs,
			"eer": rep.EER, "eer_threshold": rep.EERThreshold, "tar_at_far": rep.TARAtFAR,
			"default_threshold": mark, "report": *out + "/report.json", "det": *out + "/det.png"})
	case "eval liveness":
		if *out == "" {
			return usageErr("--out DIR is required")
		}
		an := liveness.NewAnalyzer(eng, *models)
		if err := an.Open(ctx); err != nil {
			return err
		}
		defer an.Close()
		fmt.Fprintln(stderr, "scoring every live image and attack ...")
		rep, err := an.Evaluate(ctx, fs.Arg(0), liveness.EvalOptions{Synthetic: *synthetic})
		if err != nil {
			return err
		}
		if err := liveness.WriteReport(*out, rep); err != nil {
			return err
		}
		return printJSON(stdout, map[string]any{"report": *out + "/report.json", "chart": *out + "/liveness.png"})
	case "bench face":
		img, err := loadImage(fs.Arg(0))
		if err != nil {
			return err
		}
		stages := map[string][]time.Duration{}
		timeIt := func(name string, fn func() error) error {
			t := time.Now()
			err := fn()
			stages[name] = append(stages[name], time.Since(t))
			return err
		}
		for i := 0; i < *runs; i++ {
			var dets []face.Detection
			if err := timeIt("detect", func() (err error) { dets, err = eng.Detect(ctx, img); return }); err != nil {
				return err
			}
			if len(dets) == 0 {
				return fmt.Errorf("no face in %s", fs.Arg(0))
			}
			var lm face.Landmarks
			if err := timeIt("landmarks", func() (err error) { lm, err = eng.Landmarks(ctx, img, dets[0]); return }); err != nil {
				return err
			}
			var al *face.AlignedFace
			if err := timeIt("align", func() (err error) { al, err = eng.Align(img, dets[0], &lm); return }); err != nil {
				return err
			}
			if err := timeIt("embed", func() error { _, err := eng.Embed(ctx, al); return err }); err != nil {
				return err
			}
			if err := timeIt("age_gender", func() error { _, err := eng.EstimateAgeGender(ctx, img, &lm); return err }); err != nil {
				return err
			}
		}
		res := map[string]any{"image": fs.Arg(0), "runs": *runs}
		for name, ds := range stages {
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			res[name+"_ms_median"] = float64(ds[len(ds)/2].Microseconds()) / 1000
			res[name+"_ms_min"] = float64(ds[0].Microseconds()) / 1000
		}
		return printJSON(stdout, res)
	}
	return nil
}
