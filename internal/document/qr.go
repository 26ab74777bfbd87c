package document

import (
	"image"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

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
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, false
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	r, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return nil, false
	}
	return r, true
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
