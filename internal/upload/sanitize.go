package upload

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"slices"

	"golang.org/x/image/webp"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// JPEGQuality is the quality sanitized JPEGs are re-encoded at: high enough
// that document text and face detail survive a second compression.
const JPEGQuality = 95

// Result is an accepted upload, ready to store.
type Result struct {
	// ContentType is the type of Data, which for a WebP upload is TypePNG
	// because WebP is re-encoded as PNG.
	ContentType string
	// Data is what to store: for images a fresh encoding of the decoded
	// pixels (no EXIF or other metadata, nothing after the image); for JSON
	// and DER the validated input itself.
	Data []byte
	// Image is the decoded picture, upright, for checks that run next; nil
	// for JSON and DER.
	Image image.Image
	// Width and Height are the stored image's size in pixels; 0 for JSON and DER.
	Width, Height int
	// SHA256 is the digest of Data.
	SHA256 [32]byte
}

// Sanitize identifies data with Sniff, refuses types not in allowed (reason
// type_not_allowed), and for images enforces lim before any pixel is decoded:
// the header's width*height must not exceed MaxPixels (image_too_many_pixels)
// and neither side may exceed MaxSide (image_side_too_large). The image is
// then decoded with panics contained (image_corrupt), turned upright if its
// EXIF orientation says so, and encoded again — JPEG as JPEG at JPEGQuality,
// PNG and WebP as PNG — so that metadata and any bytes smuggled after the
// image are not stored.
func Sanitize(data []byte, allowed []string, lim Limits) (*Result, error) {
	if len(data) == 0 {
		return nil, errkind.New(errkind.ErrInvalid, ReasonFileEmpty, "upload is empty")
	}
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, errkind.New(errkind.ErrTooLarge, ReasonFileTooLarge, "upload exceeds %d bytes", lim.MaxBytes)
	}
	contentType, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(allowed, contentType) {
		return nil, errkind.New(errkind.ErrUnsupported, ReasonTypeNotAllowed, "content type %s is not accepted here", contentType)
	}
	switch contentType {
	case TypeJSON, TypeDER:
		return &Result{ContentType: contentType, Data: data, SHA256: sha256.Sum256(data)}, nil
	}

	codec := codecFor(contentType)
	cfg, err := guard(func() (image.Config, error) { return codec.decodeConfig(bytes.NewReader(data)) })
	if err != nil {
		return nil, errkind.Wrap(err, errkind.ErrInvalid, ReasonImageCorrupt, "image header cannot be read")
	}
	if err := checkDimensions(cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}
	img, err := guard(func() (image.Image, error) { return codec.decode(bytes.NewReader(data)) })
	if err != nil {
		return nil, errkind.Wrap(err, errkind.ErrInvalid, ReasonImageCorrupt, "image cannot be decoded")
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, errkind.New(errkind.ErrInvalid, ReasonImageCorrupt, "decoded size %dx%d differs from header %dx%d", b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	if contentType == TypeJPEG {
		img = applyOrientation(img, jpegOrientation(data))
	}

	var out bytes.Buffer
	out.Grow(len(data))
	encoded, err := guard(func() (string, error) { return codec.encode(&out, img) })
	if err != nil {
		// The image decoded, so failing to encode it is our fault, not the sender's.
		return nil, fmt.Errorf("upload: re-encoding %s: %w", contentType, err)
	}
	stored := out.Bytes()
	b := img.Bounds()
	return &Result{
		ContentType: encoded,
		Data:        stored,
		Image:       img,
		Width:       b.Dx(),
		Height:      b.Dy(),
		SHA256:      sha256.Sum256(stored),
	}, nil
}

// checkDimensions applies lim to a header's claimed size. The product is
// computed in int64 so that two large sides cannot overflow into a small one.
func checkDimensions(w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return errkind.New(errkind.ErrInvalid, ReasonImageCorrupt, "image header claims %dx%d pixels", w, h)
	}
	if lim.MaxPixels > 0 && int64(w)*int64(h) > lim.MaxPixels {
		return errkind.New(errkind.ErrTooLarge, ReasonImageTooManyPixels, "image claims %dx%d pixels, more than %d in total", w, h, lim.MaxPixels)
	}
	if lim.MaxSide > 0 && (w > lim.MaxSide || h > lim.MaxSide) {
		return errkind.New(errkind.ErrTooLarge, ReasonImageSideTooLarge, "image claims %dx%d pixels, a side longer than %d", w, h, lim.MaxSide)
	}
	return nil
}

// codec is how one accepted image type is read and written back.
type codec struct {
	decodeConfig func(*bytes.Reader) (image.Config, error)
	decode       func(*bytes.Reader) (image.Image, error)
	encode       func(*bytes.Buffer, image.Image) (string, error) // returns the content type written
}

// codecFor returns how an image type is read and written back. The decoders
// are called directly rather than through image.Decode so that the sniffed
// type, not whatever format happens to be registered, decides which parser
// sees the bytes.
func codecFor(contentType string) codec {
	switch contentType {
	case TypeJPEG:
		return codec{
			decodeConfig: func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) },
			decode:       func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) },
			encode: func(w *bytes.Buffer, img image.Image) (string, error) {
				return TypeJPEG, jpeg.Encode(w, img, &jpeg.Options{Quality: JPEGQuality})
			},
		}
	case TypePNG:
		return codec{
			decodeConfig: func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) },
			decode:       func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) },
			encode:       encodePNG,
		}
	case TypeWebP:
		return codec{
			decodeConfig: func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) },
			decode:       func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) },
			encode:       encodePNG,
		}
	}
	panic("upload: no codec for " + contentType) // Sniff returned a type this switch does not know
}

func encodePNG(w *bytes.Buffer, img image.Image) (string, error) {
	return TypePNG, png.Encode(w, img)
}

// guard runs f and turns a panic inside it into an error: decoders of
// hostile input are the likeliest code in the process to panic.
func guard[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, fmt.Errorf("decoder panicked: %v", p)
		}
	}()
	return f()
}

// Replace swaps the stored image for img (the same picture, edited: a
// number painted out) and encodes it as Sanitize did the original, so Data,
// Image and SHA256 describe what is stored.
func (r *Result) Replace(img image.Image) error {
	if r.Image == nil {
		return fmt.Errorf("upload: replace: %s is not an image", r.ContentType)
	}
	var out bytes.Buffer
	encoded, err := guard(func() (string, error) { return codecFor(r.ContentType).encode(&out, img) })
	if err != nil {
		return fmt.Errorf("upload: re-encoding %s: %w", r.ContentType, err)
	}
	b := img.Bounds()
	r.ContentType, r.Data, r.Image, r.Width, r.Height = encoded, out.Bytes(), img, b.Dx(), b.Dy()
	r.SHA256 = sha256.Sum256(r.Data)
	return nil
}
