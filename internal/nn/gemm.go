package nn

import (
	"runtime"
	"sync"
)

// gemmKernel computes rows [i0, i1) of C = A·B where A is m×k, B is k×n and C
// is m×n, all row-major. It overwrites C.
type gemmKernel func(i0, i1, n, k int, a, b, c []float32)

// GemmBackend names the kernel Gemm uses: "avx512-asm" (the assembly
// micro-kernels, 6×32 with AVX-512 for pairs of full panels and 6×16 with
// AVX2+FMA for the rest, on amd64 unless built with -tags purego), else
// "avx2-asm" (the 6×16 assembly kernel alone, without AVX-512), else
// "archsimd" (AVX2+FMA through simd/archsimd, when built with
// GOEXPERIMENT=simd and the CPU supports it), else "go" (portable).
func GemmBackend() string {
	if asmGemm {
		return asmGemmName()
	}
	return gemmName
}

// gemmParallelMin is the multiply-add count above which Gemm splits rows
// across goroutines; below it the goroutine hand-off costs more than it saves.
const gemmParallelMin = 1 << 20

// Gemm computes C = A·B (A m×k, B k×n, C m×n, row-major), overwriting C.
func Gemm(m, n, k int, a, b, c []float32) {
	if len(a) < m*k || len(b) < k*n || len(c) < m*n {
		panic("nn: Gemm slice too short")
	}
	if asmGemm && m >= mkRows && k > 0 {
		gemmMK(m, n, k, a, b, c)
		return
	}
	parallelRows(m, m*n*k, func(i0, i1 int) { gemmImpl(i0, i1, n, k, a, b, c) })
}

// parallelRows splits rows [0, m) across goroutines when the work (in
// multiply-adds) is large enough to pay for them.
func parallelRows(m, work int, run func(i0, i1 int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || work < gemmParallelMin || m < 8 {
		run(0, m)
		return
	}
	if workers > m/4 {
		workers = m / 4
	}
	// Chunks are multiples of 12 rows so the 4-row and 6-row micro-kernels
	// see full tiles.
	chunk := (m/workers + 11) / 12 * 12
	var wg sync.WaitGroup
	for i0 := 0; i0 < m; i0 += chunk {
		i1 := min(i0+chunk, m)
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(i0, i1)
		}()
	}
	wg.Wait()
}

// gemmGo is the portable kernel: four rows of A share each streamed row of B.
func gemmGo(i0, i1, n, k int, a, b, c []float32) {
	i := i0
	for ; i+4 <= i1; i += 4 {
		c0 := c[i*n : i*n+n]
		c1 := c[(i+1)*n : (i+1)*n+n]
		c2 := c[(i+2)*n : (i+2)*n+n]
		c3 := c[(i+3)*n : (i+3)*n+n]
		clear(c0)
		clear(c1)
		clear(c2)
		clear(c3)
		a0 := a[i*k : i*k+k]
		a1 := a[(i+1)*k : (i+1)*k+k]
		a2 := a[(i+2)*k : (i+2)*k+k]
		a3 := a[(i+3)*k : (i+3)*k+k]
		for p := 0; p < k; p++ {
			br := b[p*n : p*n+n]
			v0, v1, v2, v3 := a0[p], a1[p], a2[p], a3[p]
			c0, c1, c2, c3 := c0[:len(br)], c1[:len(br)], c2[:len(br)], c3[:len(br)]
			for j, bv := range br {
				c0[j] += v0 * bv
				c1[j] += v1 * bv
				c2[j] += v2 * bv
				c3[j] += v3 * bv
			}
		}
	}
	for ; i < i1; i++ {
		cr := c[i*n : i*n+n]
		clear(cr)
		ar := a[i*k : i*k+k]
		for p, av := range ar {
			br := b[p*n : p*n+n]
			cr := cr[:len(br)]
			for j, bv := range br {
				cr[j] += av * bv
			}
		}
	}
}

// mulAddGo is acc[i] += x[i]·w[i].
func mulAddGo(acc, x, w []float32) {
	x = x[:len(acc)]
	w = w[:len(acc)]
	for i := range acc {
		acc[i] += x[i] * w[i]
	}
}

// gemmGoEpilogue is the portable GemmPacked: blocks of rows through gemmGo,
// each followed by the epilogue while the rows are in cache.
func gemmGoEpilogue(i0, i1 int, a []float32, b *PackedB, c []float32, ep *GemmEpilogue) {
	const block = 16
	for r0 := i0; r0 < i1; r0 += block {
		r1 := min(r0+block, i1)
		gemmGo(r0, r1, b.N, b.K, a, b.b, c)
		if ep != nil {
			for r := r0; r < r1; r++ {
				ep.applyRow(c[r*b.N:(r+1)*b.N], 0)
			}
		}
	}
}
