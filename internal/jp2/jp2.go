// Package jp2 decodes JPEG 2000 images (JP2 files and raw J2K codestreams),
// the format IC driver's licences, My Number cards and some passports use
// for the holder's photo. Decoding needs OpenJPEG through cgo and the
// `openjpeg` build tag; without them Decode reports ErrUnavailable.
package jp2

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// ErrUnavailable is wrapped by Decode's error when the binary was built
// without OpenJPEG (see Available).
var ErrUnavailable = errors.New("jp2: built without the OpenJPEG decoder")

// Reason codes of Decode's errors (errkind.Reason).
const (
	ReasonUnavailable       = "jp2_unavailable"        // errkind.ErrUnavailable: no decoder in this build
	ReasonUnrecognised      = "jp2_unrecognised"       // errkind.ErrUnsupported: neither a JP2 file nor a J2K codestream
	ReasonTooLarge          = "jp2_too_large"          // errkind.ErrInvalid: beyond the limits below
	ReasonCorrupt           = "jp2_corrupt"            // errkind.ErrInvalid: malformed structure or undecodable codestream
	ReasonUnsupportedColour = "jp2_unsupported_colour" // errkind.ErrUnsupported: CMYK, e-YCC, or no colour channels
)

// The limits are checked on the headers, before OpenJPEG allocates tile
// or pixel memory. A chip photo is about 480×640 in a few dozen
// kilobytes; anything near these bounds is an attack, not a portrait.
const (
	MaxInputBytes = 4 << 20     // a chip bundle is at most 512 KiB
	MaxPixels     = 4096 * 4096 // same bound as chip.DecodeImage
	MaxComponents = 4           // gray, RGB/sYCC, plus one alpha channel
	MaxTiles      = 4096        // OpenJPEG allocates per-tile state while reading the header
)

var (
	jp2Signature = []byte{0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a}
	j2kSignature = []byte{0xff, 0x4f, 0xff, 0x51} // SOC then SIZ
)

// container tells how the codestream is wrapped.
type container int

const (
	rawJ2K container = iota
	jp2File
)

// header is what the pre-check learned from the bytes without OpenJPEG.
type header struct {
	container  container
	codestream []byte // the J2K codestream (the jp2c box's payload for a JP2 file)
	width      int
	height     int
	components int
	tiles      int
}

func tooLarge(format string, args ...any) error {
	return errkind.New(errkind.ErrInvalid, ReasonTooLarge, format, args...)
}

func corrupt(format string, args ...any) error {
	return errkind.New(errkind.ErrInvalid, ReasonCorrupt, format, args...)
}

// parseHeader identifies the container and checks every size the decoder
// would allocate for against the limits. For a JP2 file it walks the boxes
// the way OpenJPEG does (signature, then boxes in order up to the first
// jp2c) and refuses anything it cannot follow, so the SIZ it checks is the
// one OpenJPEG will read.
func parseHeader(data []byte) (*header, error) {
	if len(data) > MaxInputBytes {
		return nil, tooLarge("%d bytes of JPEG 2000, more than %d", len(data), MaxInputBytes)
	}
	h := &header{}
	switch {
	case bytes.HasPrefix(data, jp2Signature):
		h.container = jp2File
		cs, err := walkJP2(data)
		if err != nil {
			return nil, err
		}
		h.codestream = cs
	case bytes.HasPrefix(data, j2kSignature):
		h.container = rawJ2K
		h.codestream = data
	default:
		return nil, errkind.New(errkind.ErrUnsupported, ReasonUnrecognised, "neither a JP2 signature box nor a J2K SOC/SIZ marker")
	}
	if err := h.readSIZ(); err != nil {
		return nil, err
	}
	return h, nil
}

// box is one JP2 box: its type and payload.
type box struct {
	typ     string
	payload []byte
}

// nextBox reads the box at the start of b (ISO/IEC 15444-1 I.4). It
// returns the box and what follows it. A length of 0 means "to the end".
func nextBox(b []byte) (box, []byte, error) {
	if len(b) < 8 {
		return box{}, nil, corrupt("JP2 box header cut short")
	}
	n := uint64(binary.BigEndian.Uint32(b))
	typ := string(b[4:8])
	hdr := uint64(8)
	switch {
	case n == 0:
		n = uint64(len(b))
	case n == 1:
		if len(b) < 16 {
			return box{}, nil, corrupt("JP2 extended box header cut short")
		}
		n, hdr = binary.BigEndian.Uint64(b[8:]), 16
	}
	if n < hdr || n > uint64(len(b)) {
		return box{}, nil, corrupt("JP2 box %q claims %d bytes; %d remain", printable(typ), n, len(b))
	}
	return box{typ: typ, payload: b[hdr:n]}, b[n:], nil
}

