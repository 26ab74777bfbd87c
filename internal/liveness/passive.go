package liveness

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// PADCalibration is the fused passive model: the cues standardised and
// combined by logistic regression into the probability of an attack, and
// the threshold above which a face is rejected. It is fitted by Calibrate
// on labelled data; pad_calibration.json is the shipped fit.
type PADCalibration struct {
	Cues      []string  `json:"cues"`
	Mean      []float64 `json:"mean"`
	Std       []float64 `json:"std"`
	Weights   []float64 `json:"weights"`
	Bias      float64   `json:"bias"`
	Threshold float64   `json:"threshold"` // reject when the score is above
	// Provenance: what it was fitted on.
	Data    string `json:"data"`
	Live    int    `json:"live"`
	Attacks int    `json:"attacks"`
}

//go:embed pad_calibration.json
var padCalibrationJSON []byte

// DefaultPADCalibration returns the shipped calibration.
func DefaultPADCalibration() (PADCalibration, error) {
	var c PADCalibration
	if err := json.Unmarshal(padCalibrationJSON, &c); err != nil {
		return c, err
	}
	if err := c.validate(); err != nil {
		return c, err
	}
	return c, nil
}

func (c PADCalibration) validate() error {
	n := len(CueNames)
	if len(c.Cues) != n || len(c.Mean) != n || len(c.Std) != n || len(c.Weights) != n {
		return fmt.Errorf("pad calibration: want %d cues, means, deviations and weights", n)
	}
	for i, name := range CueNames {
		if c.Cues[i] != name {
			return fmt.Errorf("pad calibration: cue %d is %q; want %q", i, c.Cues[i], name)
		}
	}
	return nil
}

// Score is the fused probability that the features show an attack.
func (c PADCalibration) Score(features []float64) float64 {
	z := c.Bias
	for i, v := range features {
		z += c.Weights[i] * (v - c.Mean[i]) / c.Std[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// PassiveResult is one face's passive PAD outcome.
type PassiveResult struct {
	Passed    bool    `json:"passed"`
	Score     float64 `json:"score"` // fused probability of an attack
	Threshold float64 `json:"threshold"`
	// Cues are the raw sub-scores (higher = more attack-like), kept for the
	// reviewer; Contributions are each cue's term in the fused logit.
	Cues          map[string]float64 `json:"cues"`
	Contributions map[string]float64 `json:"contributions"`
}

// Features measures every cue on a face, in CueNames order.
func (a *Analyzer) Features(ctx context.Context, img *face.Image, f *face.Face) ([]float64, error) {
	as, lv, err := a.PassiveModelScores(ctx, img, f)
	if err != nil {
		return nil, err
	}
	m, h, g, b, gm := imageCues(img, &f.Landmarks)
	return []float64{m, h, g, b, gm, 1 - as, 1 - lv}, nil
}

// AssessPassive judges one face with the calibration c.
func (a *Analyzer) AssessPassive(ctx context.Context, img *face.Image, f *face.Face, c PADCalibration) (PassiveResult, error) {
	feat, err := a.Features(ctx, img, f)
	if err != nil {
		return PassiveResult{}, err
	}
	return c.judge(feat), nil
}

func (c PADCalibration) judge(feat []float64) PassiveResult {
	r := PassiveResult{Score: c.Score(feat), Threshold: c.Threshold, Cues: map[string]float64{}, Contributions: map[string]float64{}}
	for i, name := range CueNames {
		r.Cues[name] = feat[i]
		r.Contributions[name] = c.Weights[i] * (feat[i] - c.Mean[i]) / c.Std[i]
	}
	r.Passed = r.Score <= c.Threshold
	return r
}

// MaxCalibrationBPCER is the share of genuine faces the calibrated
// threshold may reject on its training data.
const MaxCalibrationBPCER = 0.05

// Calibrate fits the fused model: logistic regression on standardised
// cues with non-negative weights, the two classes weighted equally, a
// light L2 penalty; then the
// threshold is the lowest that rejects at most MaxCalibrationBPCER of the
// live samples (which, for this score, also accepts the fewest attacks).
func Calibrate(live, attacks [][]float64, data string) PADCalibration {
	n := len(CueNames)
	c := PADCalibration{Cues: append([]string(nil), CueNames...), Mean: make([]float64, n), Std: make([]float64, n), Weights: make([]float64, n), Data: data, Live: len(live), Attacks: len(attacks)}
	all := append(append([][]float64(nil), live...), attacks...)
	for j := 0; j < n; j++ {
		var s, s2 float64
		for _, f := range all {
			s += f[j]
			s2 += f[j] * f[j]
		}
		m := s / float64(len(all))
		c.Mean[j] = m
		c.Std[j] = math.Sqrt(math.Max(s2/float64(len(all))-m*m, 0))
		if c.Std[j] < 1e-9 {
			c.Std[j] = 1
		}
	}
	wl, wa := 0.5/float64(max(len(live), 1)), 0.5/float64(max(len(attacks), 1))
	const lambda, rate, steps = 0.01, 0.5, 3000
	for it := 0; it < steps; it++ {
		grad := make([]float64, n)
		var gb float64
		step := func(f []float64, y, w float64) {
			z := c.Bias
			for j := range f {
				z += c.Weights[j] * (f[j] - c.Mean[j]) / c.Std[j]
			}
			e := (1/(1+math.Exp(-z)) - y) * w
			for j := range f {
				grad[j] += e * (f[j] - c.Mean[j]) / c.Std[j]
			}
			gb += e
		}
		for _, f := range live {
			step(f, 0, wl)
		}
		for _, f := range attacks {
			step(f, 1, wa)
		}
		for j := range grad {
			// Every cue is oriented so that more means more attack-like; a
			// negative weight would only learn this data set's make-up
			// (here: grey TV crops are all live), so weights stay ≥ 0.
			c.Weights[j] = math.Max(0, c.Weights[j]-rate*(grad[j]+lambda*c.Weights[j]))
		}
		c.Bias -= rate * gb
	}
	scores := make([]float64, len(live))
	for i, f := range live {
		scores[i] = c.Score(f)
	}
	c.Threshold = thresholdForBPCER(scores, MaxCalibrationBPCER)
	return c
}

// thresholdForBPCER is the lowest threshold (reject above it) with at most
// maxRate of the live scores above it.
func thresholdForBPCER(live []float64, maxRate float64) float64 {
	if len(live) == 0 {
		return 0.5
	}
	s := append([]float64(nil), live...)
	sort.Float64s(s)
	allowed := int(math.Floor(maxRate * float64(len(s))))
	return s[len(s)-1-allowed]
}
