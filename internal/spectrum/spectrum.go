// Package spectrum finds periodic patterns in square image windows: the
// moiré a screen leaves in a photograph of it, a printer's halftone. It is
// shared by face presentation-attack detection (internal/liveness) and
// document recapture detection (internal/document).
package spectrum

import (
	"math"
	"math/cmplx"
	"slices"
)

// FFT is an in-place radix-2 Cooley–Tukey transform; len(a) is a power of
// two.
func FFT(a []complex128) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				u, v := a[start+k], a[start+k+size/2]*wk
				a[start+k], a[start+k+size/2] = u+v, u-v
				wk *= w
			}
		}
	}
}

// Transform is the 2-D spectrum of an n×n window (n a power of two), with
// its mean removed and a Hann window applied on both axes.
func Transform(win [][]float64) [][]complex128 {
	n := len(win)
	var mean float64
	for _, row := range win {
		for _, v := range row {
			mean += v
		}
	}
	mean /= float64(n * n)
	hann := make([]float64, n)
	for i := range hann {
		hann[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
	}
	c := make([][]complex128, n)
	for y := range c {
		c[y] = make([]complex128, n)
		for x := range c[y] {
			c[y][x] = complex((win[y][x]-mean)*hann[y]*hann[x], 0)
		}
		FFT(c[y])
	}
	col := make([]complex128, n)
	for x := range n {
		for y := range n {
			col[y] = c[y][x]
		}
		FFT(col)
		for y := range n {
			c[y][x] = col[y]
		}
	}
	return c
}

// OnJPEGGrid reports whether bin (u, v) of an n-point spectrum lies on the
// lattice of multiples of 1/16 cycle per pixel in both directions (±1 bin):
// JPEG's 8×8 blocks, and 16×16 for subsampled chroma, put peaks there in
// every compressed photo, genuine or not.
func OnJPEGGrid(u, v, n int) bool {
	step := n / 16
	if step < 2 {
		return false
	}
	near := func(f int) bool {
		if f < 0 {
			f = -f
		}
		m := f % step
		return m <= 1 || m >= step-1
	}
	return near(u) && near(v)
}

// Peak scores the strongest periodic pattern of a window: the log ratio of
// the strongest bin's frequency-weighted power to the median, over the band
// from 1/8 to 1/2 cycle per pixel, off the JPEG grid, normalised so that
// noise scores about 0 whatever the window size. It also returns the
// strongest bin (u ≥ 0; v signed). A flat window scores 0.
func Peak(win [][]float64) (score float64, pu, pv int) {
	n := len(win)
	c := Transform(win)
	band := make([]float64, 0, n*n/2)
	peak := 0.0
	for v := range n {
		fv := v
		if v > n/2 {
			fv -= n
		}
		for u := range n / 2 { // one half plane: the spectrum is symmetric
			r := math.Hypot(float64(u), float64(fv)) / float64(n)
			if r < 0.125 || r > 0.5 || OnJPEGGrid(u, fv, n) {
				continue
			}
			a := cmplx.Abs(c[v][u])
			p := a * a * r * r
			band = append(band, p)
			if p > peak {
				peak, pu, pv = p, u, fv
			}
		}
	}
	if len(band) == 0 {
		return 0, 0, 0
	}
	slices.Sort(band)
	med := band[len(band)/2]
	if med <= 0 {
		return 0, 0, 0
	}
	// For n bins of noise the peak-to-median ratio alone grows like
	// ln(n)/ln(2); dividing it out makes windows of different sizes agree.
	return math.Log(peak/med) - math.Log(math.Log(float64(len(band)))/math.Ln2), pu, pv
}
