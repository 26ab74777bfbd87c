//go:build goexperiment.simd && amd64

package nn

import (
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
		want = asmGemmName
	}
	if got := GemmBackend(); got != want {
		t.Errorf("GemmBackend() = %q; want %q", got, want)
	}
}
