package document_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/cputime"
	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// myNumberShots renders n My Number cards at each of the clean and medium
// levels and returns their photographs by side, as stored (camera JPEG).
func myNumberShots(t testing.TB, n int) (backs, fronts []maskShot) {
	t.Helper()
	fonts := loadFonts(t)
	for _, l := range []synth.Level{synth.LevelClean, synth.LevelMedium} {
		for i := range n {
			shots, err := synth.SpecimenShots(fonts, document.MyNumberCard, i*3+levelOffset(l), synth.GenerateOptions{Seed: 11, Now: refDay})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shots {
				if s.Truth.View != synth.ViewFlat {
					continue
				}
				b, err := s.JPEG()
				if err != nil {
					t.Fatal(err)
				}
				img, err := jpeg.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				ms := maskShot{truth: s.Truth, img: img}
				if s.Truth.Side == document.SideBack {
					backs = append(backs, ms)
				} else {
					fronts = append(fronts, ms)
				}
			}
		}
	}
	return backs, fronts
}

type maskShot struct {
	truth synth.Truth
	img   image.Image
}

// project maps a point on the flat specimen into the photograph.
func project(h [9]float64, x, y float64) (float64, float64) {
	d := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / d, (h[3]*x + h[4]*y + h[5]) / d
}

// coveredShare samples a grid over box (flat specimen pixels) and returns
// the share of samples painted in the mask's grey in the photo.
func coveredShare(img image.Image, h [9]float64, box [4]int) float64 {
	n, grey := 0, 0
	for j := 0; j <= 8; j++ {
		for i := 0; i <= 16; i++ {
			x := float64(box[0]) + float64(box[2]-box[0])*float64(i)/16
			y := float64(box[1]) + float64(box[3]-box[1])*float64(j)/8
			u, v := project(h, x, y)
			r, g, b, _ := img.At(int(u+0.5), int(v+0.5)).RGBA()
			n++
			if r>>8 == 128 && g>>8 == 128 && b>>8 == 128 {
				grey++
			}
		}
	}
	return float64(grey) / float64(n)
}

func rotate180(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dx()-1-x, b.Dy()-1-y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// TestMaskMyNumber photographs My Number cards' backs and checks that the
// printed number and the QR code are painted out, whichever way up, that
// the QR code no longer reads, and that fronts are left alone.
func TestMaskMyNumber(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens")
	}
	backs, fronts := myNumberShots(t, 3)
	m := document.NewMasker()
	for _, s := range backs {
		if _, ok := document.FindMyNumberQR(s.img); !ok {
			t.Errorf("%s: the unmasked back's QR code does not read; the test proves nothing", s.truth.File)
		}
		for _, upside := range []bool{false, true} {
			img, h := s.img, s.truth.Homography
			if upside {
				img = rotate180(s.img)
				b := s.img.Bounds()
				w, hh := float64(b.Dx()-1), float64(b.Dy()-1)
				// (x, y) -> (w-x, hh-y) composed after the homography.
				h = [9]float64{w*h[6] - h[0], w*h[7] - h[1], w*h[8] - h[2], hh*h[6] - h[3], hh*h[7] - h[4], hh*h[8] - h[5], h[6], h[7], h[8]}
			}
			res, err := m.MaskMyNumber(img, false)
			if err != nil {
				t.Fatalf("%s (upside down %v): %v", s.truth.File, upside, err)
			}
			if res.Image == nil {
				t.Errorf("%s (upside down %v): nothing masked", s.truth.File, upside)
				continue
			}
			if got := coveredShare(res.Image, h, s.truth.Fields[document.FieldMyNumber].Box); got < 0.98 {
				t.Errorf("%s (upside down %v): %.0f%% of the printed number is painted out; want all", s.truth.File, upside, got*100)
			}
			if got := coveredShare(res.Image, h, s.truth.Regions["qr"]); got < 0.98 {
				t.Errorf("%s (upside down %v): %.0f%% of the QR code is painted out; want all", s.truth.File, upside, got*100)
			}
			if _, ok := document.FindMyNumberQR(res.Image); ok {
				t.Errorf("%s (upside down %v): the QR code still reads after masking", s.truth.File, upside)
			}
			// The mask is a few mm wider than the print, so it may graze the
			// top of the name below; most of the name must stay readable.
			if got := coveredShare(res.Image, h, s.truth.Fields[document.FieldName].Box); got > 0.15 {
				t.Errorf("%s (upside down %v): %.0f%% of the name is painted out; the mask is too wide", s.truth.File, upside, got*100)
			}
		}
	}
	for _, s := range fronts {
		res, err := m.MaskMyNumber(s.img, false)
		if err != nil {
			t.Fatalf("%s: %v", s.truth.File, err)
		}
		if res.Image != nil {
			t.Errorf("%s: a front was masked (%v)", s.truth.File, res.Masked)
		}
		// Sent where the back should be, a front is refused, not stored.
		if _, err := m.MaskMyNumber(s.img, true); !errors.Is(err, document.ErrNotMasked) {
			t.Errorf("%s sent as the back: err = %v; want ErrNotMasked", s.truth.File, err)
		}
	}
}

