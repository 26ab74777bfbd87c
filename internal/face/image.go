package face

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // register the decoders the engine accepts
	_ "image/png"

	"github.com/kakunin-dev/kakunin/internal/nn"
)

// MaxImagePixels bounds decoded images (about 6000×4000); larger ones are
// rejected from the header, before any pixel buffer is allocated.
const MaxImagePixels = 25_000_000

// Image is a decoded picture as 8-bit RGB. The networks read it through
// squareInput, which pads and resizes without materialising a float copy.
type Image struct {
	w, h int
	pix  []byte // row-major R, G, B
}

// Width and Height are the image's size in pixels.
func (im *Image) Width() int  { return im.w }
func (im *Image) Height() int { return im.h }

// DecodeImage decodes JPEG or PNG bytes, turning JPEGs upright by their EXIF
// orientation. Anything else, including empty input and truncated files, is
// ErrNotAnImage.
func DecodeImage(data []byte) (*Image, error) {
	if len(data) == 0 {
		return nil, newError(ErrNotAnImage, "the data is empty")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, newError(ErrNotAnImage, "cannot read an image header: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxImagePixels {
		return nil, newError(ErrNotAnImage, "image size %dx%d is outside 1..%d pixels", cfg.Width, cfg.Height, MaxImagePixels)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, newError(ErrNotAnImage, "cannot decode the image: %v", err)
	}
	out := FromImage(img)
	if format == "jpeg" {
		out = out.oriented(jpegOrientation(data))
	}
	return out, nil
}

// FromImage converts any image.Image to the engine's RGB form; alpha is ignored.
func FromImage(img image.Image) *Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := &Image{w: w, h: h, pix: make([]byte, w*h*3)}
	switch src := img.(type) {
	case *image.YCbCr:
		i := 0
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				out.pix[i], out.pix[i+1], out.pix[i+2] = color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				i += 3
			}
		}
	default:
		rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
		for p, i := 0, 0; p < len(rgba.Pix); p, i = p+4, i+3 {
			out.pix[i], out.pix[i+1], out.pix[i+2] = rgba.Pix[p], rgba.Pix[p+1], rgba.Pix[p+2]
		}
	}
	return out
}

// RGB returns the pixels as interleaved bytes (row-major R, G, B). The slice
// is the image's own; callers must not modify it.
func (im *Image) RGB() []byte { return im.pix }

// region is a rectangle of an image, in whole pixels, inside its bounds.
type region struct{ x, y, w, h int }

// squareInput is face-api's extract-then-toBatchTensor for one region: pad
// the region's short side with zeros to a square (split around it when
// centre is true, otherwise after it), then resize bilinearly to size×size
// with the tfjs rule (see nn.ResizeBilinear). Doing both in one pass reads
// only the taps it needs and gives the same values as padding first.
func squareInput(im *Image, r region, size int, centre bool) *nn.Tensor {
	side := max(r.w, r.h)
	diff := side - min(r.w, r.h)
	after := diff
	if centre {
		after = int(jsRound(float64(diff) * 0.5))
	}
	before := diff - after
	if !centre {
		before = 0
	}
	offX, offY := 0, 0 // padding before the region in the square
	if r.h > r.w {
		offX = before
	} else {
		offY = before
	}
	// at returns the square's pixel (sx, sy) channel c: zero in the padding.
	at := func(sx, sy, c int) float32 {
		ix, iy := sx-offX, sy-offY
		if ix < 0 || iy < 0 || ix >= r.w || iy >= r.h {
			return 0
		}
		return float32(im.pix[((r.y+iy)*im.w+r.x+ix)*3+c])
	}
	out := nn.New(1, size, size, 3)
	if side == size {
		i := 0
		for sy := 0; sy < size; sy++ {
			for sx := 0; sx < size; sx++ {
				for c := 0; c < 3; c++ {
					out.Data[i] = at(sx, sy, c)
					i++
				}
			}
		}
		return out
	}
	// Byte offsets of the taps' rows and columns in im.pix, -1 in the
	// padding, computed once instead of per output value.
	taps := nn.BilinearTaps(side, size)
	rowLo, rowHi := make([]int, size), make([]int, size)
	colLo, colHi := make([]int, size), make([]int, size)
	for j, t := range taps {
		rowLo[j], rowHi[j] = -1, -1
		if iy := t.Lo - offY; iy >= 0 && iy < r.h {
			rowLo[j] = (r.y + iy) * im.w * 3
		}
		if iy := t.Hi - offY; iy >= 0 && iy < r.h {
			rowHi[j] = (r.y + iy) * im.w * 3
		}
		colLo[j], colHi[j] = -1, -1
		if ix := t.Lo - offX; ix >= 0 && ix < r.w {
			colLo[j] = (r.x + ix) * 3
		}
		if ix := t.Hi - offX; ix >= 0 && ix < r.w {
			colHi[j] = (r.x + ix) * 3
		}
	}
	var zero [3]byte
	px := func(row, col int) []byte {
		if row < 0 || col < 0 {
			return zero[:]
		}
		return im.pix[row+col : row+col+3]
	}
	i := 0
	for y, ty := range taps {
		for x, tx := range taps {
			ptl, ptr := px(rowLo[y], colLo[x]), px(rowLo[y], colHi[x])
			pbl, pbr := px(rowHi[y], colLo[x]), px(rowHi[y], colHi[x])
			for c := 0; c < 3; c++ {
				tl, tr := float32(ptl[c]), float32(ptr[c])
				bl, br := float32(pbl[c]), float32(pbr[c])
				top := tl + (tr-tl)*tx.Frac
				bot := bl + (br-bl)*tx.Frac
				out.Data[i] = top + (bot-top)*ty.Frac
				i++
			}
		}
	}
	return out
}

// padded returns img centred on a black canvas with margin pixels on every side.
func (im *Image) padded(margin int) *Image {
	w, h := im.w+2*margin, im.h+2*margin
	out := &Image{w: w, h: h, pix: make([]byte, w*h*3)}
	for y := 0; y < im.h; y++ {
		copy(out.pix[((y+margin)*w+margin)*3:], im.pix[y*im.w*3:(y+1)*im.w*3])
	}
	return out
}
