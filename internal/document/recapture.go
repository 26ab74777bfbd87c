package document

// Recapture: is this a photo of the document itself, or of a screen
// showing a photo of it? A screen is a lattice of pixels, each three
// coloured stripes; photographed, the lattice survives as narrow peaks in
// the image's spectrum (and aliases into moiré), and the stripes put the
// peaks in the colour channels with different phases. A card's print has
// no such lattice at a camera's resolution. The measures read windows of
// the photo at native resolution (resampling would blur the lattice away);
// the threshold was chosen on synthetic screens (synth.ScreenRecapture),
// not on real recaptures.

import (
	"image"
	"math"
	"math/cmplx"
	"slices"

	"github.com/kakunin-dev/kakunin/internal/spectrum"
)

// Recapture cue names.
const (
	CueLumaPeak   = "luma_peak"   // strongest whitened luma spectrum peak over its band's median (log)
	CueChromaPeak = "chroma_peak" // the same for the chroma difference Cb − Cr
	CueStripe     = "stripe"      // R and B out of phase at the chroma peak: sub-pixel stripes
	CueGamut      = "gamut"       // the 99th percentile of chroma over the central half of the photo
)

// Recapture kinds.
const (
	RecaptureKindScreen = "screen"
	RecaptureKindPrint  = "print"
)

// PrintThreshold is the print score at or above which a photo is taken
// for a print or a photocopy photographed again: between the highest
// genuine photo (6.4) and the lowest synthetic print (7.5) in
// TestRecaptureSeparatesPrints. See printScore.
const PrintThreshold = 7.0

// StripeScreenMin is the stripe cue from which a recapture is a screen's
// rather than a print's: prints put the colours in phase (stripe ≤ 0.1 on
// the synthetic prints), screens' sub-pixels do not (0.2 to 1).
const StripeScreenMin = 0.15

// RecaptureThreshold is the score at or above which a photo is taken for
// a recapture from a screen: midway between the highest genuine specimen
// photo (clean and medium, as JPEG) and the lowest synthetic screen
// recapture in TestRecaptureSeparatesScreens. The score is the stronger
// spectral peak plus four times the stripe cue.
const RecaptureThreshold = 8.0

// RecaptureResult is what Recapture measured.
type RecaptureResult struct {
	Score  float64 // higher is more screen-like
	Screen bool    // Kind is "screen"
	// PrintScore is higher for halftone dots and lost colour.
	PrintScore float64
	// Kind is "screen" or "print" when Score ≥ RecaptureThreshold or
	// PrintScore ≥ PrintThreshold (the stripe cue tells which), "" for a
	// photo of the document itself.
	Kind string
	Cues map[string]float64 // by cue name, the windows' robust mean
}

// recapWin is the side of the spectral windows (a power of two).
const recapWin = 256

// Recapture measures the screen cues over five windows around the photo's
// centre, where a framed document lies.
func Recapture(img image.Image) RecaptureResult {
	rgba := toRGBA(img)
	b := rgba.Bounds()
	W, H := b.Dx(), b.Dy()
	n := recapWin
	for n > 32 && (n > W || n > H) {
		n /= 2
	}
	type cues struct{ luma, chroma, stripe float64 }
	var ws []cues
	for _, off := range [][2]float64{{0, 0}, {-0.17, -0.17}, {0.17, -0.17}, {-0.17, 0.17}, {0.17, 0.17}} {
		cx := float64(W)*(0.5+off[0]) - float64(n)/2
		cy := float64(H)*(0.5+off[1]) - float64(n)/2
		x0 := min(max(int(cx), 0), W-n)
		y0 := min(max(int(cy), 0), H-n)
		l, c, r, bl := windowPlanes(rgba, b.Min.X+x0, b.Min.Y+y0, n)
		lp, _, _ := spectrum.Peak(l)
		cp, u, v := spectrum.Peak(c)
		ws = append(ws, cues{lp, cp, stripePhase(r, bl, u, v)})
	}
	// The mean of the three strongest windows: a document's edge or a
	// background in one window should neither make nor unmake the call.
	top := func(get func(cues) float64) float64 {
		vals := make([]float64, len(ws))
		for i, w := range ws {
			vals[i] = get(w)
		}
		slices.Sort(vals)
		k := min(3, len(vals))
		s := 0.0
		for _, v := range vals[len(vals)-k:] {
			s += v
		}
		return s / float64(k)
	}
	res := RecaptureResult{Cues: map[string]float64{
		CueLumaPeak:   top(func(c cues) float64 { return c.luma }),
		CueChromaPeak: top(func(c cues) float64 { return c.chroma }),
		CueStripe:     top(func(c cues) float64 { return c.stripe }),
	}}
	res.Score = math.Max(res.Cues[CueLumaPeak], res.Cues[CueChromaPeak]) + 4*res.Cues[CueStripe]
	res.Cues[CueGamut] = gamut(rgba)
	res.PrintScore = printScore(res.Cues)
	for k, v := range res.Cues {
		res.Cues[k] = math.Round(v*1000) / 1000
	}
	res.Score = math.Round(res.Score*1000) / 1000
	res.PrintScore = math.Round(res.PrintScore*1000) / 1000
	if res.Score >= RecaptureThreshold || res.PrintScore >= PrintThreshold {
		res.Kind = RecaptureKindPrint
		if res.Cues[CueStripe] >= StripeScreenMin {
			res.Kind = RecaptureKindScreen
		}
	}
	res.Screen = res.Kind == RecaptureKindScreen
	return res
}