// printable keeps box types from corrupt files readable in error details.
func printable(typ string) string {
	out := []byte(typ)
	for i, c := range out {
		if c < 0x20 || c > 0x7e {
			out[i] = '?'
		}
	}
	return string(out)
}

// walkJP2 follows the top-level boxes to the first jp2c box and returns
// its payload, checking each header box (jp2h) on the way: the image
// header's size and component count, and a palette's channel count
// (OpenJPEG expands a palette into that many full-size planes).
func walkJP2(data []byte) ([]byte, error) {
	rest := data[len(jp2Signature):]
	sawHeader := false
	for len(rest) > 0 {
		var b box
		var err error
		if b, rest, err = nextBox(rest); err != nil {
			return nil, err
		}
		switch b.typ {
		case "jp2h":
			if err := checkJP2Header(b.payload); err != nil {
				return nil, err
			}
			sawHeader = true
		case "jp2c":
			if !sawHeader {
				return nil, corrupt("JP2 codestream box before the header box")
			}
			return b.payload, nil
		}
	}
	return nil, corrupt("JP2 file without a codestream box")
}

func checkJP2Header(jp2h []byte) error {
	for rest := jp2h; len(rest) > 0; {
		var b box
		var err error
		if b, rest, err = nextBox(rest); err != nil {
			return err
		}
		switch b.typ {
		case "ihdr":
			if len(b.payload) < 14 {
				return corrupt("JP2 image header box of %d bytes", len(b.payload))
			}
			hgt, wid := binary.BigEndian.Uint32(b.payload), binary.BigEndian.Uint32(b.payload[4:])
			nc := binary.BigEndian.Uint16(b.payload[8:])
			if err := checkSize(uint64(wid), uint64(hgt), int(nc)); err != nil {
				return err
			}
		case "pclr":
			if len(b.payload) < 3 {
				return corrupt("JP2 palette box of %d bytes", len(b.payload))
			}
			if npc := int(b.payload[2]); npc > MaxComponents {
				return tooLarge("a palette of %d channels, more than %d", npc, MaxComponents)
			}
		}
	}
	return nil
}

func checkSize(w, h uint64, comps int) error {
	if w == 0 || h == 0 || comps == 0 {
		return corrupt("image of %d×%d pixels in %d components", w, h, comps)
	}
	if w*h > MaxPixels {
		return tooLarge("image of %d×%d pixels, more than %d", w, h, MaxPixels)
	}
	if comps > MaxComponents {
		return tooLarge("%d components, more than %d", comps, MaxComponents)
	}
	return nil
}

// readSIZ reads the codestream's SIZ marker segment (ISO/IEC 15444-1
// A.5.1), which must directly follow SOC.
func (h *header) readSIZ() error {
	cs := h.codestream
	if !bytes.HasPrefix(cs, j2kSignature) {
		return corrupt("codestream does not start with SOC and SIZ")
	}
	if len(cs) < 4+38 {
		return corrupt("SIZ marker segment cut short")
	}
	siz := cs[4:]
	lsiz := int(binary.BigEndian.Uint16(siz))
	u32 := func(off int) uint64 { return uint64(binary.BigEndian.Uint32(siz[off:])) }
	xsiz, ysiz, xo, yo := u32(4), u32(8), u32(12), u32(16)
	xt, yt, xto, yto := u32(20), u32(24), u32(28), u32(32)
	csiz := int(binary.BigEndian.Uint16(siz[36:]))
	if csiz > MaxComponents {
		return tooLarge("%d components, more than %d", csiz, MaxComponents)
	}
	if lsiz != 38+3*csiz || len(siz) < lsiz {
		return corrupt("SIZ marker segment of %d bytes for %d components", lsiz, csiz)
	}
	if xsiz <= xo || ysiz <= yo || xt == 0 || yt == 0 || xto > xo || yto > yo || xto+xt <= xo || yto+yt <= yo {
		return corrupt("inconsistent image or tile geometry in SIZ")
	}
	if err := checkSize(xsiz-xo, ysiz-yo, csiz); err != nil {
		return err
	}
	for i := range csiz {
		c := siz[38+3*i:]
		if c[1] == 0 || c[2] == 0 {
			return corrupt("component %d has a zero subsampling factor", i)
		}
	}
	tw, th := (xsiz-xto+xt-1)/xt, (ysiz-yto+yt-1)/yt
	if tw*th > MaxTiles {
		return tooLarge("%d×%d tiles, more than %d", tw, th, MaxTiles)
	}
	h.width, h.height, h.components, h.tiles = int(xsiz-xo), int(ysiz-yo), csiz, int(tw*th)
	return nil
}
