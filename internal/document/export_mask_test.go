package document

import "image"

// FindMyNumberQR exposes findMyNumberQR to the masking tests.
func FindMyNumberQR(img image.Image) ([4]Point, bool) { return findMyNumberQR(img) }
