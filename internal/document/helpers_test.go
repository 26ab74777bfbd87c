package document_test

import (
	"image"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

func loadFonts(t testing.TB) *synth.Fonts {
	t.Helper()
	f, err := synth.LoadFonts()
	if err != nil {
		t.Skipf("no Japanese font (Debian: fonts-noto-cjk): %v", err)
	}
	return f
}

var refDay = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func specimenData(t testing.TB, typ document.Type, i int) synth.DocumentData {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(i), 0x7e3))
	d, err := synth.NewDocumentData(rng, typ, synth.DocumentOptions{Now: refDay})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// onWhite flattens the specimen's transparent corners onto white.
func onWhite(src *image.RGBA) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	for i := 0; i < len(src.Pix); i += 4 {
		a := float64(src.Pix[i+3]) / 255
		for c := range 3 {
			out.Pix[i+c] = uint8(float64(src.Pix[i+c])*a + 255*(1-a) + 0.5)
		}
		out.Pix[i+3] = 255
	}
	return out
}

func synthBlank() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	return img
}
