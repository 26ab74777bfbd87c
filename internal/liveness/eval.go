package liveness

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/evalreport"
	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// RealSpoofType is the attack type of images found in a dataset's spoof/.
const RealSpoofType = "real_spoof"

// EvalOptions configures Evaluate.
type EvalOptions struct {
	// Synthetic adds, for every live image with a face, one rendered attack
	// of each synth.AttackKinds (seeded by the image's index).
	Synthetic bool
	// Folds for cross-validation by group (identity folder); 0 means 5,
	// 1 turns it off.
	Folds int
	// Calibration scores the samples; nil means the shipped one.
	Calibration *PADCalibration
}

// SampleScore is one evaluated image.
type SampleScore struct {
	Path     string    `json:"path"` // relative to the data folder; "#kind" marks a rendered attack
	Group    string    `json:"group"`
	Attack   string    `json:"attack,omitempty"` // attack type; empty for live
	NoFace   bool      `json:"no_face,omitempty"`
	Features []float64 `json:"features,omitempty"` // in CueNames order
	Score    float64   `json:"score"`
	CVScore  float64   `json:"cv_score,omitempty"` // from the model that did not see its group
	// CVThreshold is that model's threshold: CVScore above it is a rejection.
	CVThreshold float64 `json:"cv_threshold,omitempty"`
}

// TypeRate is an attack type's APCER (accepted attacks over attacks with
// a face; attacks with no face found are counted apart).
type TypeRate struct {
	Count    int     `json:"count"`
	Accepted int     `json:"accepted"`
	NoFace   int     `json:"no_face"`
	APCER    float64 `json:"apcer"`
}

// Rates are the error rates at one threshold.
type Rates struct {
	APCER        map[string]TypeRate `json:"apcer"`
	BPCER        float64             `json:"bpcer"`
	Live         int                 `json:"live"` // live images with a face
	LiveRejected int                 `json:"live_rejected"`
}

// Report is the outcome of Evaluate. Shipped uses the shipped calibration
// (fitted on data like this, so optimistic when run on that data);
// CrossValidated refits per fold and scores each group with a model that
// never saw it.
type Report struct {
	Data           string         `json:"data"`
	Cues           []string       `json:"cues"`
	Calibration    PADCalibration `json:"calibration"`
	LiveNoFace     int            `json:"live_no_face"`
	Shipped        Rates          `json:"shipped"`
	Folds          int            `json:"folds,omitempty"`
	CrossValidated *Rates         `json:"cross_validated,omitempty"`
	Samples        []SampleScore  `json:"samples"`
	Caveat         string         `json:"caveat"`
}

const evalCaveat = "Development data, not a certification. The live photos are press photos and grayscale TV crops, " +
	"not selfie captures; the only real attacks are two images. Synthetic attacks are rendered from the same live " +
	"photos with simplified physics, and the fused model is fitted on these samples: rates on synthetic attacks " +
	"say the cues find the rendered artefacts, not that real screens and prints are caught."

// Evaluate scores every image under dir: live/ and identities/ (any depth)
// are bona fide; attack/<type>/ and spoof/ (type real_spoof) are attacks.
func (a *Analyzer) Evaluate(ctx context.Context, dir string, opt EvalOptions) (*Report, error) {
	cal := opt.Calibration
	if cal == nil {
		c, err := DefaultPADCalibration()
		if err != nil {
			return nil, err
		}
		cal = &c
	}
	files, err := collectEvalFiles(dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Data: dir, Cues: CueNames, Calibration: *cal, Caveat: evalCaveat}
	for i, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			return nil, err
		}
		img, err := face.DecodeImage(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		s, fc, err := a.scoreSample(ctx, img, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		rep.Samples = append(rep.Samples, s)
		if !opt.Synthetic || f.Attack != "" || fc == nil {
			continue
		}
		src := toRGBA(img)
		d := fc.Detection.Box
		box := image.Rect(int(d.X), int(d.Y), int(d.X+d.Width), int(d.Y+d.Height))
		for _, k := range synth.AttackKinds {
			att := face.FromImage(synth.RenderAttack(src, box, k, uint64(i)))
			s, _, err := a.scoreSample(ctx, att, SampleScore{Path: f.Path + "#" + string(k), Group: f.Group, Attack: string(k)})
			if err != nil {
				return nil, err
			}
			rep.Samples = append(rep.Samples, s)
		}
	}
	for i := range rep.Samples {
		if s := &rep.Samples[i]; !s.NoFace {
			s.Score = cal.Score(s.Features)
		}
	}
	rep.Shipped = rates(rep.Samples, cal.Threshold, func(s SampleScore) float64 { return s.Score })
	for _, s := range rep.Samples {
		if s.Attack == "" && s.NoFace {
			rep.LiveNoFace++
		}
	}
	folds := opt.Folds
	if folds == 0 {
		folds = 5
	}
	if folds > 1 {
		rep.Folds = folds
		cv := crossValidate(rep.Samples, folds)
		rep.CrossValidated = &cv
	}
	return rep, nil
}

func (a *Analyzer) scoreSample(ctx context.Context, img *face.Image, s SampleScore) (SampleScore, *face.Face, error) {
	faces, err := a.engine.Analyze(ctx, img)
	if err != nil {
		return s, nil, err
	}
	if len(faces) == 0 {
		s.NoFace = true
		return s, nil, nil
	}
	f := faces[0]
	s.Features, err = a.Features(ctx, img, &f)
	return s, &f, err
}

