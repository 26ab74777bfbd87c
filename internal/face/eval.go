package face

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// EvalReport summarises a verification run over a folder of identities:
// every pair of images of one identity is a genuine pair, every pair across
// identities an impostor pair. Distances follow the metric (smaller = more
// alike), and a pair is accepted when its distance is ≤ the threshold.
type EvalReport struct {
	Metric        string   `json:"metric"`
	Identities    int      `json:"identities"`
	Images        int      `json:"images"`
	Enrolled      int      `json:"enrolled"`        // images that gave an embedding
	FailedToEnrol []string `json:"failed_to_enrol"` // identity/file: reason
	GenuinePairs  int      `json:"genuine_pairs"`
	ImpostorPairs int      `json:"impostor_pairs"`

	// EER is the equal error rate, taken as min over thresholds of
	// max(FAR, FRR); EERThreshold is where that minimum is reached.
	EER          float64          `json:"eer"`
	EERThreshold float64          `json:"eer_threshold"`
	Thresholds   []ThresholdPoint `json:"thresholds"`
	TARAtFAR     []TARPoint       `json:"tar_at_far"`

	// The raw distances, for DET curves.
	GenuineDistances  []float64 `json:"genuine_distances"`
	ImpostorDistances []float64 `json:"impostor_distances"`
}

// ThresholdPoint is the error rates at one threshold.
type ThresholdPoint struct {
	Threshold float64 `json:"threshold"`
	FAR       float64 `json:"far"`
	FRR       float64 `json:"frr"`
}

// TARPoint is the true-accept rate at the loosest threshold whose FAR does
// not exceed the target. Supported is false when there are too few impostor
// pairs to show that FAR: by the rule of three, observing no false accept in
// n pairs bounds the FAR below 3/n at 95% confidence, so n must be ≥ 3/target.
type TARPoint struct {
	TargetFAR     float64 `json:"target_far"`
	TAR           float64 `json:"tar"`
	Threshold     float64 `json:"threshold"`
	ImpostorPairs int     `json:"impostor_pairs"`
	PairsNeeded   int     `json:"impostor_pairs_needed"`
	Supported     bool    `json:"supported"`
}

var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true}

// Evaluate embeds the best face of every image under dir/<identity>/ and
// scores all genuine and impostor pairs with metric m.
func Evaluate(ctx context.Context, e *Engine, dir string, m Metric) (*EvalReport, error) {
	ids, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type enrolled struct {
		identity int
		emb      Embedding
	}
	var (
		rep  = &EvalReport{Metric: m.String(), FailedToEnrol: []string{}}
		embs []enrolled
	)
	for _, id := range ids {
		if !id.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, id.Name()))
		if err != nil {
			return nil, err
		}
		idx := rep.Identities
		rep.Identities++
		for _, f := range files {
			if f.IsDir() || !imageExts[strings.ToLower(filepath.Ext(f.Name()))] {
				continue
			}
			rep.Images++
			name := id.Name() + "/" + f.Name()
			b, err := os.ReadFile(filepath.Join(dir, id.Name(), f.Name()))
			if err != nil {
				return nil, err
			}
			img, err := DecodeImage(b)
			if err != nil {
				rep.FailedToEnrol = append(rep.FailedToEnrol, name+": "+ReasonNotAnImage)
				continue
			}
			faces, err := e.Analyze(ctx, img)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if len(faces) == 0 {
				rep.FailedToEnrol = append(rep.FailedToEnrol, name+": "+ReasonNoFace)
				continue
			}
			embs = append(embs, enrolled{idx, faces[0].Embedding}) // best detector score
		}
	}
	rep.Enrolled = len(embs)
	for i := range embs {
		for j := i + 1; j < len(embs); j++ {
			d := Distance(embs[i].emb, embs[j].emb, m)
			if embs[i].identity == embs[j].identity {
				rep.GenuineDistances = append(rep.GenuineDistances, d)
			} else {
				rep.ImpostorDistances = append(rep.ImpostorDistances, d)
			}
		}
	}
	if len(rep.GenuineDistances) == 0 || len(rep.ImpostorDistances) == 0 {
		return nil, errors.New("evaluation needs at least one genuine and one impostor pair")
	}
	rep.summarize(m)
	return rep, nil
}

func (m Metric) String() string {
	if m == Cosine {
		return "cosine"
	}
	return "euclidean"
}

// summarize fills in the rates from the raw distances.
func (r *EvalReport) summarize(m Metric) {
	gen := append([]float64(nil), r.GenuineDistances...)
	imp := append([]float64(nil), r.ImpostorDistances...)
	sort.Float64s(gen)
	sort.Float64s(imp)
	r.GenuinePairs, r.ImpostorPairs = len(gen), len(imp)
	// far(t): impostors with d ≤ t; frr(t): genuines with d > t.
	far := func(t float64) float64 {
		return float64(sort.SearchFloat64s(imp, math.Nextafter(t, math.Inf(1)))) / float64(len(imp))
	}
	frr := func(t float64) float64 {
		return 1 - float64(sort.SearchFloat64s(gen, math.Nextafter(t, math.Inf(1))))/float64(len(gen))
	}
	// Candidate thresholds: every observed distance, and just below the smallest.
	cands := append(append([]float64{math.Nextafter(min(gen[0], imp[0]), math.Inf(-1))}, gen...), imp...)
	sort.Float64s(cands)
	r.EER = math.Inf(1)
	for _, t := range cands {
		if v := max(far(t), frr(t)); v < r.EER {
			r.EER, r.EERThreshold = v, t
		}
	}
	step, hi := 0.05, 1.2
	if m == Cosine {
		step, hi = 0.025, 0.6
	}
	r.Thresholds = nil
	for t := step; t <= hi+1e-9; t += step {
		t = math.Round(t*1000) / 1000
		r.Thresholds = append(r.Thresholds, ThresholdPoint{Threshold: t, FAR: far(t), FRR: frr(t)})
	}
	r.TARAtFAR = nil
	for _, target := range []float64{1e-2, 1e-3} {
		p := TARPoint{TargetFAR: target, ImpostorPairs: len(imp), PairsNeeded: int(math.Ceil(3 / target)), Threshold: math.Inf(-1)}
		p.Supported = p.ImpostorPairs >= p.PairsNeeded
		// The loosest threshold is the largest candidate whose FAR ≤ target.
		for _, t := range cands {
			if far(t) <= target {
				p.Threshold = t
			}
		}
		if !math.IsInf(p.Threshold, -1) {
			p.TAR = 1 - frr(p.Threshold)
		}
		r.TARAtFAR = append(r.TARAtFAR, p)
	}
}
