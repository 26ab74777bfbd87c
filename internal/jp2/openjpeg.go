//go:build cgo && openjpeg

package jp2

/*
#cgo pkg-config: libopenjp2
#include <stdlib.h>
#include <string.h>
#include <openjpeg.h>

// kk_dec holds one decode: the input (a C copy of the Go bytes, so C never
// holds a Go pointer), OpenJPEG's objects and the first error message.
typedef struct {
	const OPJ_BYTE *data;
	OPJ_SIZE_T len;
	OPJ_SIZE_T pos;
	opj_codec_t *codec;
	opj_stream_t *stream;
	opj_image_t *image;
	char err[160];
} kk_dec;

static OPJ_SIZE_T kk_read(void *buf, OPJ_SIZE_T n, void *user) {
	kk_dec *d = user;
	if (d->pos >= d->len) {
		return (OPJ_SIZE_T)-1;
	}
	if (n > d->len - d->pos) {
		n = d->len - d->pos;
	}
	memcpy(buf, d->data + d->pos, n);
	d->pos += n;
	return n;
}

static OPJ_OFF_T kk_skip(OPJ_OFF_T n, void *user) {
	kk_dec *d = user;
	if (n < 0) {
		if ((OPJ_SIZE_T)(-n) > d->pos) {
			return -1;
		}
	} else if ((OPJ_SIZE_T)n > d->len - d->pos) {
		return -1;
	}
	d->pos += n;
	return n;
}

static OPJ_BOOL kk_seek(OPJ_OFF_T off, void *user) {
	kk_dec *d = user;
	if (off < 0 || (OPJ_SIZE_T)off > d->len) {
		return OPJ_FALSE;
	}
	d->pos = (OPJ_SIZE_T)off;
	return OPJ_TRUE;
}

// OpenJPEG's messages go nowhere but into kk_dec.err (the first error),
// never to stderr.
static void kk_error(const char *msg, void *client) {
	kk_dec *d = client;
	if (d->err[0] == 0 && msg != NULL) {
		strncpy(d->err, msg, sizeof d->err - 1);
	}
}

static void kk_quiet(const char *msg, void *client) {
	(void)msg;
	(void)client;
}

// kk_new takes ownership of data (from C.CBytes); NULL only when out of
// memory, having freed data. Every other path ends in kk_close.
static kk_dec *kk_new(void *data, size_t len) {
	kk_dec *d = calloc(1, sizeof *d);
	if (d == NULL) {
		free(data);
		return NULL;
	}
	d->data = data;
	d->len = len;
	return d;
}

// kk_read_header reads the main header (up to the first tile), decoding no
// tile data. 0 on failure, with the reason in d->err.
static int kk_read_header(kk_dec *d, int jp2) {
	opj_dparameters_t params;
	d->codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
	if (d->codec == NULL) {
		return 0;
	}
	opj_set_error_handler(d->codec, kk_error, d);
	opj_set_warning_handler(d->codec, kk_quiet, d);
	opj_set_info_handler(d->codec, kk_quiet, d);
	opj_set_default_decoder_parameters(&params);
	if (!opj_setup_decoder(d->codec, &params)) {
		return 0;
	}
	// 0 = no worker threads: the calling thread decodes alone, whatever
	// OPJ_NUM_THREADS says (1 would add one worker while the caller waits).
	opj_codec_set_threads(d->codec, 0);
	d->stream = opj_stream_create(64 * 1024, OPJ_TRUE);
	if (d->stream == NULL) {
		return 0;
	}
	opj_stream_set_user_data(d->stream, d, NULL);
	opj_stream_set_user_data_length(d->stream, d->len);
	opj_stream_set_read_function(d->stream, kk_read);
	opj_stream_set_skip_function(d->stream, kk_skip);
	opj_stream_set_seek_function(d->stream, kk_seek);
	return opj_read_header(d->stream, d->codec, &d->image) && d->image != NULL;
}

static int kk_decode(kk_dec *d) {
	return opj_decode(d->codec, d->stream, d->image) && opj_end_decompress(d->codec, d->stream);
}

static void kk_close(kk_dec *d) {
	if (d == NULL) {
		return;
	}
	if (d->image != NULL) {
		opj_image_destroy(d->image);
	}
	if (d->stream != NULL) {
		opj_stream_destroy(d->stream);
	}
	if (d->codec != NULL) {
		opj_destroy_codec(d->codec);
	}
	free((void *)d->data);
	free(d);
}
*/
import "C"

