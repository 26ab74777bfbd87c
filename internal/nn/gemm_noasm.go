//go:build !amd64 || purego

package nn

// Without the assembly kernel (other architectures, or -tags purego) the
// portable and archsimd kernels run the GEMMs.
var asmGemm = false

const asmGemmName = "avx2-asm"

// microKernel6x16 falls back to the Go reference (used only by tests here).
func microKernel6x16(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	microKernel6x16Go(k, a, lda, b, c, ldc, acc)
}
