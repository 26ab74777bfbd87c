package liveness

import (
	"context"
	"image"
	"math"
	"math/cmplx"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/spectrum"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func TestFFTMatchesDFT(t *testing.T) {
	n := 16
	a := make([]complex128, n)
	for i := range a {
		a[i] = complex(math.Sin(float64(i*i)+1), 0)
	}
	want := make([]complex128, n)
	for k := range want {
		for j, v := range a {
			want[k] += v * cmplx.Exp(complex(0, -2*math.Pi*float64(j*k)/float64(n)))
		}
	}
	spectrum.FFT(a)
	for k := range a {
		if cmplx.Abs(a[k]-want[k]) > 1e-9 {
			t.Fatalf("bin %d: got %v; want %v", k, a[k], want[k])
		}
	}
}

func TestSpectralPeakFindsAGrid(t *testing.T) {
	n := 64
	grid, smooth := make([][]float64, n), make([][]float64, n)
	for y := 0; y < n; y++ {
		grid[y], smooth[y] = make([]float64, n), make([]float64, n)
		for x := 0; x < n; x++ {
			base := 100 + 40*math.Sin(float64(x)/9)*math.Cos(float64(y)/13)
			smooth[y][x] = base
			grid[y][x] = base + 20*math.Cos(2*math.Pi*float64(x)/3.3)
		}
	}
	g, _, _ := spectrum.Peak(grid)
	s, _, _ := spectrum.Peak(smooth)
	if g < s+2 {
		t.Errorf("got grid %.2f, smooth %.2f; want the grid at least 2 above", g, s)
	}
}

// The rendered attacks must show the artefacts their cues look for, more
// than the live capture they were rendered from.
func TestCuesSeeRenderedAttacks(t *testing.T) {
	a := openAnalyzer(t)
	src, img := livePhoto(t)
	fs, err := a.engine.Analyze(context.Background(), img)
	if err != nil || len(fs) == 0 {
		t.Fatalf("live photo: %v", err)
	}
	liveM, liveH, _, _, _ := imageCues(img, &fs[0].Landmarks)
	b := fs[0].Detection.Box
	box := image.Rect(int(b.X), int(b.Y), int(b.X+b.Width), int(b.Y+b.Height))
	for _, k := range synth.AttackKinds {
		t.Run(string(k), func(t *testing.T) {
			att := face.FromImage(synth.RenderAttack(src, box, k, 7))
			af, err := a.engine.Analyze(context.Background(), att)
			if err != nil || len(af) == 0 {
				t.Fatalf("no face found in the rendered attack (%v)", err)
			}
			m, h, _, _, _ := imageCues(att, &af[0].Landmarks)
			if math.Max(m, h) <= math.Max(liveM, liveH) {
				t.Errorf("got moire %.2f halftone %.2f; want one above the live photo's %.2f / %.2f", m, h, liveM, liveH)
			}
		})
	}
}
