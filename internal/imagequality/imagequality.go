// Package imagequality decides whether a captured photo is good enough to
// check: large enough, in focus, and neither washed out nor too dark.
package imagequality

import (
	"image"
	"math"
)

// Reason codes a Report can carry.
const (
	ReasonResolutionTooLow = "resolution_too_low"
	ReasonBlurry           = "blurry"
	ReasonOverexposed      = "overexposed"
	ReasonUnderexposed     = "underexposed"
	ReasonGlare            = "glare"
)

// AnalysisSide is the longer side, in pixels, of the grey copy that
// sharpness is measured on. Measuring at one fixed scale makes the figure
// comparable between a 12 MP phone photo and a 1 MP webcam frame. Smaller
// images are measured as they are: enlarging them would only invent blur.
const AnalysisSide = 512

// Luma levels at or beyond which a pixel counts as clipped.
const (
	overexposedLuma  = 250
	underexposedLuma = 5
)

// Thresholds say what a usable photo is. A zero field disables its check.
type Thresholds struct {
	// MinWidth and MinHeight bound the longer and the shorter side
	// respectively (max(MinWidth, MinHeight) against the longer side), so
	// a portrait photo is held to the same standard as a landscape one.
	MinWidth, MinHeight int
	// MinSharpness is the least variance of the Laplacian, measured at
	// AnalysisSide, below which the photo is blurry.
	MinSharpness float64
	// MaxOverexposed and MaxUnderexposed are the largest fractions (0..1)
	// of pixels allowed at luma >= 250 and <= 5.
	MaxOverexposed, MaxUnderexposed float64
	// MinMeanLuma and MaxMeanLuma bound the average luma (0..255); a photo
	// outside them is underexposed or overexposed as a whole.
	MinMeanLuma, MaxMeanLuma float64
	// MaxGlare is the largest fraction (0..1) of clipped-white pixels
	// allowed in any one tile of a 4×4 grid: a reflection on a card's
	// laminate is a local spot that the whole-image fraction misses.
	MaxGlare float64
}

// DefaultThresholds are calibrated on the 53 real face photos in the shared
// data set (13 colour photos from 424x394 to 970x2204 px, and 40 grey
// 150x150 face crops) against blurred, darkened, brightened and shrunken
// copies of each; TestCalibration pins them and logs these figures, genuine
// versus degraded:
//
//   - sharpness: genuine 14.9 (alex3.png, a soft video still; the next is
//     34.6) to 2987; blurred with σ = 3 px at the analysis scale at most
//     5.6 → 10.
//   - mean luma: genuine 63.9 to 167.1; darkened ×0.15 at most 25.1 → 40.
//     The ceiling of 210 leaves room for bright scenes that are not clipped.
//   - clipped white: genuine at most 12.3% (sheldon2.png); brightened ×2+80
//     and clipped at least 18.2% → 15%. Clipped black: genuine at most
//     35.8% (biden1.jpg, dark clothes against a dark room) → 50%; darkened
//     photos are caught by their mean instead.
//   - size: the smallest genuine photo is 424x394 → 400x300, so a 200x150
//     copy fails. The 150x150 crops fail on size alone, as they should:
//     they are crops of a face, not a capture of one.
//
// Evidence with stricter needs (document images read by OCR) should pass
// its own, larger size minimum.
func DefaultThresholds() Thresholds {
	return Thresholds{
		MinWidth:        400,
		MinHeight:       300,
		MinSharpness:    10,
		MaxOverexposed:  0.15,
		MaxUnderexposed: 0.50,
		MinMeanLuma:     40,
		MaxMeanLuma:     210,
	}
}

// DocumentThresholds are for photos of identity documents, where text must
// stay legible: a larger minimum size than a selfie's, and glare (a local
// reflection on the laminate, which hides a field or the photo) refused.
// The glare limit is a starting value, not calibrated on real captures.
func DocumentThresholds() Thresholds {
	t := DefaultThresholds()
	t.MinWidth, t.MinHeight = 800, 500
	t.MaxGlare = 0.25
	return t
}

// Report is what Assess found.
type Report struct {
	Width, Height int
	// Sharpness is the variance of the 3x3 Laplacian over a grey copy
	// downscaled so its longer side is AnalysisSide pixels.
	Sharpness float64
	// MeanLuma is the average luma, 0..255.
	MeanLuma float64
	// Overexposed and Underexposed are the fractions of pixels with luma
	// >= 250 and <= 5.
	Overexposed, Underexposed float64
	// Glare is the largest fraction of clipped-white pixels in one tile of
	// a 4×4 grid.
	Glare float64
	// Score is 0..1: the weakest of the per-criterion scores. Each of those
	// rises monotonically with quality, is 0.5 exactly at its threshold, and
	// is 1 with a comfortable margin: twice the minimum size, sharpness or
	// mean-luma distance from black or white, or no clipped pixels at all.
	// So a photo that passes scores at least 0.5 and one that fails scores
	// below it.
	Score float64
	// Reasons lists the failed criteria, in the order of the Reason* codes.
	Reasons []string
	// Pass is true when Reasons is empty.
	Pass bool
}

// Assess measures img against t.
func Assess(img image.Image, t Thresholds) Report {
	b := img.Bounds()
	r := Report{Width: b.Dx(), Height: b.Dy()}
	g := analyse(img)
	r.Sharpness = laplacianVariance(g.pix, g.w, g.h)
	if n := float64(r.Width) * float64(r.Height); n > 0 {
		r.MeanLuma = float64(g.sum) / n
		r.Overexposed = float64(g.bright) / n
		r.Underexposed = float64(g.dark) / n
	}
	for i, c := range g.tileCount {
		if c > 0 {
			r.Glare = max(r.Glare, float64(g.tileBright[i])/float64(c))
		}
	}

	long, short := max(r.Width, r.Height), min(r.Width, r.Height)
	minLong, minShort := max(t.MinWidth, t.MinHeight), min(t.MinWidth, t.MinHeight)
	resolution := min(atLeast(float64(long), float64(minLong)), atLeast(float64(short), float64(minShort)))
	sharpness := atLeast(r.Sharpness, t.MinSharpness)
	over, under := atMost(r.Overexposed, t.MaxOverexposed), atMost(r.Underexposed, t.MaxUnderexposed)
	if t.MaxMeanLuma > 0 {
		// Judge the mean by its headroom below white, so that "higher is
		// worse" becomes "less headroom is worse".
		over = min(over, atLeast(255-r.MeanLuma, 255-t.MaxMeanLuma))
	}
	under = min(under, atLeast(r.MeanLuma, t.MinMeanLuma))
	glare := atMost(r.Glare, t.MaxGlare)

	// A criterion fails strictly below its 0.5 mark, i.e. strictly beyond
	// its threshold, so a photo exactly at a threshold passes.
	for _, c := range []struct {
		score  float64
		reason string
	}{
		{resolution, ReasonResolutionTooLow},
		{sharpness, ReasonBlurry},
		{over, ReasonOverexposed},
		{under, ReasonUnderexposed},
		{glare, ReasonGlare},
	} {
		if c.score < 0.5 {
			r.Reasons = append(r.Reasons, c.reason)
		}
	}
	r.Score = min(resolution, sharpness, over, under, glare)
	r.Pass = len(r.Reasons) == 0
	return r
}

// atLeast scores a higher-is-better value v against its minimum: 0 at 0,
// 0.5 at the minimum, 1 at twice the minimum and above. A zero minimum
// disables the criterion.
func atLeast(v, minimum float64) float64 {
	if minimum <= 0 {
		return 1
	}
	return clamp01(0.5 * v / minimum)
}

// atMost scores a lower-is-better value v against its maximum: 1 at 0, 0.5
// at the maximum, 0 at twice the maximum and above. A zero maximum disables
// the criterion.
func atMost(v, maximum float64) float64 {
	if maximum <= 0 {
		return 1
	}
	return clamp01(1 - 0.5*v/maximum)
}

func clamp01(v float64) float64 {
	return math.Max(0, math.Min(1, v))
}