import (
	"image"
	"strings"
	"unsafe"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// Available reports whether this build decodes JPEG 2000 (it does: built
// with cgo, the openjpeg tag and libopenjp2).
func Available() bool { return true }

// Decode decodes a JP2 file or raw J2K codestream into an *image.Gray or
// *image.RGBA. Every size is checked against the package limits on the
// headers, before OpenJPEG decodes tile data. Errors are *errkind.Error
// with one of the Reason codes.
func Decode(data []byte) (image.Image, error) {
	h, err := parseHeader(data)
	if err != nil {
		return nil, err
	}
	d := C.kk_new(C.CBytes(data), C.size_t(len(data)))
	if d == nil {
		return nil, errkind.New(errkind.ErrUnavailable, ReasonUnavailable, "out of memory decoding %d bytes", len(data))
	}
	defer C.kk_close(d)
	jp2 := C.int(0)
	if h.container == jp2File {
		jp2 = 1
	}
	if C.kk_read_header(d, jp2) == 0 {
		return nil, openjpegError(d, "header")
	}
	// OpenJPEG's own view of the header, checked again: the pre-check and
	// OpenJPEG must agree before any tile is decoded.
	img := d.image
	if img.x1 <= img.x0 || img.y1 <= img.y0 {
		return nil, corrupt("OpenJPEG reports an empty image")
	}
	w, hgt := uint64(img.x1-img.x0), uint64(img.y1-img.y0)
	if err := checkSize(w, hgt, int(img.numcomps)); err != nil {
		return nil, err
	}
	if C.kk_decode(d) == 0 {
		return nil, openjpegError(d, "codestream")
	}
	// A palette is applied while decoding and may change the components.
	if img.comps == nil || img.numcomps == 0 || img.numcomps > MaxComponents {
		return nil, corrupt("decoded image has %d components", img.numcomps)
	}
	comps := unsafe.Slice(img.comps, int(img.numcomps))
	planes := make([]plane, len(comps))
	for i := range comps {
		c := &comps[i]
		if c.data == nil {
			return nil, corrupt("component %d was not decoded", i)
		}
		pw, ph := int(c.w), int(c.h)
		if pw <= 0 || ph <= 0 || uint64(pw)*uint64(ph) > MaxPixels {
			return nil, corrupt("decoded component %d is %d×%d samples", i, pw, ph)
		}
		// The samples stay in C memory; toImage copies them out before
		// kk_close frees them.
		planes[i] = plane{
			w: pw, h: ph, dx: int(c.dx), dy: int(c.dy), x0: int(c.x0), y0: int(c.y0),
			prec: int(c.prec), signed: c.sgnd != 0, alpha: c.alpha != 0,
			data: unsafe.Slice((*int32)(unsafe.Pointer(c.data)), pw*ph),
		}
	}
	var cs colourSpace
	switch img.color_space {
	case C.OPJ_CLRSPC_SRGB:
		cs = csSRGB
	case C.OPJ_CLRSPC_GRAY:
		cs = csGray
	case C.OPJ_CLRSPC_SYCC:
		cs = csSYCC
	case C.OPJ_CLRSPC_EYCC:
		cs = csEYCC
	case C.OPJ_CLRSPC_CMYK:
		cs = csCMYK
	}
	return toImage(planes, cs, int(img.x0), int(img.y0), int(w), int(hgt))
}

// openjpegError turns OpenJPEG's first error message into a corrupt error.
func openjpegError(d *C.kk_dec, stage string) error {
	msg := strings.TrimSpace(C.GoString(&d.err[0]))
	if msg == "" {
		msg = "no detail"
	}
	return corrupt("OpenJPEG could not read the %s: %s", stage, msg)
}
