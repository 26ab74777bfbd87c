//go:build cgo && openjpeg

package jp2

import (
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/face"
)

func TestDecodeICAOVector(t *testing.T) {
	data := readShared(t, icaoFace)
	img, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	rgba, ok := img.(*image.RGBA)
	if !ok || img.Bounds() != image.Rect(0, 0, 413, 531) {
		t.Fatalf("got a %T of %v; want a 413×531 *image.RGBA (the size in the JP2 header)", img, img.Bounds())
	}
	// A portrait, not a blank: the luma spreads over most of the range and
	// the colour channels differ (skin is not gray).
	lo, hi, colourful := 255, 0, 0
	for i := 0; i < len(rgba.Pix); i += 4 {
		r, g, b := int(rgba.Pix[i]), int(rgba.Pix[i+1]), int(rgba.Pix[i+2])
		y := (299*r + 587*g + 114*b) / 1000
		lo, hi = min(lo, y), max(hi, y)
		if max(r, g, b)-min(r, g, b) > 24 {
			colourful++
		}
	}
	if hi-lo < 128 || colourful < len(rgba.Pix)/4/10 {
		t.Errorf("got luma %d..%d and %d colourful pixels; want a photograph", lo, hi, colourful)
	}

	t.Run("raw J2K codestream", func(t *testing.T) {
		j, err := Decode(codestream(t, data))
		if err != nil {
			t.Fatal(err)
		}
		if jr, ok := j.(*image.RGBA); !ok || jr.Rect != rgba.Rect || string(jr.Pix) != string(rgba.Pix) {
			t.Errorf("got a %T of %v; want the JP2's pixels", j, j.Bounds())
		}
	})

	t.Run("face engine finds the face", func(t *testing.T) {
		dir := os.Getenv("KAKUNIN_MODELS")
		if dir == "" {
			dir = filepath.Join("..", "..", "models")
		}
		if _, err := os.Stat(filepath.Join(dir, "face-api")); err != nil {
			t.Skipf("no face models (make models): %v", err)
		}
		e := face.New(dir)
		if err := e.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		dets, err := e.Detect(context.Background(), face.FromImage(img))
		if err != nil || len(dets) != 1 {
			t.Fatalf("got %v, %v; want one face", dets, err)
		}
		if b := dets[0].Box; b.Width < 413/4 || b.Height < 531/6 {
			t.Errorf("got a face box of %.0f×%.0f; want a portrait-sized face", b.Width, b.Height)
		}
	})
}

func TestDecodeSynthetic(t *testing.T) {
	mid := color.Gray{128} // empty packets decode to zero: mid-gray after the level shift
	// A two-entry palette with a component mapping: every sample (128,
	// beyond the last entry) takes the last entry's colour.
	pclr := jp2Box("pclr", be16(2), []byte{3, 7, 7, 7, 10, 20, 30, 200, 100, 50})
	cmap := jp2Box("cmap", []byte{0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 2})
	tests := map[string]struct {
		data []byte
		w, h int
		gray bool
		want color.Color
	}{
		"gray J2K":                   {data: gray8.bytes(), w: 16, h: 8, gray: true, want: mid},
		"RGB J2K":                    {data: rgb8.bytes(), w: 16, h: 8, want: mid},
		"signed 12-bit J2K":          {data: gray12s.bytes(), w: 8, h: 8, gray: true, want: mid},
		"sYCC 4:2:0 JP2, odd origin": {data: wrapJP2(ycc420.bytes(), 16, 8, 3, 18), w: 16, h: 8, want: mid},
		"gray JP2":                   {data: wrapJP2(gray8.bytes(), 16, 8, 1, 17), w: 16, h: 8, gray: true, want: mid},
		"palette JP2":                {data: wrapJP2(gray8.bytes(), 16, 8, 1, 16, pclr, cmap), w: 16, h: 8, want: color.RGBA{200, 100, 50, 255}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			img, err := Decode(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if _, isGray := img.(*image.Gray); isGray != tc.gray || img.Bounds() != image.Rect(0, 0, tc.w, tc.h) {
				t.Fatalf("got a %T of %v; want %d×%d (gray %v)", img, img.Bounds(), tc.w, tc.h, tc.gray)
			}
			for y := range tc.h {
				for x := range tc.w {
					if got := img.At(x, y); rgba(got) != rgba(tc.want) {
						t.Fatalf("pixel (%d,%d) = %v; want %v", x, y, got, tc.want)
					}
				}
			}
		})
	}
}

