package face

import "github.com/kakunin-dev/kakunin/internal/errkind"

// Reason codes of the face errors; stable, for tenants and reviewers.
const (
	ReasonNoFace        = "no_face"
	ReasonMultipleFaces = "multiple_faces"
	ReasonFaceTooSmall  = "face_too_small"
	ReasonNotAnImage    = "not_an_image"
	ReasonModelMissing  = "model_missing"
	ReasonModelAltered  = "model_altered"
)

// Sentinel errors for errors.Is. Each is an *errkind.Error, so it also
// matches its kind (errkind.ErrInvalid or errkind.ErrUnsupported).
var (
	ErrNoFace        = errkind.New(errkind.ErrInvalid, ReasonNoFace, "no face was found in the image")
	ErrMultipleFaces = errkind.New(errkind.ErrInvalid, ReasonMultipleFaces, "more than one face was found where one was expected")
	ErrFaceTooSmall  = errkind.New(errkind.ErrInvalid, ReasonFaceTooSmall, "the face is too small to compare reliably")
	ErrNotAnImage    = errkind.New(errkind.ErrUnsupported, ReasonNotAnImage, "the data is not a JPEG or PNG image")
)

// newError returns a fresh *errkind.Error with the sentinel's kind and reason
// and a more specific detail; errors.Is(err, sentinel) holds.
func newError(sentinel *errkind.Error, format string, args ...any) error {
	e := errkind.New(sentinel.Kind, sentinel.Reason, format, args...)
	e.Err = sentinel
	return e
}
