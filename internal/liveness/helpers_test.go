package liveness

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// dataDir is the development face set (KAKUNIN_FACE_DATA overrides).
var dataDir = func() string {
	if d := os.Getenv("KAKUNIN_FACE_DATA"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "data", "faces")
}()

func modelsDir() string {
	if d := os.Getenv("KAKUNIN_MODELS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "models")
}

var (
	analyzerOnce sync.Once
	analyzerVal  *Analyzer
	analyzerErr  error
)

// openAnalyzer opens one engine and analyzer for the whole test binary.
func openAnalyzer(t testing.TB) *Analyzer {
	t.Helper()
	analyzerOnce.Do(func() {
		e := face.New(modelsDir())
		if analyzerErr = e.Open(context.Background()); analyzerErr != nil {
			return
		}
		a := NewAnalyzer(e, modelsDir())
		analyzerErr = a.Open(context.Background())
		analyzerVal = a
	})
	if analyzerErr != nil {
		t.Fatalf("opening the analyzer: %v (run `make models`)", analyzerErr)
	}
	return analyzerVal
}

// livePhoto is the real live capture the synthetic clips are warped from.
func livePhoto(t testing.TB) (image.Image, *face.Image) {
	t.Helper()
	p := filepath.Join(dataDir, "live", "image_T1.jpg")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("face data not present (%v); the synthetic clips are warped from %s", err, p)
	}
	img, err := face.DecodeImage(b)
	if err != nil {
		t.Fatal(err)
	}
	w, h := img.Width(), img.Height()
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	pix := img.RGB()
	for i := 0; i < w*h; i++ {
		rgba.Pix[i*4], rgba.Pix[i*4+1], rgba.Pix[i*4+2], rgba.Pix[i*4+3] = pix[i*3], pix[i*3+1], pix[i*3+2], 255
	}
	return rgba, img
}
