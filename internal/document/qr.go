package document

import (
	"image"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"github.com/kakunin-dev/kakunin/internal/mynumber"
)

// qrRegion is where the My Number card's back prints its QR code, in mm.
var qrRegion = [4]float64{60.5, 2.5, 82.5, 24.5}

// ParseMyNumberQR reads the individual number from the payload of the QR
// code on a My Number card's back. The real payload's format is not
// public; the specimens hold the 12 digits alone, and a payload with
// other text around one run of 12 digits is accepted. The number must
// pass its check digit.
func ParseMyNumberQR(payload []byte) (string, bool) {
	if len(payload) > 4096 {
		return "", false
	}
	var runs []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			runs = append(runs, cur.String())
			cur.Reset()
		}
	}
	for _, b := range payload {
		if b >= '0' && b <= '9' {
			cur.WriteByte(b)
		} else {
			flush()
		}
	}
	flush()
	var found string
	for _, r := range runs {
		if len(r) == 12 {
			if found != "" {
				return "", false // two candidates: ambiguous
			}
			found = r
		}
	}
	if found == "" || !mynumber.Valid(found) {
		return "", false
	}
	return found, true
}

// decodeQR finds and decodes a QR code in img.
func decodeQR(img image.Image) ([]byte, bool) {
	r, ok := locateQR(img)
	if !ok {
		return nil, false
	}
	return []byte(r.GetText()), true
}

// locateQR finds and decodes a QR code in img, with where it found it.
func locateQR(img image.Image) (*gozxing.Result, bool) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(luminance(img)))
	if err != nil {
		return nil, false
	}
	return decodeBitmap(bmp)
}

func decodeBitmap(bmp *gozxing.BinaryBitmap) (*gozxing.Result, bool) {
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	r, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return nil, false
	}
	return r, true
}

// qrFinderCandidates binarizes bmp as the QR decoder does and counts the
// places that pass its finder-pattern test (dark, light, dark three times
// as wide, light, dark, across and down and diagonally): a QR code shows
// three, and most photos without one none. Counting is a fraction of the
// cost of finding a document's outline.
func qrFinderCandidates(bmp *gozxing.BinaryBitmap) int {
	m, err := bmp.GetBlackMatrix()
	if err != nil {
		return 0
	}
	f := detector.NewFinderPatternFinder(m, nil)
	_, _ = f.Find(map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	return len(f.GetPossibleCenters())
}

// luminance is img's grey levels as the QR decoder reads them. The
// decoder's own conversion goes through image.At for every pixel, which
// costs more than the decoding; a JPEG's luma plane is used as it is.
func luminance(img image.Image) gozxing.LuminanceSource {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var y []byte
	switch src := img.(type) {
	case *image.YCbCr:
		y = make([]byte, w*h)
		for r := range h {
			o := src.YOffset(b.Min.X, b.Min.Y+r)
			copy(y[r*w:(r+1)*w], src.Y[o:o+w])
		}
	case *image.Gray:
		y = make([]byte, w*h)
		for r := range h {
			o := src.PixOffset(b.Min.X, b.Min.Y+r)
			copy(y[r*w:(r+1)*w], src.Pix[o:o+w])
		}
	default:
		rgba := toRGBA(img)
		y = make([]byte, w*h)
		for r := range h {
			o := rgba.PixOffset(b.Min.X, b.Min.Y+r)
			for x := range w {
				p := o + 4*x
				y[r*w+x] = uint8((299*int(rgba.Pix[p]) + 587*int(rgba.Pix[p+1]) + 114*int(rgba.Pix[p+2])) / 1000)
			}
		}
	}
	src, err := gozxing.NewPlanarYUVLuminanceSource(y, w, h, 0, 0, w, h, false)
	if err != nil {
		return gozxing.NewLuminanceSourceFromImage(img) // cannot happen: the crop is the whole plane
	}
	return src
}

// readQR decodes the QR code on a My Number card's back and checks it
// against the printed number. A readable QR code settles the number: its
// error correction makes it more reliable than OCR of the print.
func (e *Extractor) readQR(rect *image.RGBA, res *Result) {
	payload, ok := decodeQR(rect.SubImage(mmRect(qrRegion[0], qrRegion[1], qrRegion[2], qrRegion[3])))
	if !ok {
		payload, ok = decodeQR(rect)
	}
	if !ok {
		res.Checks = append(res.Checks, Check{Name: "qr_decoded", Passed: false})
		return
	}
	n, ok := ParseMyNumberQR(payload)
	res.Checks = append(res.Checks, Check{Name: "qr_decoded", Passed: ok})
	if !ok {
		return
	}
	fr := res.Fields[FieldMyNumber]
	res.Checks = append(res.Checks, Check{Name: "qr_matches_print", Passed: fr.Value == n})
	if fr.Value != n {
		fr.Problem = "corrected_from_qr"
	}
	fr.Value = n
	res.Fields[FieldMyNumber] = fr
}
