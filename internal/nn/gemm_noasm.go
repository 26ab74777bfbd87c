//go:build !amd64 || purego

package nn

// Without the assembly kernel (other architectures, or -tags purego) the
// portable and archsimd kernels run the GEMMs.
var asmGemm = false

func asmGemmName() string { return "avx2-asm" }

// microKernel6x16 falls back to the Go reference (used only by tests here).
func microKernel6x16(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	microKernel6x16Go(k, a, lda, b, c, ldc, acc)
}

// microKernel6x32 falls back to the Go reference (used only by tests here).
func microKernel6x32(k int, a []float32, lda int, b0, b1, c []float32, ldc int, acc bool) {
	microKernel6x32Go(k, a, lda, b0, b1, c, ldc, acc)
}

func wideKernel() microKernel32 { return nil }

func microKernel3x16(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	microKernel3x16Go(k, a, lda, b, c, ldc, acc)
}

func microKernel3x32(k int, a []float32, lda int, b0, b1, c []float32, ldc int, acc bool) {
	microKernel3x32Go(k, a, lda, b0, b1, c, ldc, acc)
}

var goKernelSet = mkSet{k6x16: microKernel6x16Go, k3x16: microKernel3x16Go}

// asmKernels is the Go kernel set (asmGemm is false here, so only tests
// reach it).
func asmKernels() *mkSet { return &goKernelSet }
