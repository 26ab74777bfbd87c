package upload

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/big"
	"testing"
	"time"
)

// Fixtures are built in code so that every byte a test relies on is visible.

// patternImage is a smooth gradient with a sharp diagonal, so encoders have
// real work to do and lossy round trips stay recognisable.
func patternImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(255 * x / max(w-1, 1)), uint8(255 * y / max(h-1, 1)), 128, 255}
			if (x+y)%64 < 8 {
				c = color.RGBA{20, 20, 20, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNGBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withSegment inserts a marker segment right after a JPEG's SOI marker.
func withSegment(jpg []byte, marker byte, payload []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, marker)
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// exifPayload is an APP1 "Exif" payload: a little-endian TIFF header and an
// IFD0 holding an orientation and an ImageDescription carrying note, the way
// cameras leave captions, GPS and serial numbers behind.
func exifPayload(orientation uint16, note string) []byte {
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = le.AppendUint16(tiff, 2) // two entries
	// ImageDescription, ASCII, stored after the IFD.
	noteOffset := uint32(8 + 2 + 2*12 + 4)
	tiff = le.AppendUint16(tiff, 0x010E)
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint32(tiff, uint32(len(note)+1))
	tiff = le.AppendUint32(tiff, noteOffset)
	// Orientation, SHORT, inline.
	tiff = le.AppendUint16(tiff, 0x0112)
	tiff = le.AppendUint16(tiff, 3)
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint16(tiff, orientation)
	tiff = le.AppendUint16(tiff, 0)
	tiff = le.AppendUint32(tiff, 0) // no next IFD
	tiff = append(tiff, note...)
	tiff = append(tiff, 0)
	return append([]byte("Exif\x00\x00"), tiff...)
}

// withJPEGSize rewrites the frame header (SOF0) of a baseline JPEG to claim
// another size, leaving the scan data as it was.
func withJPEGSize(t testing.TB, jpg []byte, w, h int) []byte {
	t.Helper()
	out := append([]byte{}, jpg...)
	for i := 2; i+9 < len(out); {
		if out[i] != 0xFF {
			t.Fatal("fixture JPEG: lost marker sync")
		}
		marker := out[i+1]
		length := int(binary.BigEndian.Uint16(out[i+2:]))
		if marker == 0xC0 {
			binary.BigEndian.PutUint16(out[i+5:], uint16(h))
			binary.BigEndian.PutUint16(out[i+7:], uint16(w))
			return out
		}
		i += 2 + length
	}
	t.Fatal("fixture JPEG: no SOF0")
	return nil
}

// withPNGSize rewrites a PNG's IHDR to claim another size and fixes its CRC,
// so that only the size is wrong.
func withPNGSize(pngData []byte, w, h uint32) []byte {
	out := append([]byte{}, pngData...)
	// signature(8) length(4) "IHDR"(4) width(4) height(4) ... crc
	binary.BigEndian.PutUint32(out[16:], w)
	binary.BigEndian.PutUint32(out[20:], h)
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

// bitWriter packs bits least-significant first, as VP8L expects.
type bitWriter struct {
	buf   []byte
	nbits uint
}

func (b *bitWriter) write(v uint32, n uint) {
	for i := range n {
		if b.nbits%8 == 0 {
			b.buf = append(b.buf, 0)
		}
		b.buf[len(b.buf)-1] |= byte((v>>i)&1) << (b.nbits % 8)
		b.nbits++
	}
}

// solidWebP is a lossless WebP of one colour. Its bitstream uses the VP8L
// "simple" prefix codes with a single symbol each, which take zero bits per
// pixel, so the whole image is a dozen bytes whatever its size. Sizes up to
// 16384 per side fit the 14-bit fields.
func solidWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2F, 8) // VP8L signature
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1) // alpha used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []byte{c.G, c.R, c.B, c.A, 0} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(uint32(sym), 8)
	}
	payload := bw.buf
	chunk := append([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	chunk = append(chunk, payload...)
	if len(payload)%2 == 1 {
		chunk = append(chunk, 0)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(chunk)))...)
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}

// selfSignedDER is a real X.509 certificate, DER-encoded.
func selfSignedDER(t testing.TB) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kakunin upload test"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }
