package face

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/nn"
)

// squareInput must equal face-api's two steps: pad to a square, then resize.
func TestSquareInputEqualsPadThenResize(t *testing.T) {
	im := &Image{w: 23, h: 17, pix: make([]byte, 23*17*3)}
	for i := range im.pix {
		im.pix[i] = byte(i * 7)
	}
	tests := map[string]struct {
		r      region
		size   int
		centre bool
	}{
		"wide region, centred, upscaled":        {region{1, 2, 20, 13}, 150, true},
		"tall region, centred, odd difference":  {region{3, 0, 8, 17}, 112, true},
		"whole image, padded after, downscaled": {region{0, 0, 23, 17}, 16, false},
		"square region, no resize":              {region{4, 4, 10, 10}, 10, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			crop := nn.New(1, tc.r.h, tc.r.w, 3)
			for y := 0; y < tc.r.h; y++ {
				for x := 0; x < tc.r.w*3; x++ {
					crop.Data[y*tc.r.w*3+x] = float32(im.pix[((tc.r.y+y)*im.w+tc.r.x)*3+x])
				}
			}
			diff := max(tc.r.w, tc.r.h) - min(tc.r.w, tc.r.h)
			after := diff
			if tc.centre {
				after = (diff + 1) / 2 // Math.round(diff / 2)
			}
			var p nn.Pads
			if tc.r.h > tc.r.w {
				p.Left, p.Right = diff-after, after
			} else {
				p.Top, p.Bottom = diff-after, after
			}
			want := nn.PadSpatial(crop, p)
			if want.Shape[1] != tc.size {
				want = nn.ResizeBilinear(want, tc.size, tc.size)
			}
			got := squareInput(im, tc.r, tc.size, tc.centre)
			if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
				t.Fatalf("shape %v; want %v", got.Shape, want.Shape)
			}
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("value %d = %v; want %v", i, got.Data[i], want.Data[i])
				}
			}
		})
	}
}

// jpegWithOrientation encodes a w×h JPEG whose left half is white and right
// half black, with an EXIF APP1 segment carrying orientation o.
func jpegWithOrientation(t testing.TB, w, h, o int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255)
			if x >= w/2 {
				v = 0
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	// Big-endian TIFF: header, IFD0 at 8 with one entry (0x0112, SHORT, 1, o).
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0}
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), append(seg, app1...)...), b[2:]...)
}

func TestDecodeImageAppliesEXIFOrientation(t *testing.T) {
	tests := map[string]struct {
		orientation int
		wantW       int
		wantH       int
		// where the white half ends up: "left", "right", "top", "bottom"
		white string
	}{
		"none":                  {1, 64, 32, "left"},
		"mirrored":              {2, 64, 32, "right"},
		"rotated 180":           {3, 64, 32, "right"},
		"needs turning right":   {6, 32, 64, "top"},
		"needs turning left":    {8, 32, 64, "bottom"},
		"out of range is as-is": {9, 64, 32, "left"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			img, err := DecodeImage(jpegWithOrientation(t, 64, 32, tc.orientation))
			if err != nil {
				t.Fatal(err)
			}
			if img.Width() != tc.wantW || img.Height() != tc.wantH {
				t.Fatalf("size %dx%d; want %dx%d", img.Width(), img.Height(), tc.wantW, tc.wantH)
			}
			at := func(x, y int) byte { return img.pix[(y*img.w+x)*3] }
			w, h := img.Width(), img.Height()
			var probe [2]byte // [white side, other side]
			switch tc.white {
			case "left":
				probe = [2]byte{at(4, h/2), at(w-5, h/2)}
			case "right":
				probe = [2]byte{at(w-5, h/2), at(4, h/2)}
			case "top":
				probe = [2]byte{at(w/2, 4), at(w/2, h-5)}
			case "bottom":
				probe = [2]byte{at(w/2, h-5), at(w/2, 4)}
			}
			if probe[0] < 200 || probe[1] > 55 {
				t.Errorf("white side %q reads %d, other side %d; want ≥ 200 and ≤ 55", tc.white, probe[0], probe[1])
			}
		})
	}
}
