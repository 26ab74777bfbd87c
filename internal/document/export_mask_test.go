package document

import (
	"image"

	"github.com/makiuchi-d/gozxing"
)

// FindMyNumberQR exposes findMyNumberQR to the masking tests.
func FindMyNumberQR(img image.Image) ([4]Point, bool) { return findMyNumberQR(img) }

// QRFinderCandidates exposes the masking's first, cheap test to its tests.
func QRFinderCandidates(img image.Image) int {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(luminance(img)))
	if err != nil {
		return 0
	}
	return qrFinderCandidates(bmp)
}
