package liveness

import (
	"math"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// project renders the model rotated by (yaw, pitch, roll) degrees, scaled
// and shifted, as landmarks.
func project(m FaceModel, yaw, pitch, roll float64) face.Landmarks {
	r := math.Pi / 180
	th, ph, ro := -yaw*r, pitch*r, roll*r
	var lm face.Landmarks
	for i, p := range m.P {
		x, y, z := p[0], p[1], p[2]-0.3
		x, z = x*math.Cos(th)+z*math.Sin(th), -x*math.Sin(th)+z*math.Cos(th)
		y, z = y*math.Cos(ph)-z*math.Sin(ph), y*math.Sin(ph)+z*math.Cos(ph)
		_ = z
		x, y = x*math.Cos(ro)-y*math.Sin(ro), x*math.Sin(ro)+y*math.Cos(ro)
		lm[i] = face.Point{X: 300 + 120*x, Y: 200 + 120*y}
	}
	return lm
}

func TestEstimatePoseRecoversRotation(t *testing.T) {
	// A front view with distinct points; the fit keeps it (symmetrised)
	// and adds the generic depth.
	var base FaceModel
	for i := range base.P {
		a := float64(i) * 2 * math.Pi / 68
		base.P[i][0], base.P[i][1] = 0.6*math.Cos(a)*float64(1+i%3)/3, 0.7*math.Sin(a)*float64(1+i%2)/2
	}
	lm0 := project(base, 0, 0, 0)
	model := FitFaceModel(&lm0)
	cases := map[string]struct{ yaw, pitch, roll float64 }{
		"frontal":           {0, 0, 0},
		"turned 20 right":   {20, 0, 0},
		"turned 25 left":    {-25, 0, 0},
		"looking down 15":   {0, 15, 0},
		"looking up 20":     {0, -20, 0},
		"tilted 10":         {0, 0, 10},
		"turned and tilted": {15, -10, 5},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			lm := project(model, tc.yaw, tc.pitch, tc.roll)
			got := model.EstimatePose(&lm)
			if math.Abs(got.Yaw-tc.yaw) > 1 || math.Abs(got.Pitch-tc.pitch) > 1 || math.Abs(got.Roll-tc.roll) > 1 {
				t.Errorf("got yaw %.2f pitch %.2f roll %.2f; want %.0f %.0f %.0f (±1°)", got.Yaw, got.Pitch, got.Roll, tc.yaw, tc.pitch, tc.roll)
			}
		})
	}
}