// Headers that promise more than the limits are refused before OpenJPEG
// decodes anything, although OpenJPEG would decode them (the same
// codestreams at a small size do, see TestDecodeSynthetic).
func TestDecodeRefusesOversizedHeaders(t *testing.T) {
	tests := map[string][]byte{
		"5000×5000 gray":          j2k{w: 5000, h: 5000, comps: []comp{{7, 1, 1}}}.bytes(),
		"4097×4096 in a JP2":      wrapJP2(j2k{w: 4097, h: 4096, comps: []comp{{7, 1, 1}}}.bytes(), 4097, 4096, 1, 17),
		"five components":         j2k{w: 8, h: 8, comps: []comp{{7, 1, 1}, {7, 1, 1}, {7, 1, 1}, {7, 1, 1}, {7, 1, 1}}}.bytes(),
		"65536 one-pixel tiles":   j2k{w: 256, h: 256, tw: 1, th: 1, comps: []comp{{7, 1, 1}}}.bytes(),
		"palette of 8 channels":   wrapJP2(gray8.bytes(), 16, 8, 1, 16, jp2Box("pclr", be16(2), []byte{8})),
		"JP2 header says 1e10 px": wrapJP2(gray8.bytes(), 100000, 100000, 1, 17),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(data)
			if errkind.Reason(err) != ReasonTooLarge || !errors.Is(err, errkind.ErrInvalid) {
				t.Fatalf("got %v; want %s (errkind.ErrInvalid)", err, ReasonTooLarge)
			}
		})
	}
}

// Every prefix of the vector, and the vector with bytes flipped, fails
// with a typed error or decodes to an image within the limits: never a
// crash, never an untyped error.
func TestDecodeDamagedInputs(t *testing.T) {
	data := readShared(t, icaoFace)
	typed := func(t *testing.T, what string, img image.Image, err error) {
		t.Helper()
		switch {
		case err == nil && img.Bounds() != image.Rect(0, 0, 413, 531):
			t.Errorf("%s: decoded %v; want an error or the 413×531 image", what, img.Bounds())
		case err != nil && (errkind.Reason(err) == "" || !(errors.Is(err, errkind.ErrInvalid) || errors.Is(err, errkind.ErrUnsupported))):
			t.Errorf("%s: got %v; want a typed invalid/unsupported error", what, err)
		}
	}
	t.Run("truncated", func(t *testing.T) {
		ok := 0
		for _, n := range []int{0, 1, 11, 12, 40, 100, 111, 115, 130, 200, 400, 1000, len(data) / 2, len(data) - 100, len(data) - 2} {
			img, err := Decode(data[:n])
			typed(t, "prefix of "+strconv.Itoa(n), img, err)
			if err == nil {
				ok++
			}
		}
		if ok > 0 {
			t.Errorf("%d truncated inputs decoded; want all refused (OpenJPEG's strict mode)", ok)
		}
	})
	t.Run("corrupted", func(t *testing.T) {
		failed := 0
		for i := 0; i < len(data); i += 97 {
			bad := append([]byte(nil), data...)
			bad[i] ^= 0xa5
			img, err := Decode(bad)
			typed(t, "flip at "+strconv.Itoa(i), img, err)
			if err != nil {
				failed++
			}
		}
		if failed == 0 {
			t.Error("no corruption was noticed; want header damage refused")
		}
	})
	t.Run("corrupted main header", func(t *testing.T) {
		cs := codestream(t, data)
		bad := append([]byte(nil), cs...)
		bad[4+36], bad[4+37] = 0, 0 // Csiz = 0: the pre-check refuses it
		if _, err := Decode(bad); errkind.Reason(err) != ReasonCorrupt {
			t.Fatalf("got %v; want %s", err, ReasonCorrupt)
		}
		bad = append([]byte(nil), cs...)
		bad[4+38] = 40 // 41-bit samples: OpenJPEG refuses the header
		if _, err := Decode(bad); errkind.Reason(err) != ReasonCorrupt {
			t.Fatalf("got %v; want %s", err, ReasonCorrupt)
		}
		bad = append([]byte(nil), cs...)
		bad[len(bad)-1] = 0 // EOC damaged
		img, err := Decode(bad)
		typed(t, "EOC damaged", img, err)
	})
}
