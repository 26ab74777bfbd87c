package imagequality

import (
	"fmt"
	"image"
	"slices"
	"testing"

	"golang.org/x/image/draw"
)

// cropSide is the size of the grey face crops in the data set; they are
// genuine but too small for a capture, and must fail on size alone.
const cropSide = 150

// degradation makes a bad copy of a genuine photo, and names the one
// reason it must be refused for.
type degradation struct {
	name   string
	reason string
	apply  func(*image.RGBA) *image.RGBA
	// alsoAllowed are reasons the copy may fail for besides reason.
	alsoAllowed []string
	// onlyLarger skips photos already smaller than the degraded size.
	onlyLarger bool
}

var degradations = []degradation{
	{
		name: "blurred", reason: ReasonBlurry,
		// σ = 3 px at the analysis scale: on a 2200 px photo a 3 px blur is
		// invisible, and the metric rightly ignores it.
		apply: func(img *image.RGBA) *image.RGBA {
			long := max(img.Bounds().Dx(), img.Bounds().Dy())
			return gaussianBlur(img, 3*max(1, float64(long)/AnalysisSide))
		},
	},
	// Scaling luma by 0.15 scales the Laplacian's variance by 0.15² ≈ 0.02:
	// the dark copy has lost most of its visible detail, and may rightly be
	// called blurry as well.
	{name: "darkened ×0.15", reason: ReasonUnderexposed, alsoAllowed: []string{ReasonBlurry}, apply: func(img *image.RGBA) *image.RGBA { return scaleBrightness(img, 0.15, 0) }},
	{name: "brightened ×2+80, clipped", reason: ReasonOverexposed, apply: func(img *image.RGBA) *image.RGBA { return scaleBrightness(img, 2, 80) }},
	{
		name: "downscaled to 200x150", reason: ReasonResolutionTooLow, onlyLarger: true,
		apply: func(img *image.RGBA) *image.RGBA {
			out := image.NewRGBA(image.Rect(0, 0, 200, 150))
			draw.CatmullRom.Scale(out, out.Bounds(), img, img.Bounds(), draw.Src, nil)
			return out
		},
	},
}

// spread tracks the range of one measurement over a set of images.
type spread struct {
	min, max float64
	minName  string
	maxName  string
	count    int
}

func (s *spread) add(name string, v float64) {
	if s.count == 0 || v < s.min {
		s.min, s.minName = v, name
	}
	if s.count == 0 || v > s.max {
		s.max, s.maxName = v, name
	}
	s.count++
}

func (s spread) String() string {
	return fmt.Sprintf("%.3f (%s) .. %.3f (%s) over %d", s.min, s.minName, s.max, s.maxName, s.count)
}

// TestCalibration holds DefaultThresholds to the real photos: every genuine
// photo passes (the small face crops fail on size alone) and every degraded
// copy fails for exactly the reason it was degraded for. It fails if the
// thresholds or the measurements drift.
func TestCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("calibration blurs every real photo; skipped in -short")
	}
	photos := loadPhotos(t)
	th := DefaultThresholds()
	var genuineSharp, genuineMean, genuineOver, genuineUnder spread
	degraded := map[string]*spread{}
	for _, p := range photos {
		b := p.img.Bounds()
		crop := b.Dx() <= cropSide && b.Dy() <= cropSide
		t.Run(p.name, func(t *testing.T) {
			r := Assess(p.img, th)
			genuineSharp.add(p.name, r.Sharpness)
			genuineMean.add(p.name, r.MeanLuma)
			genuineOver.add(p.name, r.Overexposed)
			genuineUnder.add(p.name, r.Underexposed)
			want := []string(nil)
			if crop {
				want = []string{ReasonResolutionTooLow}
			}
			if !slices.Equal(r.Reasons, want) {
				t.Errorf("genuine: got reasons %v (%s); want %v", r.Reasons, describe(r), want)
			}
			for _, d := range degradations {
				if d.onlyLarger && crop {
					continue
				}
				dr := Assess(d.apply(p.img), th)
				s := degraded[d.name]
				if s == nil {
					s = &spread{}
					degraded[d.name] = s
				}
				switch d.reason {
				case ReasonBlurry:
					s.add(p.name, dr.Sharpness)
				case ReasonUnderexposed:
					s.add(p.name, dr.MeanLuma)
				case ReasonOverexposed:
					s.add(p.name, dr.Overexposed)
				case ReasonResolutionTooLow:
					s.add(p.name, dr.Score)
				}
				// Exactly the degradation's reason, plus what the photo
				// already failed (size, for crops) and what it may add.
				allowed := append([]string{d.reason}, d.alsoAllowed...)
				if crop {
					allowed = append(allowed, ReasonResolutionTooLow)
				}
				if !slices.Contains(dr.Reasons, d.reason) {
					t.Errorf("%s: got reasons %v (%s); want %s among them", d.name, dr.Reasons, describe(dr), d.reason)
				}
				for _, got := range dr.Reasons {
					if !slices.Contains(allowed, got) {
						t.Errorf("%s: got reason %s (%s); want only %v", d.name, got, describe(dr), allowed)
					}
				}
				if dr.Pass || dr.Score >= 0.5 {
					t.Errorf("%s: got pass %v score %.2f; want a failure scoring under 0.5", d.name, dr.Pass, dr.Score)
				}
			}
		})
	}
	t.Logf("genuine sharpness:   %v", genuineSharp)
	t.Logf("genuine mean luma:   %v", genuineMean)
	t.Logf("genuine overexposed: %v", genuineOver)
	t.Logf("genuine underexpos.: %v", genuineUnder)
	for _, d := range degradations {
		t.Logf("%-26s %v", d.name+":", degraded[d.name])
	}
}

func describe(r Report) string {
	return fmt.Sprintf("%dx%d sharpness %.1f mean %.1f over %.3f under %.3f score %.2f",
		r.Width, r.Height, r.Sharpness, r.MeanLuma, r.Overexposed, r.Underexposed, r.Score)
}
