package jp2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// icaoFace is ISO/IEC 39794-5's sample face: a JP2 despite its name (see
// ../shared/data/icao/README.md), 413×531 sRGB.
const icaoFace = "face-containers/ICAO_39794_5_AP_Face.jpg"

func readShared(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../../shared/data/icao", rel))
	if err != nil {
		t.Skipf("shared ICAO data not available: %v", err)
	}
	return b
}

// comp is one component of a synthetic codestream.
type comp struct {
	ssiz   byte // precision-1, plus 0x80 when signed
	dx, dy byte
}

// j2k describes a synthetic J2K codestream: one tile (unless tw/th say
// otherwise), no wavelet levels, one layer, and only empty packets, so
// every sample decodes to zero plus the DC level shift (128 at 8 bits).
// OpenJPEG decodes it; its headers are the part under test.
type j2k struct {
	w, h, x0, y0 uint32
	tw, th       uint32 // 0: one tile covering the image
	comps        []comp
}

func be16(v int) []byte    { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func (s j2k) bytes() []byte {
	tw, th := s.tw, s.th
	if tw == 0 {
		tw, th = s.w, s.h
	}
	siz := cat([]byte{0xff, 0x51}, be16(38+3*len(s.comps)), be16(0),
		be32(s.w), be32(s.h), be32(s.x0), be32(s.y0), be32(tw), be32(th), be32(0), be32(0), be16(len(s.comps)))
	for _, c := range s.comps {
		siz = append(siz, c.ssiz, c.dx, c.dy)
	}
	// COD: LRCP, 1 layer, no MCT, 0 decomposition levels, 64×64 code
	// blocks, 5/3 reversible. QCD: no quantisation, 2 guard bits.
	cod := []byte{0xff, 0x52, 0, 12, 0, 0, 0, 1, 0, 0, 4, 4, 0, 1}
	qcd := []byte{0xff, 0x5c, 0, 4, 0x40, 8 << 3}
	empty := make([]byte, len(s.comps)) // one empty packet per component
	sot := cat([]byte{0xff, 0x90}, be16(10), be16(0), be32(uint32(12+2+len(empty))), []byte{0, 1})
	return cat([]byte{0xff, 0x4f}, siz, cod, qcd, sot, []byte{0xff, 0x93}, empty, []byte{0xff, 0xd9})
}

func jp2Box(typ string, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat(be32(uint32(8+len(p))), []byte(typ), p)
}

// wrapJP2 puts a codestream in a JP2 file whose colour box names enumCS
// (16 sRGB, 17 gray, 18 sYCC), with extra boxes inside jp2h.
func wrapJP2(cs []byte, w, h uint32, nc int, enumCS uint32, extra ...[]byte) []byte {
	ihdr := jp2Box("ihdr", be32(h), be32(w), be16(nc), []byte{7, 7, 0, 0})
	colr := jp2Box("colr", []byte{1, 0, 0}, be32(enumCS))
	return cat(jp2Signature, jp2Box("ftyp", []byte("jp2 "), be32(0), []byte("jp2 ")),
		jp2Box("jp2h", append([][]byte{ihdr, colr}, extra...)...), jp2Box("jp2c", cs))
}

var (
	gray8   = j2k{w: 16, h: 8, comps: []comp{{7, 1, 1}}}
	rgb8    = j2k{w: 16, h: 8, comps: []comp{{7, 1, 1}, {7, 1, 1}, {7, 1, 1}}}
	ycc420  = j2k{w: 17, h: 9, x0: 1, y0: 1, comps: []comp{{7, 1, 1}, {7, 2, 2}, {7, 2, 2}}}
	gray12s = j2k{w: 8, h: 8, comps: []comp{{0x80 | 11, 1, 1}}}
)

// codestream returns the payload of a JP2 file's first jp2c box, found by
// walking the top-level boxes independently of walkJP2.
func codestream(t testing.TB, f []byte) []byte {
	t.Helper()
	for rest := f; len(rest) >= 8; {
		n := int(binary.BigEndian.Uint32(rest))
		if string(rest[4:8]) == "jp2c" {
			if n == 0 {
				n = len(rest)
			}
			return rest[8:n]
		}
		if n < 8 || n > len(rest) {
			break
		}
		rest = rest[n:]
	}
	t.Fatal("no jp2c box")
	return nil
}

func TestParseHeader(t *testing.T) {
	big := j2k{w: 5000, h: 5000, comps: []comp{{7, 1, 1}}}
	manyTiles := j2k{w: 100, h: 100, tw: 1, th: 1, comps: []comp{{7, 1, 1}}}
	fiveComps := j2k{w: 8, h: 8, comps: []comp{{7, 1, 1}, {7, 1, 1}, {7, 1, 1}, {7, 1, 1}, {7, 1, 1}}}
	wideThin := j2k{w: 1 << 31, h: 1, x0: 1<<31 - 1, comps: []comp{{7, 1, 1}}} // 1×1 pixel far from the origin
	noSamples := j2k{w: 8, h: 8, comps: []comp{{7, 0, 1}}}
	pclr := jp2Box("pclr", be16(2), []byte{5})
	tests := map[string]struct {
		data   []byte
		reason string // "" to be accepted
		w, h   int
	}{
		"gray J2K":                          {data: gray8.bytes(), w: 16, h: 8},
		"sYCC 4:2:0 JP2 with offset origin": {data: wrapJP2(ycc420.bytes(), 16, 8, 3, 18), w: 16, h: 8},
		"pixel far from the origin":         {data: wideThin.bytes(), w: 1, h: 1},
		"empty":                             {reason: ReasonUnrecognised},
		"JPEG":                              {data: []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16}, reason: ReasonUnrecognised},
		"too many pixels (J2K)":             {data: big.bytes(), reason: ReasonTooLarge},
		"too many pixels (JP2 SIZ)":         {data: wrapJP2(big.bytes(), 16, 8, 1, 17), reason: ReasonTooLarge},
		"too many pixels (JP2 ihdr)":        {data: wrapJP2(gray8.bytes(), 70000, 70000, 1, 17), reason: ReasonTooLarge},
		"five components":                   {data: fiveComps.bytes(), reason: ReasonTooLarge},
		"ten thousand tiles":                {data: manyTiles.bytes(), reason: ReasonTooLarge},
		"palette of five channels":          {data: wrapJP2(gray8.bytes(), 16, 8, 1, 16, pclr), reason: ReasonTooLarge},
		"zero subsampling":                  {data: noSamples.bytes(), reason: ReasonCorrupt},
		"input over the byte limit":         {data: cat(gray8.bytes(), make([]byte, MaxInputBytes)), reason: ReasonTooLarge},
		"SIZ cut short":                     {data: gray8.bytes()[:30], reason: ReasonCorrupt},
		"JP2 without codestream":            {data: wrapJP2(gray8.bytes(), 16, 8, 1, 17)[:12+20+8+22+15], reason: ReasonCorrupt},
		"JP2 box longer than the file":      {data: append(append([]byte(nil), jp2Signature...), 0, 0, 1, 0, 'j', 'p', '2', 'h'), reason: ReasonCorrupt},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h, err := parseHeader(tc.data)
			if tc.reason != "" {
				if got := errkind.Reason(err); got != tc.reason {
					t.Fatalf("got %v; want reason %s", err, tc.reason)
				}
				return
			}
			if err != nil || h.width != tc.w || h.height != tc.h {
				t.Fatalf("got %+v, %v; want a %d×%d header", h, err, tc.w, tc.h)
			}
		})
	}
}

