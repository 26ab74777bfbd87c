package jp2

import (
	"image"
	"image/color"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// colourSpace mirrors OpenJPEG's OPJ_COLOR_SPACE as far as we act on it.
type colourSpace int

const (
	csUnknown colourSpace = iota // unspecified, or an ICC profile we do not apply
	csSRGB
	csGray
	csSYCC
	csEYCC
	csCMYK
)

// plane is one decoded component on the reference grid: w×h samples of
// prec bits, each covering dx×dy grid points, the first at (x0·dx, y0·dy).
type plane struct {
	w, h, dx, dy, x0, y0 int
	prec                 int
	signed, alpha        bool
	data                 []int32 // row-major, len w*h
}

// to8 maps the plane's samples to 0..255. Out-of-range values, which a
// damaged codestream can produce, are clamped.
func (p *plane) to8() func(v int32) uint8 {
	maxv := int64(1)<<p.prec - 1
	off := int64(0)
	if p.signed {
		off = int64(1) << (p.prec - 1)
	}
	return func(v int32) uint8 {
		x := int64(v) + off
		switch {
		case x <= 0:
			return 0
		case x >= maxv:
			return 255
		case p.prec == 8:
			return uint8(x)
		}
		return uint8((x*255 + maxv/2) / maxv)
	}
}

// index returns, for each output column (or row) 0..n-1 of an image whose
// grid starts at origin, the sample index in a plane with factor d,
// first sample s0 and count w.
func index(n, origin, d, s0, w int) []int {
	out := make([]int, n)
	for i := range out {
		j := (origin+i)/d - s0
		out[i] = min(max(j, 0), w-1)
	}
	return out
}

// toImage turns decoded planes into an *image.Gray (one colour channel) or
// *image.RGBA (three, as RGB or sYCC); an alpha channel is dropped. The
// image's grid is x0..x0+w, y0..y0+h; subsampled planes are upsampled by
// repetition.
func toImage(planes []plane, cs colourSpace, x0, y0, w, h int) (image.Image, error) {
	var colour []*plane
	for i := range planes {
		p := &planes[i]
		if p.alpha {
			continue
		}
		if p.w <= 0 || p.h <= 0 || p.dx <= 0 || p.dy <= 0 || p.prec < 1 || p.prec > 31 || len(p.data) < p.w*p.h {
			return nil, corrupt("decoded component %d is %d×%d samples of %d bits", i, p.w, p.h, p.prec)
		}
		colour = append(colour, p)
	}
	switch {
	case cs == csCMYK || cs == csEYCC:
		return nil, errkind.New(errkind.ErrUnsupported, ReasonUnsupportedColour, "CMYK and e-YCC images are not converted")
	case len(colour) == 0:
		return nil, errkind.New(errkind.ErrUnsupported, ReasonUnsupportedColour, "no colour channel")
	case len(colour) < 3:
		// Gray, or gray plus an alpha channel the file did not label.
		p := colour[0]
		xs, ys := index(w, x0, p.dx, p.x0, p.w), index(h, y0, p.dy, p.y0, p.h)
		conv := p.to8()
		out := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			row := p.data[ys[y]*p.w:]
			pix := out.Pix[y*out.Stride:]
			for x := range w {
				pix[x] = conv(row[xs[x]])
			}
		}
		return out, nil
	}
	// Three channels; a fourth unlabelled one is taken to be alpha.
	c := colour[:3]
	// A codestream without a JP2 colour box says nothing; subsampled
	// chroma means YCC, as OpenJPEG's own opj_decompress assumes.
	ycc := cs == csSYCC || (cs == csUnknown && c[0].dx == 1 && c[0].dy == 1 && (c[1].dx > 1 || c[1].dy > 1 || c[2].dx > 1 || c[2].dy > 1))
	var xs, ys [3][]int
	var conv [3]func(int32) uint8
	for i, p := range c {
		xs[i], ys[i] = index(w, x0, p.dx, p.x0, p.w), index(h, y0, p.dy, p.y0, p.h)
		conv[i] = p.to8()
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		r0, r1, r2 := c[0].data[ys[0][y]*c[0].w:], c[1].data[ys[1][y]*c[1].w:], c[2].data[ys[2][y]*c[2].w:]
		pix := out.Pix[y*out.Stride:]
		for x := range w {
			a, b, d := conv[0](r0[xs[0][x]]), conv[1](r1[xs[1][x]]), conv[2](r2[xs[2][x]])
			if ycc {
				// sYCC uses the full-range BT.601 matrix, as JFIF does.
				a, b, d = color.YCbCrToRGB(a, b, d)
			}
			pix[4*x], pix[4*x+1], pix[4*x+2], pix[4*x+3] = a, b, d, 255
		}
	}
	return out, nil
}
