package imagequality

import "image"

// grey is the measurement pass over an image: a downscaled grey copy for
// the sharpness filter, and full-resolution luma statistics for exposure.
type grey struct {
	pix          []float32 // w*h box-averaged luma, row-major
	w, h         int
	sum          uint64 // luma summed over every source pixel
	bright, dark int64  // source pixels at or beyond the clipping levels
	// tileBright and tileCount count clipped-white and all source pixels
	// in each cell of a glareGrid×glareGrid partition: a glare spot is
	// local, so the whole-image fraction hides it.
	tileBright, tileCount [glareGrid * glareGrid]int64
}

// glareGrid is how many tiles across and down glare is measured in.
const glareGrid = 4

// analyse reads every pixel of img exactly once. Each source pixel adds its
// luma to one cell of the downscaled grid (a box filter, which averages out
// sensor noise instead of aliasing it into false sharpness) and to the
// exposure counts.
func analyse(img image.Image) grey {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw <= 0 || sh <= 0 {
		return grey{}
	}
	dw, dh := sw, sh
	if long := max(sw, sh); long > AnalysisSide {
		dw = max(1, (sw*AnalysisSide+long/2)/long)
		dh = max(1, (sh*AnalysisSide+long/2)/long)
	}
	xcell := make([]int32, sw)
	xcount := make([]int32, dw)
	for x := range sw {
		c := x * dw / sw
		xcell[x] = int32(c)
		xcount[c]++
	}
	acc := make([]uint32, dw*dh)
	ycount := make([]int32, dh)
	row := make([]uint8, sw)
	var hist [256]int64
	g := grey{w: dw, h: dh}
	for y := range sh {
		lumaRow(img, b.Min.Y+y, row)
		cy := y * dh / sh
		ycount[cy]++
		cells := acc[cy*dw : (cy+1)*dw]
		ty := y * glareGrid / sh * glareGrid
		for x, l := range row {
			cells[xcell[x]] += uint32(l)
			hist[l]++
			t := ty + x*glareGrid/sw
			g.tileCount[t]++
			if l >= overexposedLuma {
				g.tileBright[t]++
			}
		}
	}
	for l, n := range hist {
		g.sum += uint64(l) * uint64(n)
		if l >= overexposedLuma {
			g.bright += n
		} else if l <= underexposedLuma {
			g.dark += n
		}
	}
	g.pix = make([]float32, dw*dh)
	for cy := range dh {
		for cx := range dw {
			i := cy*dw + cx
			g.pix[i] = float32(acc[i]) / float32(xcount[cx]*ycount[cy])
		}
	}
	return g
}

// lumaRow writes the luma (ITU-R BT.601, as JPEG stores it) of row y of img
// into dst. The common decoded types are read directly; anything else goes
// through the slower color interface.
func lumaRow(img image.Image, y int, dst []uint8) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		i := m.YOffset(b.Min.X, y)
		copy(dst, m.Y[i:i+len(dst)])
	case *image.Gray:
		i := m.PixOffset(b.Min.X, y)
		copy(dst, m.Pix[i:i+len(dst)])
	case *image.RGBA:
		rgbLuma(m.Pix[m.PixOffset(b.Min.X, y):], dst)
	case *image.NRGBA:
		// Photos are opaque; alpha is ignored rather than multiplied in.
		rgbLuma(m.Pix[m.PixOffset(b.Min.X, y):], dst)
	default:
		for x := range dst {
			r, g, bl, _ := img.At(b.Min.X+x, y).RGBA()
			dst[x] = uint8((19595*r + 38470*g + 7471*bl + 1<<15) >> 24)
		}
	}
}

func rgbLuma(pix []uint8, dst []uint8) {
	for x := range dst {
		p := pix[4*x : 4*x+3 : 4*x+3]
		dst[x] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
}

// laplacianVariance is the variance of the 4-neighbour Laplacian over the
// interior of a w*h grid: flat or smooth pictures give little, edges and
// texture give a lot. Grids smaller than 3x3 have no interior and give 0.
func laplacianVariance(pix []float32, w, h int) float64 {
	if w < 3 || h < 3 {
		return 0
	}
	var sum, sumSq float64
	for y := 1; y < h-1; y++ {
		up, mid, down := pix[(y-1)*w:y*w], pix[y*w:(y+1)*w], pix[(y+1)*w:(y+2)*w]
		for x := 1; x < w-1; x++ {
			l := float64(up[x] + down[x] + mid[x-1] + mid[x+1] - 4*mid[x])
			sum += l
			sumSq += l * l
		}
	}
	n := float64((w - 2) * (h - 2))
	mean := sum / n
	return max(0, sumSq/n-mean*mean)
}
