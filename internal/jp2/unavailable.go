//go:build !(cgo && openjpeg)

package jp2

import (
	"image"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Available reports whether this build decodes JPEG 2000. This one does
// not: it was built without cgo or without the openjpeg tag.
func Available() bool { return false }

// Decode always fails with an error wrapping ErrUnavailable (and
// errkind.ErrUnavailable) in this build; see Available.
func Decode(data []byte) (image.Image, error) {
	return nil, errkind.Wrap(ErrUnavailable, errkind.ErrUnavailable, ReasonUnavailable,
		"JPEG 2000 decoding needs a build with cgo, -tags openjpeg and libopenjp2 (make jp2-deps)")
}
