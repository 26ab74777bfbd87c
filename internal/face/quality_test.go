package face

import (
	"context"
	"math"
	"testing"
)

// frontal is a synthetic symmetric face: eyes level, nose centred at 0.6 of
// the eye–mouth distance.
func frontal() Landmarks {
	var lm Landmarks
	lm[0], lm[16] = Point{0, 40}, Point{100, 40}
	eye := func(cx float64) []Point {
		return []Point{{cx - 10, 40}, {cx - 4, 37}, {cx + 4, 37}, {cx + 10, 40}, {cx + 4, 43}, {cx - 4, 43}}
	}
	copy(lm[36:42], eye(30))
	copy(lm[42:48], eye(70))
	lm[30] = Point{50, 40 + 0.6*40}
	for i := 48; i < 68; i++ {
		lm[i] = Point{50, 80}
	}
	return lm
}

func rotated(lm Landmarks, deg float64) Landmarks {
	a := deg * math.Pi / 180
	c, s := math.Cos(a), math.Sin(a)
	for i, p := range lm {
		lm[i] = Point{p.X*c - p.Y*s, p.X*s + p.Y*c}
	}
	return lm
}

func TestPoseFromLandmarks(t *testing.T) {
	turned := frontal()
	turned[30].X = 75 // nose three quarters across: sin(yaw) = 0.5
	down := frontal()
	down[30].Y = 40 + 0.9*40 // nose lower: sin(pitch) = 0.5
	closed := frontal()
	for i := 36; i < 42; i++ {
		closed[i].Y = 40
	}
	tests := map[string]struct {
		lm                           Landmarks
		roll, yaw, pitch, leftEyeMin float64
	}{
		"frontal":              {frontal(), 0, 0, 0, 0.2},
		"rolled 20°":           {rotated(frontal(), 20), 20, 0, 0, 0.2},
		"turned 30°":           {turned, 0, 30, 0, 0.2},
		"pitched 30° and roll": {rotated(down, -15), -15, 0, 30, 0.2},
		"left eye closed":      {closed, 0, 0, 0, -1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			q := poseFromLandmarks(&tc.lm)
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"roll", q.Roll, tc.roll}, {"yaw", q.Yaw, tc.yaw}, {"pitch", q.Pitch, tc.pitch}} {
				if math.Abs(c.got-c.want) > 1e-6 {
					t.Errorf("%s = %.4f; want %.4f", c.what, c.got, c.want)
				}
			}
			if tc.leftEyeMin < 0 && q.LeftEyeOpen != 0 {
				t.Errorf("closed left eye aspect %.3f; want 0", q.LeftEyeOpen)
			}
			if tc.leftEyeMin > 0 && q.LeftEyeOpen < tc.leftEyeMin {
				t.Errorf("open left eye aspect %.3f; want ≥ %v", q.LeftEyeOpen, tc.leftEyeMin)
			}
		})
	}
}

func TestQualityOnPhotos(t *testing.T) {
	e := openEngine(t)
	img := sample(t, "sample2.jpg")
	faces, err := e.Analyze(context.Background(), img)
	if err != nil || len(faces) != 1 {
		t.Fatalf("Analyze: %d faces, %v", len(faces), err)
	}
	sharp, err := e.Quality(img, &faces[0])
	if err != nil {
		t.Fatal(err)
	}
	// The same photo box-blurred and darkened must score lower on both.
	dull := boxBlurDarken(img, 4, 0.3)
	dfaces, err := e.Analyze(context.Background(), dull)
	if err != nil || len(dfaces) != 1 {
		t.Fatalf("Analyze(blurred): %d faces, %v", len(dfaces), err)
	}
	blurred, err := e.Quality(dull, &dfaces[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sharp %+v", sharp)
	t.Logf("blurred %+v", blurred)
	if blurred.Sharpness >= sharp.Sharpness/2 {
		t.Errorf("blurred sharpness %.1f; want < half of %.1f", blurred.Sharpness, sharp.Sharpness)
	}
	if blurred.Brightness >= sharp.Brightness*0.5 {
		t.Errorf("darkened brightness %.1f; want < half of %.1f", blurred.Brightness, sharp.Brightness)
	}
	if sharp.FaceSize < 100 || math.Abs(sharp.Roll) > 45 {
		t.Errorf("face size %d, roll %.1f; want a large upright face", sharp.FaceSize, sharp.Roll)
	}
}

// boxBlurDarken returns img blurred with a (2r+1)² box and scaled by gain.
func boxBlurDarken(img *Image, r int, gain float64) *Image {
	out := &Image{w: img.w, h: img.h, pix: make([]byte, len(img.pix))}
	for y := 0; y < img.h; y++ {
		for x := 0; x < img.w; x++ {
			for c := 0; c < 3; c++ {
				var s, n float64
				for dy := -r; dy <= r; dy++ {
					for dx := -r; dx <= r; dx++ {
						yy, xx := y+dy, x+dx
						if yy < 0 || xx < 0 || yy >= img.h || xx >= img.w {
							continue
						}
						s += float64(img.pix[(yy*img.w+xx)*3+c])
						n++
					}
				}
				out.pix[(y*img.w+x)*3+c] = byte(s / n * gain)
			}
		}
	}
	return out
}
