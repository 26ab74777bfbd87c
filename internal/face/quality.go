package face

import "math"

// Quality describes how usable a face is for comparison. The pose angles are
// geometric estimates from the 2-D landmarks, good for rejecting strongly
// turned or tilted faces (say beyond 25–30°), not for measuring head pose.
type Quality struct {
	FaceSize int // side of the aligned crop in pixels

	Roll  float64 // degrees; positive when the eye line falls to the image's right
	Yaw   float64 // degrees; positive when the nose points to the image's right
	Pitch float64 // degrees; positive when the nose points down (uncalibrated)

	// Sharpness is the variance of a 3×3 Laplacian over the 150×150 aligned
	// crop's luma; blurred faces score low (compare against a threshold
	// chosen on real captures).
	Sharpness float64
	// Brightness is the crop's mean luma (0–255); Contrast its standard deviation.
	Brightness, Contrast float64
	// Clipped is the fraction of crop pixels at luma ≤ 5 or ≥ 250.
	Clipped float64
	// LeftEyeOpen and RightEyeOpen are eye aspect ratios (eye height over
	// width); an open eye is usually above 0.2. "Left" is the image's left.
	LeftEyeOpen, RightEyeOpen float64
}

// Constants of the pose estimates. With the roll removed, a frontal face has
// its nose tip halfway between the jaw points at eye level (yaw) and about
// 0.6 of the way from the eye line to the mouth (pitch); 0.6 also stands for
// nose depth over eye–mouth distance. They were read off the face-api sample
// photos, not fitted to measured poses.
const (
	pitchNeutral = 0.6
	pitchDepth   = 0.6
)

// Quality computes quality measures for a face found by Analyze.
func (e *Engine) Quality(img *Image, f *Face) (Quality, error) {
	q := poseFromLandmarks(&f.Landmarks)
	q.FaceSize = int(min(f.Aligned.Width, f.Aligned.Height))
	al, err := e.Align(img, f.Detection, &f.Landmarks)
	if err != nil {
		return Quality{}, err
	}
	q.Sharpness, q.Brightness, q.Contrast, q.Clipped = cropStats(al.input.Data, recognitionInput)
	return q, nil
}

func poseFromLandmarks(lm *Landmarks) Quality {
	le, re := centre(lm[36:42]), centre(lm[42:48])
	eyes := Point{(le.X + re.X) / 2, (le.Y + re.Y) / 2}
	roll := math.Atan2(re.Y-le.Y, re.X-le.X)
	// Rotate about the eye midpoint so the eye line is horizontal.
	c, s := math.Cos(-roll), math.Sin(-roll)
	rot := func(p Point) Point {
		x, y := p.X-eyes.X, p.Y-eyes.Y
		return Point{x*c - y*s, x*s + y*c}
	}
	jawL, jawR, nose, mouth := rot(lm[0]), rot(lm[16]), rot(lm[30]), rot(centre(lm[48:68]))
	asinDeg := func(v float64) float64 { return math.Asin(max(-1, min(1, v))) * 180 / math.Pi }
	var q Quality
	q.Roll = roll * 180 / math.Pi
	if w := jawR.X - jawL.X; w > 0 {
		q.Yaw = asinDeg(2*(nose.X-jawL.X)/w - 1)
	}
	if mouth.Y > 0 {
		q.Pitch = asinDeg((nose.Y/mouth.Y - pitchNeutral) / pitchDepth)
	}
	q.LeftEyeOpen = eyeAspect(lm[36:42])
	q.RightEyeOpen = eyeAspect(lm[42:48])
	return q
}

// eyeAspect is (|p1−p5| + |p2−p4|) / (2·|p0−p3|) over the six eye points.
func eyeAspect(p []Point) float64 {
	d := func(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
	w := d(p[0], p[3])
	if w == 0 {
		return 0
	}
	return (d(p[1], p[5]) + d(p[2], p[4])) / (2 * w)
}

// cropStats measures an n×n RGB crop with values 0..255.
func cropStats(rgb []float32, n int) (sharpness, mean, std, clipped float64) {
	luma := make([]float64, n*n)
	var sum, sum2 float64
	clip := 0
	for i := range luma {
		y := 0.299*float64(rgb[3*i]) + 0.587*float64(rgb[3*i+1]) + 0.114*float64(rgb[3*i+2])
		luma[i] = y
		sum += y
		sum2 += y * y
		if y <= 5 || y >= 250 {
			clip++
		}
	}
	N := float64(len(luma))
	mean = sum / N
	std = math.Sqrt(max(0, sum2/N-mean*mean))
	clipped = float64(clip) / N
	var ls, ls2 float64
	for y := 1; y < n-1; y++ {
		for x := 1; x < n-1; x++ {
			i := y*n + x
			l := luma[i-n] + luma[i+n] + luma[i-1] + luma[i+1] - 4*luma[i]
			ls += l
			ls2 += l * l
		}
	}
	M := float64((n - 2) * (n - 2))
	sharpness = ls2/M - (ls/M)*(ls/M)
	return sharpness, mean, std, clipped
}
