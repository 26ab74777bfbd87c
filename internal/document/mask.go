package document

import (
	"errors"
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/makiuchi-d/gozxing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Masking: the individual number (My Number) may not be collected or kept
// without a purpose the My Number Act allows (番号法 19–20条). A photo of
// the card's back shows it twice, printed and as a QR code, so kakunin
// paints both out before the photo is stored.

// myNumberMaskRegions are the areas of a My Number card's back that are
// painted out, in mm from its top-left corner: the printed number with
// its label, and the QR code with its quiet zone. They are a few mm wider
// than the print, so that an outline found a little off still covers it.
var myNumberMaskRegions = [][4]float64{
	{1.5, 6.5, 51, 18.5},
	{58.5, 0.5, 85, 27},
}

// maskColour is the flat grey the number is painted over with.
var maskColour = color.RGBA{128, 128, 128, 255}

// ErrNotMasked is the kind of error for a photo that shows, or should
// show, a My Number card's back whose number could not be located. Such a
// photo must not be stored.
var ErrNotMasked = errors.New("document: the My Number could not be masked")

func notMasked(format string, args ...any) error {
	e := errkind.New(errkind.ErrInvalid, "my_number_not_masked", format, args...)
	e.Err = ErrNotMasked
	return e
}

// Masked names what MaskMyNumber painted out.
const (
	MaskedMyNumber   = "my_number"    // the printed number
	MaskedMyNumberQR = "my_number_qr" // the QR code that encodes it
)

// MaskResult is what MaskMyNumber did.
type MaskResult struct {
	// Image is the photo with the number painted out; nil when the photo
	// shows no My Number card's back and nothing was changed.
	Image *image.RGBA
	// Masked lists what was painted out (MaskedMyNumber, MaskedMyNumberQR).
	Masked []string
}

// Masker paints the My Number out of photos of a My Number card's back.
// It holds the classification templates and is safe for concurrent use.
type Masker struct {
	tpls []classTemplate
}

// NewMasker returns a Masker.
func NewMasker() *Masker { return &Masker{tpls: loadClassTemplates()} }

// MaskMyNumber looks for a My Number card's back in img and, when it finds
// one, returns a copy with the printed number and the QR code painted out.
//
// The photo counts as the back when its layout classifies as the back,
// when it holds a QR code with a valid individual number, or when the
// caller says it should be the back (expectBack: the person said they
// photographed a My Number card's back). If it counts as the back but the
// card's outline cannot be found, or the QR code still reads after
// masking, the result is an error wrapping ErrNotMasked: the caller must
// not store the photo.
func (m *Masker) MaskMyNumber(img image.Image, expectBack bool) (MaskResult, error) {
	if img == nil || img.Bounds().Empty() {
		return MaskResult{}, errkind.New(errkind.ErrInvalid, "document_image_missing", "document: no image")
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(luminance(img)))
	if err != nil {
		return MaskResult{}, notMasked("the photo cannot be read: %v", err)
	}
	if !expectBack && qrFinderCandidates(bmp) == 0 {
		// No QR code: not a back. The outline search and classification
		// below cost ten times more, and most photos are not backs.
		return MaskResult{}, nil
	}
	qrBox, qrNumber := myNumberQRBox(decodeBitmap(bmp))
	q, quadErr := FindQuad(img)
	isBack, backLayout, flip := expectBack || qrNumber, false, false
	if quadErr == nil {
		// The back's layout must explain the photo better than any other
		// side's (a front sent as the back is not masked, but refused).
		cl, ok := classify(img, q, m.tpls)
		backLayout = ok && cl.Type == MyNumberCard && cl.Side == SideBack && cl.Score >= minClassScore
		isBack = isBack || backLayout
		if isBack {
			// Which way up: against the back's template only.
			backs := slices.DeleteFunc(slices.Clone(m.tpls), func(c classTemplate) bool {
				return c.tpl.typ != MyNumberCard || c.tpl.side != SideBack
			})
			if cb, ok := classify(img, q, backs); ok {
				flip = cb.upsideDown
				backLayout = backLayout || (qrNumber && cb.Score >= minClassScore)
			}
		}
	}
	if !isBack {
		return MaskResult{}, nil
	}
	if quadErr != nil || !backLayout {
		// Painting over an outline that is not the card's would leave the
		// number where it is.
		return MaskResult{}, notMasked("the photo should show a My Number card's back, but the back was not found in it, so its number cannot be masked: photograph the whole back of the card flat, on a plain background")
	}
	if flip {
		q = q.rotate180()
	}
	hm, ok := homography(q, sizeID1[0], sizeID1[1])
	if !ok {
		return MaskResult{}, notMasked("the card's outline is degenerate, so its number cannot be masked")
	}
	out := cloneRGBA(img)
	for _, r := range myNumberMaskRegions {
		var poly [4]Point
		for i, c := range [4][2]float64{{r[0], r[1]}, {r[2], r[1]}, {r[2], r[3]}, {r[0], r[3]}} {
			x, y := hm(c[0], c[1])
			poly[i] = Point{x, y}
		}
		fillConvex(out, poly, maskColour)
	}
	res := MaskResult{Image: out, Masked: []string{MaskedMyNumber, MaskedMyNumberQR}}
	if qrNumber {
		// Wherever the QR code was found, it goes too.
		fillConvex(out, qrBox, maskColour)
	}
	if _, still := findMyNumberQR(out); still {
		return MaskResult{}, notMasked("the My Number's QR code still reads after masking: photograph the whole card flat")
	}
	return res, nil
}

// findMyNumberQR decodes a QR code anywhere in img and reports whether it
// holds an individual number, with a box around the code (its finder
// patterns, widened to the whole symbol and its quiet zone).
func findMyNumberQR(img image.Image) ([4]Point, bool) {
	return myNumberQRBox(locateQR(img))
}

// myNumberQRBox is findMyNumberQR for a decoded QR code r (none: !ok).
func myNumberQRBox(r *gozxing.Result, ok bool) ([4]Point, bool) {
	if !ok {
		return [4]Point{}, false
	}
	if _, ok := ParseMyNumberQR([]byte(r.GetText())); !ok {
		return [4]Point{}, false
	}
	pts := r.GetResultPoints()
	if len(pts) < 3 {
		return [4]Point{}, true
	}
	// Finder centres: bottom-left, top-left, top-right. The fourth corner
	// completes the parallelogram; the box is then scaled about its centre
	// to reach past the finders' outer edges and the quiet zone.
	bl := Point{pts[0].GetX(), pts[0].GetY()}
	tl := Point{pts[1].GetX(), pts[1].GetY()}
	tr := Point{pts[2].GetX(), pts[2].GetY()}
	br := Point{tr.X + bl.X - tl.X, tr.Y + bl.Y - tl.Y}
	box := [4]Point{tl, tr, br, bl}
	cx, cy := (tl.X+br.X)/2, (tl.Y+br.Y)/2
	for i := range box {
		box[i] = Point{cx + (box[i].X-cx)*1.8, cy + (box[i].Y-cy)*1.8}
	}
	return box, true
}

func cloneRGBA(img image.Image) *image.RGBA {
	src := toRGBA(img)
	out := image.NewRGBA(src.Bounds())
	copy(out.Pix, src.Pix)
	return out
}

// fillConvex paints the convex polygon p (in pixel-centre coordinates) in c.
func fillConvex(img *image.RGBA, p [4]Point, c color.RGBA) {
	b := img.Bounds()
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, v := range p {
		x0, y0, x1, y1 = math.Min(x0, v.X), math.Min(y0, v.Y), math.Max(x1, v.X), math.Max(y1, v.Y)
	}
	r := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1))+1, int(math.Ceil(y1))+1).Intersect(b)
	// The sign of the polygon's orientation, so "inside" works either way round.
	sign := 1.0
	if cross(p[0], p[1], p[2]) < 0 {
		sign = -1
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pt := Point{float64(x), float64(y)}
			inside := true
			for i := range 4 {
				if sign*cross(p[i], p[(i+1)%4], pt) < 0 {
					inside = false
					break
				}
			}
			if inside {
				o := img.PixOffset(x, y)
				img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = c.R, c.G, c.B, 255
			}
		}
	}
}
