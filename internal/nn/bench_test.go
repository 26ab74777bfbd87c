package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemm times conv-shaped products (M = output pixels, N = output
// channels, K = kh·kw·in) from the recognition network; GF/s is reported.
func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range []struct{ m, n, k int }{
		{72 * 72, 32, 147}, // 7x7 stem
		{35 * 35, 32, 288}, // 3x3 32→32
		{17 * 17, 64, 576}, // 3x3 64→64
		{8 * 8, 128, 1152}, // 3x3 128→128
		{3 * 3, 256, 2304}, // 3x3 256→256
	} {
		b.Run(fmt.Sprintf("%s/m%d_n%d_k%d", GemmBackend(), s.m, s.n, s.k), func(b *testing.B) {
			a := randTensor(r, s.m, s.k).Data
			w := randTensor(r, s.k, s.n).Data
			c := make([]float32, s.m*s.n)
			for b.Loop() {
				Gemm(s.m, s.n, s.k, a, w, c)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GF/s")
		})
		b.Run(fmt.Sprintf("%s-packed/m%d_n%d_k%d", GemmBackend(), s.m, s.n, s.k), func(b *testing.B) {
			a := randTensor(r, s.m, s.k).Data
			w := PackB(s.k, s.n, randTensor(r, s.k, s.n).Data)
			c := make([]float32, s.m*s.n)
			for b.Loop() {
				GemmPacked(s.m, a, w, c, nil)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GF/s")
		})
	}
}
