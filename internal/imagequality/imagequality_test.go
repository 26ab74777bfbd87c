package imagequality

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func flat(w, h int, luma uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = luma
	}
	return img
}

// checkerboard alternates squares of side cell between two luma levels.
func checkerboard(w, h, cell int, dark, light uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if (x/cell+y/cell)%2 == 0 {
				img.Pix[y*img.Stride+x] = dark
			} else {
				img.Pix[y*img.Stride+x] = light
			}
		}
	}
	return img
}

func TestAssessSyntheticImages(t *testing.T) {
	tests := map[string]struct {
		img         image.Image
		wantReasons []string
	}{
		"checkerboard is sharp":               {img: checkerboard(800, 600, 8, 40, 200)},
		"portrait checkerboard 300x400":       {img: checkerboard(300, 400, 8, 40, 200)},
		"exactly the minimum size 400x300":    {img: checkerboard(400, 300, 8, 40, 200)},
		"flat grey is blurry":                 {img: flat(800, 600, 128), wantReasons: []string{ReasonBlurry}},
		"all white is overexposed":            {img: flat(800, 600, 255), wantReasons: []string{ReasonBlurry, ReasonOverexposed}},
		"all black is underexposed":           {img: flat(800, 600, 0), wantReasons: []string{ReasonBlurry, ReasonUnderexposed}},
		"sharp but too small 200x150":         {img: checkerboard(200, 150, 8, 40, 200), wantReasons: []string{ReasonResolutionTooLow}},
		"long side one short 399x300":         {img: checkerboard(399, 300, 8, 40, 200), wantReasons: []string{ReasonResolutionTooLow}},
		"short side one short 400x299":        {img: checkerboard(400, 299, 8, 40, 200), wantReasons: []string{ReasonResolutionTooLow}},
		"sharp but dim":                       {img: checkerboard(800, 600, 8, 10, 50), wantReasons: []string{ReasonUnderexposed}},
		"sharp but glaring":                   {img: checkerboard(800, 600, 8, 200, 250), wantReasons: []string{ReasonOverexposed}},
		"half black, half white, still sharp": {img: checkerboard(800, 600, 8, 0, 255), wantReasons: []string{ReasonOverexposed}},
		"empty image":                         {img: image.NewGray(image.Rect(0, 0, 0, 0)), wantReasons: []string{ReasonResolutionTooLow, ReasonBlurry, ReasonUnderexposed}},
		"one pixel":                           {img: flat(1, 1, 128), wantReasons: []string{ReasonResolutionTooLow, ReasonBlurry}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := Assess(tc.img, DefaultThresholds())
			if !slices.Equal(r.Reasons, tc.wantReasons) {
				t.Errorf("got reasons %v (sharpness %.1f mean %.1f over %.3f under %.3f); want %v",
					r.Reasons, r.Sharpness, r.MeanLuma, r.Overexposed, r.Underexposed, tc.wantReasons)
			}
			if r.Pass != (len(tc.wantReasons) == 0) {
				t.Errorf("got pass %v; want %v", r.Pass, len(tc.wantReasons) == 0)
			}
			if r.Score < 0 || r.Score > 1 || r.Pass != (r.Score >= 0.5) {
				t.Errorf("got score %.3f with pass %v; want 0..1, at least 0.5 exactly when passing", r.Score, r.Pass)
			}
		})
	}
}

func TestAssessMeasurements(t *testing.T) {
	// Half the pixels at 0, half at 255, mean 127.5.
	r := Assess(checkerboard(100, 100, 10, 0, 255), Thresholds{})
	if r.Overexposed != 0.5 || r.Underexposed != 0.5 || r.MeanLuma != 127.5 {
		t.Errorf("got over %v under %v mean %v; want 0.5 0.5 127.5", r.Overexposed, r.Underexposed, r.MeanLuma)
	}
	if r.Width != 100 || r.Height != 100 {
		t.Errorf("got %dx%d; want 100x100", r.Width, r.Height)
	}
	// A 1-pixel checkerboard of ±d around a mean gives a Laplacian of ±8d
	// on every interior pixel: variance (8d)².
	r = Assess(checkerboard(64, 64, 1, 100, 110), Thresholds{})
	if want := 40.0 * 40.0; math.Abs(r.Sharpness-want) > 1e-6 {
		t.Errorf("got sharpness %v; want %v", r.Sharpness, want)
	}
	if r.Score != 1 || !r.Pass {
		t.Errorf("got score %v pass %v with every check disabled; want 1 true", r.Score, r.Pass)
	}
}

// TestAssessIsScaleIndependent renders the same scene at three sizes; the
// sharpness, measured at AnalysisSide, must agree.
func TestAssessIsScaleIndependent(t *testing.T) {
	base := Assess(checkerboard(512, 384, 8, 40, 200), Thresholds{}).Sharpness
	for _, factor := range []int{2, 4} {
		got := Assess(checkerboard(512*factor, 384*factor, 8*factor, 40, 200), Thresholds{}).Sharpness
		if math.Abs(got-base) > 0.01*base {
			t.Errorf("got sharpness %.1f at %dx; want %.1f as at 1x", got, factor, base)
		}
	}
}