// TestMaskPrecheck: the cheap first test (QR finder patterns) lets a back
// through, the right way up or not, so that a back sent in another slot
// is still masked (TestMaskMyNumber does so at the medium level too), and
// rules out the fronts and the passport page, which then cost no outline
// search.
func TestMaskPrecheck(t *testing.T) {
	if testing.Short() {
		t.Skip("renders specimens")
	}
	m := document.NewMasker()
	for _, s := range flatShots(t, 1, synth.LevelClean) {
		n := document.QRFinderCandidates(s.Photo.Image)
		res, err := m.MaskMyNumber(s.Photo.Image, false)
		if err != nil {
			t.Fatalf("%s: %v", s.Truth.File, err)
		}
		if s.Truth.Side != document.SideBack {
			if n != 0 {
				t.Errorf("%s: %d QR finder candidates; want none (the outline search runs for nothing)", s.Truth.File, n)
			}
			if res.Image != nil {
				t.Errorf("%s: masked %v; want nothing", s.Truth.File, res.Masked)
			}
			continue
		}
		for _, img := range []image.Image{s.Photo.Image, rotate180(s.Photo.Image)} {
			if n := document.QRFinderCandidates(img); n < 3 {
				t.Errorf("%s: %d QR finder candidates; want the code's 3", s.Truth.File, n)
			}
			if res, err := m.MaskMyNumber(img, false); err != nil || res.Image == nil {
				t.Errorf("%s sent as a front: masked %v, err %v; want masked", s.Truth.File, res.Masked, err)
			}
		}
	}
}

// TestMaskMyNumberRefuses: a photo said to be the back, with no card in it,
// cannot be masked and must be refused, not stored as it is.
func TestMaskMyNumberRefuses(t *testing.T) {
	m := document.NewMasker()
	_, err := m.MaskMyNumber(synthBlank(), true)
	if !errors.Is(err, document.ErrNotMasked) || !errors.Is(err, errkind.ErrInvalid) || errkind.Reason(err) != "my_number_not_masked" {
		t.Fatalf("blank photo said to be the back: err = %v; want my_number_not_masked", err)
	}
	res, err := m.MaskMyNumber(synthBlank(), false)
	if err != nil || res.Image != nil {
		t.Fatalf("blank photo, no back expected: %+v, %v; want nothing masked", res, err)
	}
	if _, err := m.MaskMyNumber(nil, true); errkind.Reason(err) != "document_image_missing" {
		t.Fatalf("nil image: %v", err)
	}
}

// BenchmarkMaskMyNumber masks one photographed back (clean level): the
// cost added to the upload of a My Number card's back.
func BenchmarkMaskMyNumber(b *testing.B) {
	fonts := loadFonts(b)
	shots, err := synth.SpecimenShots(fonts, document.MyNumberCard, 0, synth.GenerateOptions{Seed: 11, Now: refDay})
	if err != nil {
		b.Fatal(err)
	}
	var img image.Image
	for _, s := range shots {
		if s.Truth.Side == document.SideBack && s.Truth.View == synth.ViewFlat {
			img = s.Photo.Image
		}
	}
	m := document.NewMasker()
	b.ResetTimer()
	for b.Loop() {
		if res, err := m.MaskMyNumber(img, true); err != nil || res.Image == nil {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkMaskUpload is what masking adds to the upload of a photo that
// shows no My Number card's back (a front of each type with a layout, the
// passport's data page) and of a back sent where no back was asked for
// (expectBack false both times: the person did not say it is the back).
// cpu-ms/op is the process's CPU time per photo.
func BenchmarkMaskUpload(b *testing.B) {
	fonts := loadFonts(b)
	var others, backs []image.Image
	for _, typ := range pipelineTypes {
		shots, err := synth.SpecimenShots(fonts, typ, 0, synth.GenerateOptions{Seed: 11, Now: refDay})
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range shots {
			if s.Truth.View != synth.ViewFlat {
				continue
			}
			if s.Truth.Side == document.SideBack {
				backs = append(backs, s.Photo.Image)
			} else {
				others = append(others, s.Photo.Image)
			}
		}
	}
	m := document.NewMasker()
	for _, bc := range []struct {
		name   string
		imgs   []image.Image
		masked bool
	}{{"other_sides", others, false}, {"back", backs, true}} {
		b.Run(bc.name, func(b *testing.B) {
			c0, n := cputime.Used(), 0
			for b.Loop() {
				res, err := m.MaskMyNumber(bc.imgs[n%len(bc.imgs)], false)
				if err != nil || (res.Image != nil) != bc.masked {
					b.Fatal(res.Masked, err)
				}
				n++
			}
			b.ReportMetric(float64((cputime.Used()-c0).Microseconds())/1000/float64(n), "cpu-ms/op")
		})
	}
}
