package liveness

import (
	"math"
	"testing"
)

func TestShippedCalibrationLoads(t *testing.T) {
	c, err := DefaultPADCalibration()
	if err != nil {
		t.Fatal(err)
	}
	if c.Live == 0 || c.Attacks == 0 || !(c.Threshold > 0 && c.Threshold < 1) {
		t.Errorf("got live %d attacks %d threshold %v; want a fitted calibration", c.Live, c.Attacks, c.Threshold)
	}
	for i, w := range c.Weights {
		if w < 0 {
			t.Errorf("weight of %s = %v; want ≥ 0", CueNames[i], w)
		}
	}
}

func TestCalibrateSeparatesAndBoundsBPCER(t *testing.T) {
	// Live samples low on the moire cue, attacks high; the other cues are noise.
	var live, att [][]float64
	for i := 0; i < 40; i++ {
		n := math.Sin(float64(i) * 1.7)
		live = append(live, []float64{1 + 0.5*n, n, 0, 1, 0.5, 0.2, 0.3})
		att = append(att, []float64{6 + 0.5*n, -n, 0, 1, 0.5, 0.2, 0.3})
	}
	c := Calibrate(live, att, "toy")
	rejected, accepted := 0, 0
	for i := range live {
		if c.Score(live[i]) > c.Threshold {
			rejected++
		}
		if c.Score(att[i]) <= c.Threshold {
			accepted++
		}
	}
	if float64(rejected)/40 > MaxCalibrationBPCER {
		t.Errorf("live rejected: got %d of 40; want ≤ 5%%", rejected)
	}
	if accepted != 0 {
		t.Errorf("attacks accepted: got %d of 40; want 0", accepted)
	}
	if c.Weights[0] <= c.Weights[1] {
		t.Errorf("weights: moire %v, halftone %v; want moire to carry the decision", c.Weights[0], c.Weights[1])
	}
}

func TestThresholdForBPCER(t *testing.T) {
	live := make([]float64, 20)
	for i := range live {
		live[i] = float64(i) / 20 // 0 … 0.95
	}
	got := thresholdForBPCER(live, 0.05)
	if got != 0.9 {
		t.Errorf("got %v; want 0.9 (one of 20 above it)", got)
	}
}
