package synth

import (
	"bytes"
	"image"
	"testing"
)

func TestScreenRecaptureDeterministic(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	a, b, c := ScreenRecapture(src, 1), ScreenRecapture(src, 1), ScreenRecapture(src, 2)
	if a.Bounds() != src.Bounds() {
		t.Fatalf("size %v, want %v", a.Bounds(), src.Bounds())
	}
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("same seed, different pixels")
	}
	if bytes.Equal(a.Pix, c.Pix) {
		t.Error("different seeds, same pixels")
	}
}

func TestPrintRecaptureDeterministic(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	for _, copy := range []bool{false, true} {
		a, b, c := PrintRecapture(src, copy, 1), PrintRecapture(src, copy, 1), PrintRecapture(src, copy, 2)
		if a.Bounds() != src.Bounds() {
			t.Fatalf("size %v, want %v", a.Bounds(), src.Bounds())
		}
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Error("same seed, different pixels")
		}
		if bytes.Equal(a.Pix, c.Pix) {
			t.Error("different seeds, same pixels")
		}
	}
}
