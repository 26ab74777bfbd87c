package evalreport

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestDETCurve(t *testing.T) {
	pts := DETCurve([]float64{0.1, 0.2, 0.5}, []float64{0.4, 0.8, 0.9, 1.0})
	// At threshold 0.4: genuine 0.5 rejected (1/3), impostor 0.4 accepted (1/4).
	for _, p := range pts {
		if p.Threshold == 0.4 && (p.FRR != 1.0/3 || p.FAR != 0.25) {
			t.Fatalf("at 0.4: got FAR %v FRR %v; want 0.25, 1/3", p.FAR, p.FRR)
		}
	}
	first, last := pts[0], pts[len(pts)-1]
	if first.FAR != 0 || last.FAR != 1 || last.FRR != 0 {
		t.Fatalf("ends: got %+v .. %+v", first, last)
	}
}

func TestDETPlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "det.png")
	if err := DETPlot(path, "test", []float64{0.1, 0.2, 0.5}, []float64{0.4, 0.8, 0.9}, &DETPoint{Threshold: 0.45, FAR: 0, FRR: 1.0 / 3}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 300 {
		t.Fatalf("got %v, %v; want a PNG chart", img, err)
	}
}