func TestParseHeaderICAOVector(t *testing.T) {
	data := readShared(t, icaoFace)
	h, err := parseHeader(data)
	if err != nil || h.container != jp2File || h.width != 413 || h.height != 531 || h.components != 3 || h.tiles != 1 {
		t.Fatalf("got %+v, %v; want a 413×531 3-component one-tile JP2", h, err)
	}
	if cs := codestream(t, data); !bytes.Equal(h.codestream, cs) {
		t.Errorf("got a %d-byte codestream; want the %d-byte jp2c payload", len(h.codestream), len(cs))
	}
}

func TestToImage(t *testing.T) {
	full := func(prec int, signed bool, v ...int32) plane {
		return plane{w: 2, h: 1, dx: 1, dy: 1, prec: prec, signed: signed, data: v}
	}
	tests := map[string]struct {
		planes []plane
		cs     colourSpace
		w, h   int
		want   []color.Color // row-major
		reason string
	}{
		"8-bit gray": {planes: []plane{full(8, false, 0, 255)}, cs: csGray, w: 2, h: 1,
			want: []color.Color{color.Gray{0}, color.Gray{255}}},
		"12-bit gray scaled and clamped": {planes: []plane{full(12, false, 4095, 9999)}, w: 2, h: 1,
			want: []color.Color{color.Gray{255}, color.Gray{255}}},
		"signed 12-bit gray": {planes: []plane{full(12, true, -2048, 0)}, w: 2, h: 1,
			want: []color.Color{color.Gray{0}, color.Gray{128}}},
		"1-bit gray": {planes: []plane{full(1, false, 0, 1)}, w: 2, h: 1,
			want: []color.Color{color.Gray{0}, color.Gray{255}}},
		"gray with alpha": {planes: []plane{full(8, false, 10, 20), full(8, false, 0, 0)}, w: 2, h: 1,
			want: []color.Color{color.Gray{10}, color.Gray{20}}},
		"sRGB": {planes: []plane{full(8, false, 255, 0), full(8, false, 0, 255), full(8, false, 0, 0)}, cs: csSRGB, w: 2, h: 1,
			want: []color.Color{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}}},
		"RGBA drops alpha": {planes: []plane{full(8, false, 1, 2), full(8, false, 3, 4), full(8, false, 5, 6), full(8, false, 0, 0)}, w: 2, h: 1,
			want: []color.Color{color.RGBA{1, 3, 5, 255}, color.RGBA{2, 4, 6, 255}}},
		"sYCC with 2×1 chroma": {planes: []plane{full(8, false, 76, 150),
			{w: 1, h: 1, dx: 2, dy: 1, prec: 8, data: []int32{128}}, {w: 1, h: 1, dx: 2, dy: 1, prec: 8, data: []int32{128}}},
			cs: csSYCC, w: 2, h: 1, want: []color.Color{color.RGBA{76, 76, 76, 255}, color.RGBA{150, 150, 150, 255}}},
		"unlabelled subsampled chroma is YCC": {planes: []plane{full(8, false, 81, 81),
			{w: 1, h: 1, dx: 2, dy: 1, prec: 8, data: []int32{90}}, {w: 1, h: 1, dx: 2, dy: 1, prec: 8, data: []int32{240}}},
			w: 2, h: 1, want: []color.Color{rgb(color.YCbCrToRGB(81, 90, 240)), rgb(color.YCbCrToRGB(81, 90, 240))}},
		"CMYK": {planes: []plane{full(8, false, 0, 0), full(8, false, 0, 0), full(8, false, 0, 0), full(8, false, 0, 0)}, cs: csCMYK, w: 2, h: 1,
			reason: ReasonUnsupportedColour},
		"only alpha":    {planes: []plane{{w: 2, h: 1, dx: 1, dy: 1, prec: 8, alpha: true, data: []int32{0, 0}}}, w: 2, h: 1, reason: ReasonUnsupportedColour},
		"short plane":   {planes: []plane{full(8, false, 0)}, w: 2, h: 1, reason: ReasonCorrupt},
		"32-bit sample": {planes: []plane{full(32, false, 0, 0)}, w: 2, h: 1, reason: ReasonCorrupt},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			img, err := toImage(tc.planes, tc.cs, 0, 0, tc.w, tc.h)
			if tc.reason != "" {
				if errkind.Reason(err) != tc.reason {
					t.Fatalf("got %v; want reason %s", err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				got := img.At(i%tc.w, i/tc.w)
				if r, g, b, a := got.RGBA(); [4]uint32{r, g, b, a} != rgba(want) {
					t.Errorf("pixel %d: got %v; want %v", i, got, want)
				}
			}
		})
	}
}

