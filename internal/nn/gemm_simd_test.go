//go:build goexperiment.simd && amd64

package nn

import (
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"
)

func TestSIMDBuildSelectsArchsimd(t *testing.T) {
	if !archsimd.X86.AVX2() || !archsimd.X86.FMA() {
		t.Skip("CPU lacks AVX2+FMA; the portable kernel is used")
	}
	// The archsimd helpers (Winograd transforms, depthwise, epilogues) key
	// on gemmName; the GEMM itself prefers the assembly kernel when built.
	if gemmName != "archsimd" {
		t.Errorf("gemmName = %q; want \"archsimd\"", gemmName)
	}
	want := "archsimd"
	if asmGemm {
		want = asmGemmName()
	}
	if got := GemmBackend(); got != want {
		t.Errorf("GemmBackend() = %q; want %q", got, want)
	}
}

// TestArchsimdTileEqualsMicroKernel: the archsimd 4×16 tile and the 6×16
// micro-kernel both run one FMA chain per output over k in order, so their
// results are bit-identical.
func TestArchsimdTileEqualsMicroKernel(t *testing.T) {
	if gemmName != "archsimd" {
		t.Skip("archsimd kernel not in use")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, s := range [][3]int{{1, 1, 1}, {5, 17, 3}, {7, 33, 9}, {324, 32, 32}, {9, 256, 2304}, {83, 50, 147}} {
		m, n, k := s[0], s[1], s[2]
		a := randTensor(r, m, k).Data
		pb := PackB(k, n, randTensor(r, k, n).Data)
		simd := make([]float32, m*n)
		gemmPackedImpl(0, m, a, pb, simd, nil)
		mk := make([]float32, m*n)
		gemmPackedMK(0, m, a, pb, mk, nil, microKernel6x16, wideKernel())
		for i := range mk {
			if math.Float32bits(mk[i]) != math.Float32bits(simd[i]) {
				t.Fatalf("%dx%dx%d: c[%d] = %g; archsimd %g", m, n, k, i, mk[i], simd[i])
			}
		}
	}
}
