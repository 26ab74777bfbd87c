//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// asmGemm reports whether the AVX2+FMA assembly micro-kernel runs the GEMMs.
// x/sys/cpu also checks that the OS saves the YMM registers. Tests may
// clear it to exercise the other kernels.
var asmGemm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// asmGemm512 reports whether the AVX-512 6×32 micro-kernel runs pairs of
// full panels (x/sys/cpu also checks that the OS saves the ZMM registers).
var asmGemm512 = asmGemm && cpu.X86.HasAVX512F

// asmGemmName names the assembly kernels in use.
func asmGemmName() string {
	if asmGemm512 {
		return "avx512-asm"
	}
	return "avx2-asm"
}

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

// gemm6x32AVX512 is the 6×32 micro-kernel in gemm_amd64.s: columns 0..15 of
// C[0:6, 0:32] come from the packed panel b0 and columns 16..31 from b1.
//
//go:noescape
func gemm6x32AVX512(k int, a *float32, lda int, b0, b1, c *float32, ldc int, acc int)

// microKernel6x32 is the bounds-checked entry to the AVX-512 kernel.
func microKernel6x32(k int, a []float32, lda int, b0, b1, c []float32, ldc int, acc bool) {
	checkMicroKernel32(k, a, lda, b0, b1, c, ldc)
	flag := 0
	if acc {
		flag = 1
	}
	var pa, p0, p1 *float32
	if k > 0 {
		pa, p0, p1 = &a[0], &b0[0], &b1[0]
	}
	gemm6x32AVX512(k, pa, lda, p0, p1, &c[0], ldc, flag)
}

// gemm3x16AVX2 and gemm3x32AVX512 are the 3-row kernels in gemm_amd64.s,
// for a last block of at most three rows.
//
//go:noescape
func gemm3x16AVX2(k int, a *float32, lda int, b, c *float32, ldc int, acc int)

//go:noescape
func gemm3x32AVX512(k int, a *float32, lda int, b0, b1, c *float32, ldc int, acc int)

func microKernel3x16(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	checkBlock(3, mkCols, k, a, lda, b, c, ldc)
	var pa, pb *float32
	if k > 0 {
		pa, pb = &a[0], &b[0]
	}
	gemm3x16AVX2(k, pa, lda, pb, &c[0], ldc, accFlag(acc))
}

func microKernel3x32(k int, a []float32, lda int, b0, b1, c []float32, ldc int, acc bool) {
	checkBlock(3, 2*mkCols, k, a, lda, b0, c, ldc)
	checkBlock(3, 2*mkCols, k, a, lda, b1, c, ldc)
	var pa, p0, p1 *float32
	if k > 0 {
		pa, p0, p1 = &a[0], &b0[0], &b1[0]
	}
	gemm3x32AVX512(k, pa, lda, p0, p1, &c[0], ldc, accFlag(acc))
}

func accFlag(acc bool) int {
	if acc {
		return 1
	}
	return 0
}

// wideKernel is the 6×32 kernel the driver uses on pairs of full panels, or
// nil when the CPU lacks AVX-512.
func wideKernel() microKernel32 {
	if asmGemm512 {
		return microKernel6x32
	}
	return nil
}

var (
	kernelsAVX2   = mkSet{k6x16: microKernel6x16, k3x16: microKernel3x16}
	kernelsAVX512 = mkSet{k6x16: microKernel6x16, k3x16: microKernel3x16, k6x32: microKernel6x32, k3x32: microKernel3x32}
)

// asmKernels is the kernel set of the assembly GEMM on this CPU.
func asmKernels() *mkSet {
	if asmGemm512 {
		return &kernelsAVX512
	}
	return &kernelsAVX2
}