func rgb(r, g, b uint8) color.Color { return color.RGBA{r, g, b, 255} }

func rgba(c color.Color) [4]uint32 { r, g, b, a := c.RGBA(); return [4]uint32{r, g, b, a} }

func TestUnavailableBuild(t *testing.T) {
	if Available() {
		t.Skip("built with OpenJPEG")
	}
	_, err := Decode(gray8.bytes())
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, errkind.ErrUnavailable) || errkind.Reason(err) != ReasonUnavailable {
		t.Fatalf("got %v; want ErrUnavailable", err)
	}
}

// FuzzDecode feeds arbitrary bytes to the header pre-check and, in a build
// with OpenJPEG, to the decoder: every failure must be a typed error and
// every image within the limits.
func FuzzDecode(f *testing.F) {
	for _, s := range []j2k{gray8, rgb8, ycc420, gray12s} {
		f.Add(s.bytes())
	}
	f.Add(wrapJP2(rgb8.bytes(), 16, 8, 3, 16))
	f.Add(wrapJP2(ycc420.bytes(), 16, 8, 3, 18))
	if icao, err := os.ReadFile(filepath.Join("../../../shared/data/icao", icaoFace)); err == nil {
		f.Add(icao)
		f.Add(icao[:len(icao)/2])
		f.Add(codestream(f, icao))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if h, err := parseHeader(data); err != nil {
			if errkind.Reason(err) == "" {
				t.Fatalf("untyped header error %v", err)
			}
		} else if h.width*h.height > MaxPixels || h.components > MaxComponents || h.tiles > MaxTiles {
			t.Fatalf("accepted a header beyond the limits: %+v", h)
		}
		img, err := Decode(data)
		if err != nil {
			if errkind.Reason(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || b.Dx()*b.Dy() > MaxPixels {
			t.Fatalf("decoded an image of %v", b)
		}
		switch img.(type) {
		case *image.Gray, *image.RGBA:
		default:
			t.Fatalf("decoded a %T", img)
		}
	})
}
