package synth

import (
	"bytes"
	"image/jpeg"
	"os"
	"testing"
)

func TestChipPhotoFitsRealFaces(t *testing.T) {
	src, err := os.ReadFile("../../../shared/data/faces/identities/alex_lacamoire/alex2.jpg")
	if err != nil {
		t.Skipf("shared faces not available: %v", err)
	}
	srcCfg, err := jpeg.DecodeConfig(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{30000, 3000} {
		out, err := ChipPhoto(src, limit)
		if err != nil {
			t.Fatalf("limit %d: got %v; want a photo", limit, err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
		if err != nil || len(out) > limit {
			t.Fatalf("limit %d: got %d bytes, %v; want a JPEG within the limit", limit, len(out), err)
		}
		want := float64(srcCfg.Width) / float64(srcCfg.Height)
		if got := float64(cfg.Width) / float64(cfg.Height); got < want*0.97 || got > want*1.03 {
			t.Errorf("limit %d: got aspect %.3f; want %.3f", limit, got, want)
		}
		t.Logf("%d-byte %dx%d source -> %d bytes %dx%d", len(src), srcCfg.Width, srcCfg.Height, len(out), cfg.Width, cfg.Height)
	}
}