// crossValidate assigns groups to folds round-robin, refits on the other
// folds and scores the held-out fold at the refit's own threshold.
func crossValidate(samples []SampleScore, k int) Rates {
	var groups []string
	seen := map[string]bool{}
	for _, s := range samples {
		if !seen[s.Group] {
			seen[s.Group] = true
			groups = append(groups, s.Group)
		}
	}
	sort.Strings(groups)
	fold := map[string]int{}
	for i, g := range groups {
		fold[g] = i % k
	}
	accepted := make([]bool, len(samples))
	for f := 0; f < k; f++ {
		var live, att [][]float64
		for _, s := range samples {
			if s.NoFace || fold[s.Group] == f {
				continue
			}
			if s.Attack == "" {
				live = append(live, s.Features)
			} else {
				att = append(att, s.Features)
			}
		}
		c := Calibrate(live, att, "fold")
		for i := range samples {
			if s := &samples[i]; !s.NoFace && fold[s.Group] == f {
				s.CVScore, s.CVThreshold = c.Score(s.Features), c.Threshold
				accepted[i] = s.CVScore <= c.Threshold
			}
		}
	}
	// Each fold has its own threshold: count decisions, not one threshold.
	return ratesFromDecisions(samples, accepted)
}

func rates(samples []SampleScore, threshold float64, score func(SampleScore) float64) Rates {
	acc := make([]bool, len(samples))
	for i, s := range samples {
		acc[i] = !s.NoFace && score(s) <= threshold
	}
	return ratesFromDecisions(samples, acc)
}

func ratesFromDecisions(samples []SampleScore, accepted []bool) Rates {
	r := Rates{APCER: map[string]TypeRate{}}
	for i, s := range samples {
		if s.Attack == "" {
			if s.NoFace {
				continue
			}
			r.Live++
			if !accepted[i] {
				r.LiveRejected++
			}
			continue
		}
		t := r.APCER[s.Attack]
		if s.NoFace {
			t.NoFace++
		} else {
			t.Count++
			if accepted[i] {
				t.Accepted++
			}
		}
		r.APCER[s.Attack] = t
	}
	for k, t := range r.APCER {
		if t.Count > 0 {
			t.APCER = float64(t.Accepted) / float64(t.Count)
		}
		r.APCER[k] = t
	}
	if r.Live > 0 {
		r.BPCER = float64(r.LiveRejected) / float64(r.Live)
	}
	return r
}

// CalibrateFromReport fits the fused model on a report's samples.
func CalibrateFromReport(r *Report, data string) PADCalibration {
	var live, att [][]float64
	for _, s := range r.Samples {
		switch {
		case s.NoFace:
		case s.Attack == "":
			live = append(live, s.Features)
		default:
			att = append(att, s.Features)
		}
	}
	return Calibrate(live, att, data)
}

// WriteReport writes report.json and liveness.png (APCER per attack type
// and BPCER, cross-validated when available) into outDir.
func WriteReport(outDir string, r *Report) error {
	if err := evalreport.WriteJSON(outDir, "report.json", r); err != nil {
		return err
	}
	rt, how := r.Shipped, "shipped calibration"
	if r.CrossValidated != nil {
		rt, how = *r.CrossValidated, fmt.Sprintf("%d-fold cross-validation by identity", r.Folds)
	}
	var types []string
	for t := range rt.APCER {
		types = append(types, t)
	}
	sort.Strings(types)
	var bars []evalreport.RateBar
	for _, t := range types {
		tr := rt.APCER[t]
		bars = append(bars, evalreport.RateBar{Label: "APCER " + strings.TrimPrefix(t, "synthetic_"), Errors: tr.Accepted, Count: tr.Count})
	}
	bars = append(bars, evalreport.RateBar{Label: "BPCER", Errors: rt.LiveRejected, Count: rt.Live, Bona: true})
	return evalreport.RateBars(filepath.Join(outDir, "liveness.png"), "Passive PAD ("+how+")", bars)
}

type evalFile = SampleScore

// collectEvalFiles lists the images under dir's known folders, sorted.
func collectEvalFiles(dir string) ([]evalFile, error) {
	var out []evalFile
	walk := func(sub string, label func(rel string) (group, attack string)) error {
		root := filepath.Join(dir, sub)
		if _, err := os.Stat(root); err != nil {
			return nil
		}
		return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			ext := strings.ToLower(filepath.Ext(p))
			if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			inner, _ := filepath.Rel(root, p)
			g, a := label(filepath.ToSlash(inner))
			out = append(out, evalFile{Path: filepath.ToSlash(rel), Group: g, Attack: a})
			return nil
		})
	}
	first := func(rel string) string {
		if i := strings.IndexByte(rel, '/'); i >= 0 {
			return rel[:i]
		}
		return rel
	}
	steps := []struct {
		sub   string
		label func(string) (string, string)
	}{
		{"identities", func(r string) (string, string) { return "identities/" + first(r), "" }},
		{"live", func(r string) (string, string) { return "live/" + first(r), "" }},
		{"spoof", func(r string) (string, string) { return "spoof/" + r, RealSpoofType }},
		{"attack", func(r string) (string, string) { return "attack/" + r, first(r) }},
	}
	for _, s := range steps {
		if err := walk(s.sub, s.label); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no images under %s/{live,identities,attack,spoof}", dir)
	}
	return out, nil
}

func toRGBA(img *face.Image) *image.RGBA {
	w, h := img.Width(), img.Height()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	pix := img.RGB()
	for i := 0; i < w*h; i++ {
		out.Pix[i*4], out.Pix[i*4+1], out.Pix[i*4+2], out.Pix[i*4+3] = pix[i*3], pix[i*3+1], pix[i*3+2], 255
	}
	return out
}
