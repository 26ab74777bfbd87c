// Package upload is the intake of untrusted evidence bytes: it caps their size,
// identifies their type from the bytes themselves, and turns accepted images
// into freshly encoded copies that carry no metadata or hidden payload.
package upload

import (
	"io"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Limits bound what Sanitize and ReadLimited accept.
type Limits struct {
	MaxBytes  int64 // largest accepted upload, in bytes
	MaxPixels int64 // largest accepted width*height of an image
	MaxSide   int   // largest accepted width or height of an image, in pixels
}

// DefaultLimits returns the limits the service uses unless configured
// otherwise: 15 MB, 40 megapixels, 10000 pixels per side.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:  15 << 20,
		MaxPixels: 40_000_000,
		MaxSide:   10_000,
	}
}

// Reason codes of the refusals in this package.
const (
	ReasonFileTooLarge       = "file_too_large"
	ReasonFileEmpty          = "file_empty"
	ReasonUnsupportedType    = "unsupported_type"
	ReasonTypeNotAllowed     = "type_not_allowed"
	ReasonImageTooManyPixels = "image_too_many_pixels"
	ReasonImageSideTooLarge  = "image_side_too_large"
	ReasonImageCorrupt       = "image_corrupt"
)

// ReadLimited reads into chunks that start small (cheap for small uploads)
// and grow to readChunkMax, and joins them only once the whole input is known
// to fit. A refused input therefore costs about maxBytes+readChunkMax bytes
// of allocation, whatever the sender claimed or sent.
const (
	readChunkStart = 32 << 10
	readChunkMax   = 1 << 20
)

// ReadLimited reads all of r, but never more than maxBytes+1 bytes: an input
// longer than maxBytes is refused with reason file_too_large (kind
// errkind.ErrTooLarge) as soon as its extra byte arrives. Memory grows with
// what was actually read, bounded by the limit, never by a length the sender
// announced. An empty input is refused with reason file_empty.
func ReadLimited(r io.Reader, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		return nil, errkind.New(errkind.ErrInvalid, "limit_invalid", "maximum size must be positive, got %d", maxBytes)
	}
	// Reading maxBytes+1 bytes is enough: the extra byte is what proves
	// the input too large.
	ceiling := maxBytes + 1
	var chunks [][]byte
	var total int64
	size := int64(readChunkStart)
	for total < ceiling {
		chunk := make([]byte, min(size, ceiling-total))
		n, eof, err := fill(r, chunk)
		total += int64(n)
		chunks = append(chunks, chunk[:n])
		if total > maxBytes {
			return nil, errkind.New(errkind.ErrTooLarge, ReasonFileTooLarge, "upload exceeds %d bytes", maxBytes)
		}
		if err != nil {
			return nil, errkind.Wrap(err, errkind.ErrInvalid, "upload_read_failed", "reading the upload failed")
		}
		if eof {
			break
		}
		size = min(size*2, readChunkMax)
	}
	if total == 0 {
		return nil, errkind.New(errkind.ErrInvalid, ReasonFileEmpty, "upload is empty")
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// fill reads into buf until it is full or r reports io.EOF. Unlike
// io.ReadFull it keeps a reader's own io.ErrUnexpectedEOF (a body cut off in
// transit) an error rather than mistaking it for a clean end.
// A reader that keeps returning nothing is reported as io.ErrNoProgress.
func fill(r io.Reader, buf []byte) (n int, eof bool, err error) {
	empty := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if m == 0 && err == nil {
			if empty++; empty >= 100 {
				return n, false, io.ErrNoProgress
			}
			continue
		}
		empty = 0
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}
