package liveness

import (
	"math"

	"github.com/kakunin-dev/kakunin/internal/face"
	"github.com/kakunin-dev/kakunin/internal/spectrum"
)

// Cue names: the image cues and the two networks, in feature order.
const (
	CueMoire     = "moire"     // luma spectrum peaks: screen pixel grid and moiré
	CueHalftone  = "halftone"  // chroma spectrum peaks: print halftone screens
	CueGlare     = "glare"     // clipped, colourless highlights on the face
	CueBorder    = "border"    // long straight edges around the face (phone or paper edges)
	CueGamut     = "gamut"     // lack of colourfulness (prints and screens shrink the gamut)
	CueAntispoof = "antispoof" // 1 − the antispoof network's real score
	CueLiveness  = "liveness"  // 1 − the liveness network's live score
)

// CueNames lists the cues in the order of the fused model's weights.
var CueNames = []string{CueMoire, CueHalftone, CueGlare, CueBorder, CueGamut, CueAntispoof, CueLiveness}

// specSize is the side of the native-resolution window the spectral cues
// read: the face's centre, never resampled (resampling would blur away the
// pixel grid the cue looks for).
const specSize = 128

// imageCues measures the five image cues around a face.
func imageCues(img *face.Image, lm *face.Landmarks) (moire, halftone, glare, border, gamut float64) {
	cx, cy, side := faceSquare(lm, 1.0)
	lumaWin, chromaWin := nativeWindow(img, cx, cy, min(specSize, int(side)))
	moire, _, _ = spectrum.Peak(lumaWin)
	halftone, _, _ = spectrum.Peak(chromaWin)
	glare, gamut = colourCues(img, cx, cy, side*0.8)
	border = borderCue(img, cx, cy, side)
	return
}

// nativeWindow cuts an n×n window (n rounded down to a power of two, at
// least 32) centred on (cx, cy) at native resolution: luma, and the
// chroma difference Cb − Cr.
func nativeWindow(img *face.Image, cx, cy float64, n int) (luma, chroma [][]float64) {
	p := 32
	for p*2 <= n {
		p *= 2
	}
	pix, w, h := img.RGB(), img.Width(), img.Height()
	x0, y0 := int(cx)-p/2, int(cy)-p/2
	luma, chroma = make([][]float64, p), make([][]float64, p)
	for y := 0; y < p; y++ {
		luma[y], chroma[y] = make([]float64, p), make([]float64, p)
		yy := min(max(y0+y, 0), h-1)
		for x := 0; x < p; x++ {
			xx := min(max(x0+x, 0), w-1)
			i := (yy*w + xx) * 3
			r, g, b := float64(pix[i]), float64(pix[i+1]), float64(pix[i+2])
			luma[y][x] = 0.299*r + 0.587*g + 0.114*b
			cb := -0.1687*r - 0.3313*g + 0.5*b
			cr := 0.5*r - 0.4187*g - 0.0813*b
			chroma[y][x] = cb - cr
		}
	}
	return luma, chroma
}

// colourCues reads the face square: glare is the fraction of pixels that
// are both bright (luma ≥ 240) and nearly colourless; gamut is 1/(1+M/20)
// with M the Hasler–Süsstrunk colourfulness, so a grey image scores 1.
func colourCues(img *face.Image, cx, cy, side float64) (glare, gamut float64) {
	pix, w, h := img.RGB(), img.Width(), img.Height()
	x0, y0 := max(int(cx-side/2), 0), max(int(cy-side/2), 0)
	x1, y1 := min(int(cx+side/2), w), min(int(cy+side/2), h)
	var n, bright float64
	var srg, syb, srg2, syb2 float64
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*w + x) * 3
			r, g, b := float64(pix[i]), float64(pix[i+1]), float64(pix[i+2])
			l := 0.299*r + 0.587*g + 0.114*b
			if l >= 240 && math.Max(r, math.Max(g, b))-math.Min(r, math.Min(g, b)) < 25 {
				bright++
			}
			rg, yb := r-g, 0.5*(r+g)-b
			srg, syb, srg2, syb2 = srg+rg, syb+yb, srg2+rg*rg, syb2+yb*yb
			n++
		}
	}
	if n == 0 {
		return 0, 1
	}
	mrg, myb := srg/n, syb/n
	sd := math.Sqrt(math.Max(0, srg2/n-mrg*mrg) + math.Max(0, syb2/n-myb*myb))
	m := sd + 0.3*math.Hypot(mrg, myb)
	return bright / n, 1 / (1 + m/20)
}

// borderCue looks for straight edges framing the face: within a window
// three face-widths wide, the strongest row (or column) outside the face
// whose mean gradient along its whole length stands out against the
// window's mean gradient. Paper and phone edges are long and straight;
// natural backgrounds rarely line up over the whole window.
func borderCue(img *face.Image, cx, cy, side float64) float64 {
	pix, w, h := img.RGB(), img.Width(), img.Height()
	half := 1.5 * side
	x0, y0 := max(int(cx-half), 1), max(int(cy-half), 1)
	x1, y1 := min(int(cx+half), w-1), min(int(cy+half), h-1)
	if x1-x0 < 8 || y1-y0 < 8 {
		return 0
	}
	lum := func(x, y int) float64 {
		i := (y*w + x) * 3
		return 0.299*float64(pix[i]) + 0.587*float64(pix[i+1]) + 0.114*float64(pix[i+2])
	}
	fx0, fx1 := int(cx-side*0.55), int(cx+side*0.55)
	fy0, fy1 := int(cy-side*0.6), int(cy+side*0.6)
	rows := make([]float64, y1-y0)
	cols := make([]float64, x1-x0)
	var total float64
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			gy := math.Abs(lum(x, y+1) - lum(x, y-1))
			gx := math.Abs(lum(x+1, y) - lum(x-1, y))
			rows[y-y0] += gy
			cols[x-x0] += gx
			total += gx + gy
		}
	}
	mean := total / float64(2*(x1-x0)*(y1-y0))
	if mean == 0 {
		return 0
	}
	best := 0.0
	for i, s := range rows {
		if y := y0 + i; y < fy0 || y > fy1 {
			best = math.Max(best, s/float64(x1-x0)/mean)
		}
	}
	for i, s := range cols {
		if x := x0 + i; x < fx0 || x > fx1 {
			best = math.Max(best, s/float64(y1-y0)/mean)
		}
	}
	return math.Log1p(best)
}
