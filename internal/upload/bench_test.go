package upload

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSanitizeJPEG sanitizes a 1152x864 (1.0 MP) JPEG with camera-like
// noise, the size of a typical selfie after the capture page downscales it.
func BenchmarkSanitizeJPEG(b *testing.B) {
	img := patternImage(1152, 864)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		if i%4 != 3 {
			img.Pix[i] = uint8(min(255, max(0, int(img.Pix[i])+rng.IntN(17)-8)))
		}
	}
	data := encodeJPEG(b, img)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sanitize(data, []string{TypeJPEG}, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