// printScore: a halftone's dot lattice gives a spectral peak as a screen's
// does (but no stripe), and a photocopy loses the saturated colours every
// card's inks have (its red 見本 stamp too): every 2 chroma levels of
// gamut under 16 add one. Genuine photos have a gamut of 19 or more,
// photocopies 9 or less; colour prints more than the original (pure inks).
func printScore(c map[string]float64) float64 {
	return math.Max(c[CueLumaPeak], c[CueChromaPeak]) + math.Max(0, 16-c[CueGamut])/2
}

// gamut is the 99th percentile of the chroma magnitude √(Cb² + Cr²) over
// the photo's central half, sampled every third pixel.
func gamut(img *image.RGBA) float64 {
	b := img.Bounds()
	var hist [256]int
	n := 0
	for y := b.Min.Y + b.Dy()/4; y < b.Max.Y-b.Dy()/4; y += 3 {
		for x := b.Min.X + b.Dx()/4; x < b.Max.X-b.Dx()/4; x += 3 {
			o := img.PixOffset(x, y)
			r, g, bl := float64(img.Pix[o]), float64(img.Pix[o+1]), float64(img.Pix[o+2])
			cb := -0.1687*r - 0.3313*g + 0.5*bl
			cr := 0.5*r - 0.4187*g - 0.0813*bl
			hist[min(255, int(math.Hypot(cb, cr)))]++
			n++
		}
	}
	c := 0
	for v, k := range hist {
		c += k
		if c >= n*99/100 {
			return float64(v)
		}
	}
	return 255
}

// windowPlanes cuts an n×n window at (x0, y0): luma, chroma Cb − Cr, red and blue.
func windowPlanes(img *image.RGBA, x0, y0, n int) (luma, chroma, red, blue [][]float64) {
	mk := func() [][]float64 {
		p := make([][]float64, n)
		for i := range p {
			p[i] = make([]float64, n)
		}
		return p
	}
	luma, chroma, red, blue = mk(), mk(), mk(), mk()
	for y := range n {
		row := img.Pix[img.PixOffset(x0, y0+y):]
		for x := range n {
			r, g, b := float64(row[x*4]), float64(row[x*4+1]), float64(row[x*4+2])
			luma[y][x] = 0.299*r + 0.587*g + 0.114*b
			cb := -0.1687*r - 0.3313*g + 0.5*b
			cr := 0.5*r - 0.4187*g - 0.0813*b
			chroma[y][x] = cb - cr
			red[y][x], blue[y][x] = r, b
		}
	}
	return
}

// stripePhase is how far apart the red and blue channels' phases are at
// frequency (u, v), weighted by how strong the bin is in both: |sin Δφ|
// times the weaker channel's share of its own window's energy at that bin,
// scaled so a clear stripe gives about 1. Print and card surfaces put the
// colours in phase (Δφ ≈ 0); R, G, B stripes side by side put them a third
// of a period apart.
func stripePhase(red, blue [][]float64, u, v int) float64 {
	if u == 0 && v == 0 {
		return 0
	}
	n := len(red)
	var sr, sb complex128
	var er, eb, mr, mb float64
	for y := range n {
		for x := range n {
			mr += red[y][x]
			mb += blue[y][x]
		}
	}
	mr /= float64(n * n)
	mb /= float64(n * n)
	for y := range n {
		for x := range n {
			ph := -2 * math.Pi * float64(u*x+v*y) / float64(n)
			w := complex(math.Cos(ph), math.Sin(ph))
			r, b := red[y][x]-mr, blue[y][x]-mb
			sr += complex(r, 0) * w
			sb += complex(b, 0) * w
			er += r * r
			eb += b * b
		}
	}
	if er == 0 || eb == 0 {
		return 0
	}
	// Amplitude of a pure sinusoid of the bin relative to the channel's RMS.
	ar := cmplx.Abs(sr) / math.Sqrt(er*float64(n*n)/2)
	ab := cmplx.Abs(sb) / math.Sqrt(eb*float64(n*n)/2)
	d := cmplx.Phase(sr) - cmplx.Phase(sb)
	return math.Abs(math.Sin(d)) * math.Min(1, 10*math.Min(ar, ab))
}
