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
	if got := GemmBackend(); got != "archsimd" {
		t.Errorf("GemmBackend() = %q; want \"archsimd\"", got)
	}
}
