package spectrum

import (
	"math"
	"math/cmplx"
	"testing"
)

// FFT agrees with the direct DFT.
func TestFFT(t *testing.T) {
	n := 32
	a := make([]complex128, n)
	for i := range a {
		a[i] = complex(math.Sin(float64(i*i)+1), math.Cos(float64(i)))
	}
	want := make([]complex128, n)
	for k := range want {
		for j, v := range a {
			want[k] += v * cmplx.Exp(complex(0, -2*math.Pi*float64(j*k)/float64(n)))
		}
	}
	FFT(a)
	for k := range a {
		if cmplx.Abs(a[k]-want[k]) > 1e-9 {
			t.Fatalf("bin %d: got %v; want %v", k, a[k], want[k])
		}
	}
}

// Peak locates a fine grid (off the JPEG lattice) and scores a flat window
// 0; internal/liveness tests that a grid outscores smooth content.
func TestPeakLocatesAGrid(t *testing.T) {
	n := 64
	grid, flat := make([][]float64, n), make([][]float64, n)
	for y := range n {
		grid[y], flat[y] = make([]float64, n), make([]float64, n)
		for x := range n {
			grid[y][x] = 100 + 20*math.Cos(2*math.Pi*float64(x)*14/float64(n)) // 14 cycles across
			flat[y][x] = 7
		}
	}
	if g, u, v := Peak(grid); g <= 0 || u != 14 || v != 0 {
		t.Errorf("grid: %.2f at (%d,%d); want a positive score at (14,0)", g, u, v)
	}
	if f, _, _ := Peak(flat); f != 0 {
		t.Errorf("flat window: %.2f; want 0", f)
	}
}

func TestOnJPEGGrid(t *testing.T) {
	for _, tc := range []struct {
		u, v, n int
		want    bool
	}{{8, 16, 128, true}, {9, -8, 128, true}, {12, 8, 128, false}, {3, 3, 16, false}} {
		if got := OnJPEGGrid(tc.u, tc.v, tc.n); got != tc.want {
			t.Errorf("OnJPEGGrid(%d, %d, %d) = %v; want %v", tc.u, tc.v, tc.n, got, tc.want)
		}
	}
}
