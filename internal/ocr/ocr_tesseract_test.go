package ocr

import (
	"context"
	"errors"
	"image"
	"image/draw"
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// lineImage renders s in black on white at about 300 dpi, 10 pt.
func lineImage(t *testing.T, s string) image.Image {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 10, DPI: 300, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	w := font.MeasureString(face, s).Ceil()
	img := image.NewGray(image.Rect(0, 0, w+40, 80))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(20, 58)}
	d.DrawString(s)
	return img
}

func openTesseract(t *testing.T) *Tesseract {
	t.Helper()
	tess := New()
	if err := tess.Open(context.Background(), "eng"); err != nil {
		if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
			t.Skipf("tesseract missing: %v", err)
		}
		t.Fatal(err)
	}
	return tess
}

// TestLinesKeepsOrder reads several lines in one run: each text must come
// back at its image's index.
func TestLinesKeepsOrder(t *testing.T) {
	tess := openTesseract(t)
	want := []string{"402519", "QUARTZ", "MXZ 7781", "1234567890"}
	var imgs []image.Image
	for _, s := range want {
		imgs = append(imgs, lineImage(t, s))
	}
	texts, confs, err := tess.Lines(context.Background(), imgs, "eng", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != len(want) || len(confs) != len(want) {
		t.Fatalf("got %d texts, %d confidences; want %d", len(texts), len(confs), len(want))
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("line %d: got %q; want %q", i, texts[i], want[i])
		}
		if confs[i] <= 0 || confs[i] > 1 {
			t.Errorf("line %d: confidence %v for text %q", i, confs[i], texts[i])
		}
	}
	// The single-line path reads the same.
	got, _, err := tess.Line(context.Background(), imgs[2], "eng", "")
	if err != nil || got != want[2] {
		t.Errorf("Line = %q, %v; want %q", got, err, want[2])
	}
}

func TestLinesRejectsEmptyImage(t *testing.T) {
	tess := New()
	_, _, err := tess.Lines(context.Background(), []image.Image{lineImage(t, "1"), image.NewGray(image.Rectangle{})}, "eng", "")
	if err == nil {
		t.Fatal("no error for an empty image")
	}
}

// TestLinesTimeout: the timeout bounds the whole run.
func TestLinesTimeout(t *testing.T) {
	tess := openTesseract(t)
	tess.timeout = 1 // 1 ns: the run cannot finish
	imgs := []image.Image{lineImage(t, "12"), lineImage(t, "34")}
	if _, _, err := tess.Lines(context.Background(), imgs, "eng", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want a deadline error", err)
	}
}
