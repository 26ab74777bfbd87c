package face

import "math"

// Calibration is a decision threshold and where it came from.
type Calibration struct {
	Threshold float64 `json:"threshold"`  // Euclidean distance; a match is at or below
	FARTarget float64 `json:"far_target"` // the false-accept rate it was chosen for
	Data      string  `json:"data"`       // what it was measured on, with counts
}

// Calibrated returns the default threshold, chosen with `kakunin eval faces`
// (see docs/face-calibration.md). It is the loosest threshold whose measured
// FAR does not exceed FARTarget on the development set; with 1,054 impostor
// pairs that set cannot support a target below about 3e-3 (rule of three),
// so none is claimed.
func Calibrated() Calibration {
	return Calibration{Threshold: calibratedThreshold, FARTarget: 1e-2,
		Data: "shared/data/faces/identities: 13 identities, 48 of 53 images enrolled, 74 genuine and 1,054 impostor pairs"}
}

// calibratedThreshold is set from the evaluation report.
const calibratedThreshold = 0.61

// Similarity maps a Euclidean distance between face-api descriptors to a
// score in [0, 1] where larger is more alike: 1 − distance, clipped. It is a
// presentation of the distance, not a probability.
func Similarity(distance float64) float64 {
	return math.Max(0, math.Min(1, 1-distance))
}
