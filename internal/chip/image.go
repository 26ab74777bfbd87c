package chip

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// ErrJPEG2000Unavailable is returned by DecodeImage for a JPEG 2000 image
// when no decoder was supplied. Licences, My Number cards and many
// residence cards store the photo as JPEG 2000; Go's standard library has
// no decoder for it (see docs/chip.md for the options).
var ErrJPEG2000Unavailable = errors.New("chip: no JPEG 2000 decoder configured")

// JPEG2000Decoder decodes a JP2 file or J2K codestream. An adapter over
// OpenJPEG (cgo) or a pure-Go codec implements it.
type JPEG2000Decoder func(data []byte) (image.Image, error)

// maxDecodedPixels bounds what a chip photo may expand to: ICAO photos
// are around 480×640; anything near this limit is an attack.
const maxDecodedPixels = 4096 * 4096

// DecodeImage decodes a chip image into pixels for the face engine. JPEG
// and PNG use the standard library; JPEG 2000 uses j2k (nil:
// ErrJPEG2000Unavailable); TIFF is not decoded.
func DecodeImage(img *Image, j2k JPEG2000Decoder) (image.Image, error) {
	if img == nil {
		return nil, errors.New("chip: no image")
	}
	switch img.Format {
	case FormatJPEG, FormatPNG:
		cfg, _, err := image.DecodeConfig(bytes.NewReader(img.Data))
		if err != nil {
			return nil, invalidWrap(err, ReasonFaceImageInvalid, "image header does not decode")
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxDecodedPixels {
			return nil, invalid(ReasonFaceImageInvalid, "image of %d×%d pixels", cfg.Width, cfg.Height)
		}
		var out image.Image
		if img.Format == FormatJPEG {
			out, err = jpeg.Decode(bytes.NewReader(img.Data))
		} else {
			out, err = png.Decode(bytes.NewReader(img.Data))
		}
		if err != nil {
			return nil, invalidWrap(err, ReasonFaceImageInvalid, "image does not decode")
		}
		return out, nil
	case FormatJPEG2000:
		if j2k == nil {
			return nil, ErrJPEG2000Unavailable
		}
		out, err := j2k(img.Data)
		if err != nil {
			return nil, invalidWrap(err, ReasonFaceImageInvalid, "JPEG 2000 image does not decode")
		}
		if b := out.Bounds(); int64(b.Dx())*int64(b.Dy()) > maxDecodedPixels {
			return nil, invalid(ReasonFaceImageInvalid, "image of %d×%d pixels", b.Dx(), b.Dy())
		}
		return out, nil
	}
	return nil, fmt.Errorf("chip: decoding %s images is not supported", img.Format)
}