// TestAssessPixelFormats checks that every fast path reads the same luma as
// the generic one, including on sub-images whose bounds do not start at 0.
func TestAssessPixelFormats(t *testing.T) {
	src := noisyScene(700, 500)
	want := Assess(src, DefaultThresholds())
	sub := image.Rect(50, 40, 650, 460)
	wantSub := Assess(copyTo(image.NewRGBA64(image.Rect(0, 0, sub.Dx(), sub.Dy())), src, sub.Min), DefaultThresholds())

	ycc := image.NewYCbCr(src.Bounds(), image.YCbCrSubsampleRatio420)
	for y := range src.Bounds().Dy() {
		for x := range src.Bounds().Dx() {
			c := src.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)] = yy
			ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = cb, cr
		}
	}
	formats := map[string]image.Image{
		"ycbcr":  ycc,
		"gray":   copyTo(image.NewGray(src.Bounds()), src, image.Point{}),
		"nrgba":  copyTo(image.NewNRGBA(src.Bounds()), src, image.Point{}),
		"rgba64": copyTo(image.NewRGBA64(src.Bounds()), src, image.Point{}),
	}
	for name, img := range formats {
		t.Run(name, func(t *testing.T) {
			got := Assess(img, DefaultThresholds())
			within(t, "sharpness", got.Sharpness, want.Sharpness, 0.02*want.Sharpness)
			within(t, "mean luma", got.MeanLuma, want.MeanLuma, 1)
			within(t, "overexposed", got.Overexposed, want.Overexposed, 0.01)
			within(t, "underexposed", got.Underexposed, want.Underexposed, 0.01)

			gotSub := Assess(img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(sub), DefaultThresholds())
			if gotSub.Width != sub.Dx() || gotSub.Height != sub.Dy() {
				t.Errorf("got sub-image %dx%d; want %dx%d", gotSub.Width, gotSub.Height, sub.Dx(), sub.Dy())
			}
			within(t, "sub-image sharpness", gotSub.Sharpness, wantSub.Sharpness, 0.02*wantSub.Sharpness)
			within(t, "sub-image mean luma", gotSub.MeanLuma, wantSub.MeanLuma, 1)
		})
	}
}

func within(t *testing.T, what string, got, want, tolerance float64) {
	t.Helper()
	if math.Abs(got-want) > tolerance {
		t.Errorf("got %s %.3f; want %.3f ± %.3f", what, got, want, tolerance)
	}
}

func copyTo[T draw.Image](dst T, src image.Image, at image.Point) T {
	draw.Draw(dst, dst.Bounds(), src, at, draw.Src)
	return dst
}

// TestScoreFallsWithBlur blurs one scene harder and harder: sharpness and
// score must never rise.
func TestScoreFallsWithBlur(t *testing.T) {
	scene := noisyScene(640, 480)
	prev := Assess(scene, DefaultThresholds())
	for _, sigma := range []float64{0.5, 1, 2, 3, 5} {
		r := Assess(gaussianBlur(scene, sigma), DefaultThresholds())
		if r.Sharpness >= prev.Sharpness || r.Score > prev.Score {
			t.Errorf("σ=%v: got sharpness %.1f score %.3f; want below %.1f and at most %.3f", sigma, r.Sharpness, r.Score, prev.Sharpness, prev.Score)
		}
		prev = r
	}
	if prev.Pass {
		t.Errorf("got σ=5 passing with sharpness %.1f; want blurry", prev.Sharpness)
	}
}

// noisyScene is a gradient with shapes and sensor-like noise, mid-exposed.
func noisyScene(w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(7, 11))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 60 + 120*x/w
			if (x/40+y/40)%3 == 0 {
				v += 50
			}
			v += rng.IntN(21) - 10
			c := uint8(min(245, max(10, v)))
			img.SetRGBA(x, y, color.RGBA{c, c, uint8(min(245, int(c)+5)), 255})
		}
	}
	return img
}

func BenchmarkAssess(b *testing.B) {
	rgba := noisyScene(1732, 1155) // 2.0 MP
	ycc := image.NewYCbCr(rgba.Bounds(), image.YCbCrSubsampleRatio420)
	copy(ycc.Y, copyTo(image.NewGray(rgba.Bounds()), rgba, image.Point{}).Pix)
	for name, img := range map[string]image.Image{"ycbcr_2MP": ycc, "rgba_2MP": rgba} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Assess(img, DefaultThresholds())
			}
		})
	}
}

func TestGlareIsLocal(t *testing.T) {
	// A sharp 1280x800 card photo with a white reflection covering half of
	// one 320x200 tile: 2.5% of the whole image, so only the tile shows it.
	spot := func(side int) *image.Gray {
		img := checkerboard(1280, 800, 8, 60, 180)
		draw.Draw(img, image.Rect(20, 20, 20+side, 20+side), image.NewUniform(color.Gray{Y: 255}), image.Point{}, draw.Src)
		return img
	}
	for name, tc := range map[string]struct {
		side      int
		wantGlare bool
	}{
		"no spot":               {0, false},
		"small spot (6% tile)":  {62, false},
		"large spot (50% tile)": {179, true},
	} {
		t.Run(name, func(t *testing.T) {
			r := Assess(spot(tc.side), DocumentThresholds())
			if got := slices.Contains(r.Reasons, ReasonGlare); got != tc.wantGlare {
				t.Errorf("glare %.3f, reasons %v; want glare reason %v", r.Glare, r.Reasons, tc.wantGlare)
			}
			if slices.Contains(r.Reasons, ReasonOverexposed) {
				t.Errorf("reasons %v: a local spot is not whole-image overexposure", r.Reasons)
			}
			if d := Assess(spot(tc.side), DefaultThresholds()); slices.Contains(d.Reasons, ReasonGlare) {
				t.Errorf("default thresholds do not judge glare; got %v", d.Reasons)
			}
		})
	}
}
