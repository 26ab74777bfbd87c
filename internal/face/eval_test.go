package face

import (
	"context"
	"math"
	"os"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := map[string]struct {
		gen, imp      []float64
		wantEER       float64
		wantThreshold float64
		wantTAR1e2    float64
	}{
		"separable": {
			gen: []float64{0.2, 0.3, 0.4}, imp: []float64{0.7, 0.8, 0.9, 1.0},
			wantEER: 0, wantThreshold: 0.4, wantTAR1e2: 1,
		},
		"one impostor among the genuines": {
			// At 0.4: FAR 1/4 (0.35), FRR 0; at 0.35: FAR 1/4, FRR 1/3; at 0.3: FAR 0, FRR 1/3.
			gen: []float64{0.2, 0.3, 0.4}, imp: []float64{0.35, 0.8, 0.9, 1.0},
			wantEER: 0.25, wantThreshold: 0.4, wantTAR1e2: 2.0 / 3,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &EvalReport{GenuineDistances: tc.gen, ImpostorDistances: tc.imp}
			r.summarize(Euclidean)
			if math.Abs(r.EER-tc.wantEER) > 1e-12 || r.EERThreshold != tc.wantThreshold {
				t.Errorf("EER %v at %v; want %v at %v", r.EER, r.EERThreshold, tc.wantEER, tc.wantThreshold)
			}
			p := r.TARAtFAR[0]
			if p.TargetFAR != 1e-2 || math.Abs(p.TAR-tc.wantTAR1e2) > 1e-12 {
				t.Errorf("TAR at FAR %v = %v; want %v", p.TargetFAR, p.TAR, tc.wantTAR1e2)
			}
			if p.Supported || p.PairsNeeded != 300 {
				t.Errorf("4 impostor pairs: supported=%v, needed %d; want false, 300", p.Supported, p.PairsNeeded)
			}
		})
	}
}

// sharedFaces is the development photo set outside the repository.
const sharedFaces = "../../../shared/data/faces/identities"

func TestEvaluateSharedIdentities(t *testing.T) {
	if _, err := os.Stat(sharedFaces); err != nil {
		t.Skipf("skipping: the development face set %s is absent", sharedFaces)
	}
	e := openEngine(t)
	r, err := Evaluate(context.Background(), e, sharedFaces, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d identities, %d images, %d enrolled, %d genuine / %d impostor pairs, EER %.4f at %.3f, failed: %v",
		r.Identities, r.Images, r.Enrolled, r.GenuinePairs, r.ImpostorPairs, r.EER, r.EERThreshold, r.FailedToEnrol)
	for _, p := range r.TARAtFAR {
		t.Logf("TAR %.3f at FAR %g (threshold %.3f, %d impostor pairs, supported %v)", p.TAR, p.TargetFAR, p.Threshold, p.ImpostorPairs, p.Supported)
	}
	if r.Identities != 13 || r.Images != 53 {
		t.Errorf("read %d identities, %d images; want 13, 53", r.Identities, r.Images)
	}
	if r.GenuinePairs+r.ImpostorPairs != r.Enrolled*(r.Enrolled-1)/2 {
		t.Errorf("%d + %d pairs from %d images; want all %d", r.GenuinePairs, r.ImpostorPairs, r.Enrolled, r.Enrolled*(r.Enrolled-1)/2)
	}
	if r.EER > 0.2 {
		t.Errorf("EER %.3f; want a working verifier (≤ 0.2 here, goal ≤ 0.01)", r.EER)
	}
}
