//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// asmGemm reports whether the AVX2+FMA assembly micro-kernel runs the GEMMs.
// x/sys/cpu also checks that the OS saves the YMM registers. Tests may
// clear it to exercise the other kernels.
var asmGemm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

const asmGemmName = "avx2-asm"

// gemm6x16AVX2 is the 6×16 micro-kernel in gemm_amd64.s: C[0:6, 0:16] (row
// stride ldc) gets A[0:6, 0:k] (row stride lda) times the packed B panel
// (k steps of 16 values), added to C when acc != 0, else stored.
//
//go:noescape
func gemm6x16AVX2(k int, a *float32, lda int, b, c *float32, ldc int, acc int)

// microKernel6x16 is the bounds-checked entry to the assembly kernel.
func microKernel6x16(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	checkMicroKernel(k, a, lda, b, c, ldc)
	flag := 0
	if acc {
		flag = 1
	}
	var pa, pb *float32
	if k > 0 {
		pa, pb = &a[0], &b[0]
	}
	gemm6x16AVX2(k, pa, lda, pb, &c[0], ldc, flag)
}
